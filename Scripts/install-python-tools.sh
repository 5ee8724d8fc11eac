#!/bin/sh
# Installs yt-dlp at a pinned version (Debian's build is too old for today's YouTube), the Python
# packages the tests use to check the JSON Schema, and schemathesis for the API contract check.
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
hash -r
command -v yt-dlp >/dev/null || { echo "yt-dlp is not on PATH after installing it" >&2; exit 1; }
