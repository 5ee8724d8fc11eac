#!/usr/bin/env python3
"""Runs the shell examples of README.md and every page of Docs/ as written, and fails when one fails.

Each page's ```sh blocks run in order in one bash session (`set -euo pipefail`), in a scratch folder
holding a copy of Recipes/ (without its media) and Scripts/, with the built `mixdown` first on PATH. The examples check their own
documented results (`jq -e`, `grep`, a recipe's `expect`), so a claim that stops holding fails here. A block
the test cannot run (a long-running server, `make test` itself) must be preceded by
`<!-- doc-test: skip: REASON -->`. Pages that talk to the API get a `mixdown dev` on a free loopback
port, with `API` set to its address. Every ```yaml block that is a whole recipe (it has `version:`) is
checked with `mixdown validate`, written into that folder's Recipes/ (so `file: media/...` resolves once
the page's own commands made the media, or Scripts/demo-media.sh made it for a recipe-only page).

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
PAGES = ["README.md"] + sorted(os.path.join("Docs", name) for name in os.listdir(os.path.join(ROOT, "Docs")) if name.endswith(".md"))
SKIP = re.compile(r"^<!-- doc-test: skip: (.+\S) -->$")


def blocks(path, language="sh"):
    """(line, text) of each runnable block in `language`; a skip marker without a reason is an error."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    found, index, previous = [], 0, ""
    while index < len(lines):
        line = lines[index]
        if line.strip() in ("```bash", "```shell", "```console", "```zsh"):
            raise SystemExit(f"{path}:{index + 1}: write shell examples as ```sh, so this test runs them")
        if line.strip() == "```" + language:
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
    ran = 0
    for page in PAGES:
        found = blocks(page)
        recipes = [(line, text) for line, text in blocks(page, "yaml") if re.search(r"^version:", text, re.M)]
        if not found and not recipes:
            continue
        needs_api = any("$API" in text for _, text in found)
        work = tempfile.mkdtemp(prefix="mixdown-doc-")
        shutil.copytree(os.path.join(ROOT, "Recipes"), os.path.join(work, "Recipes"), ignore=shutil.ignore_patterns("media"))
        shutil.copytree(os.path.join(ROOT, "Scripts"), os.path.join(work, "Scripts"))
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
            if recipes:
                script.append("[ -d Recipes/media ] || Scripts/demo-media.sh Recipes/media 20")
            for line, text in recipes:
                name = f"Recipes/doc-example-{line}.yaml"
                with open(os.path.join(work, name), "w", encoding="utf-8") as recipe:
                    recipe.write(text + "\n")
                script.append(f"echo '--- {page}:{line} (a recipe)'")
                script.append(f"mixdown validate {name}")
            result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                shown = result.stdout[-4000:] + result.stderr[-4000:]
                failures.append(f"{page}: exit {result.returncode} in the block after the last '---' line:\n{shown}")
            else:
                ran += 1
                print(f"doc test: {page}: {len(found)} command blocks ran, {len(recipes)} recipes valid")
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            shutil.rmtree(work, ignore_errors=True)
    if ran < 2:
        failures.append("fewer pages ran than the guides alone: the page list is wrong")
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
