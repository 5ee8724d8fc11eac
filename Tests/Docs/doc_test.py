#!/usr/bin/env python3
"""Runs the shell examples of the guides as written, and fails when one fails.

Each page's ```sh blocks run in order in one bash session (`set -euo pipefail`), in a scratch folder
holding a copy of Recipes/, with the built `mixdown` first on PATH. The examples check their own
documented results (`jq -e`, `grep`, a recipe's `expect`), so a claim that stops holding fails here. A block
the test cannot run (a long-running server, `make test` itself) must be preceded by
`<!-- doc-test: skip: REASON -->`. Pages that talk to the API get a `mixdown dev` on a free loopback
port, with `API` set to its address.

Run from the repository root after `swift build`: python3 Tests/Docs/doc_test.py
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY_DIR = os.path.join(ROOT, ".build", "debug")
# Page -> whether it needs a running API.
PAGES = {"Docs/getting-started.md": False, "Docs/api-guide.md": True}
SKIP = re.compile(r"^<!-- doc-test: skip: (.+\S) -->$")


def blocks(path):
    """(line, text) of each runnable ```sh block; a skip marker without a reason is an error."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    found, index, previous = [], 0, ""
    while index < len(lines):
        line = lines[index]
        if line.strip() == "```sh":
            start = index + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            if end == len(lines):
                raise SystemExit(f"{path}:{index + 1}: a ```sh block that never ends")
            if previous.startswith("<!-- doc-test"):
                if not SKIP.match(previous):
                    raise SystemExit(f"{path}:{index}: a skip marker must say why: <!-- doc-test: skip: REASON -->")
            else:
                found.append((start, "\n".join(lines[start:end])))
            index = end + 1
            previous = ""
            continue
        if line.strip():
            previous = line.strip()
        index += 1
    return found


def start_server(work, env):
    log = open(os.path.join(work, "server.log"), "w")
    process = subprocess.Popen(
        [os.path.join(BINARY_DIR, "mixdown"), "dev", "--port", "0"],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    for line in process.stdout:
        log.write(line)
        if "listening on http" in line:
            url = line.split("listening on ")[1].split()[0]
            return process, url, log
    raise SystemExit("mixdown dev ended before it listened:\n" + open(os.path.join(work, "server.log")).read())


def main():
    if not os.access(os.path.join(BINARY_DIR, "mixdown"), os.X_OK):
        raise SystemExit("build first: .build/debug/mixdown is missing")
    failures = []
    for page, needs_api in PAGES.items():
        found = blocks(page)
        if not found:
            failures.append(f"{page}: no runnable ```sh block")
            continue
        work = tempfile.mkdtemp(prefix="mixdown-doc-")
        shutil.copytree(os.path.join(ROOT, "Recipes"), os.path.join(work, "Recipes"), ignore=shutil.ignore_patterns("media"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXDOWN_", "S3_", "TURSO_", "RENDER_")) and k != "DEPLOY_ENV"}
        env["PATH"] = BINARY_DIR + os.pathsep + env.get("PATH", "")
        server = None
        try:
            if needs_api:
                server, url, _ = start_server(work, env)
                env["API"] = url
            script = ["set -euo pipefail"]
            for line, text in found:
                script.append(f"echo '--- {page}:{line}'")
                script.append(text)
            result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                shown = result.stdout[-4000:] + result.stderr[-4000:]
                failures.append(f"{page}: exit {result.returncode} in the block after the last '---' line:\n{shown}")
            else:
                print(f"doc test: {page}: {len(found)} blocks ran as written")
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
