#!/usr/bin/env python3
"""Runs the shell examples of every Markdown page of the repository (README.md, Docs/, Benchmarks/,
deploy/) as written, and fails when one fails.

Each page's ```sh blocks run in order in one bash session (`set -euo pipefail`), in a scratch folder
holding a copy of Recipes/ (without its media) and Scripts/, with the built `mixdown` first on PATH.
Fences may be indented (in a list) or written with tildes; a shell block under another name (```bash,
```console) is refused, not skipped. The examples check their own documented results (`jq -e`, `grep`,
a recipe's `expect`), so a claim that stops holding fails here. A block the test cannot run (a
long-running server, `make test` itself) must have `<!-- doc-test: skip: REASON -->` directly above it;
a marker anywhere else, or without a block, is an error. Pages that talk to the API get a `mixdown dev`
on a free loopback port, with `API` set to its address. Every ```yaml block that is a whole recipe (it
has `version:`) is checked with `mixdown validate`, written into that folder's Recipes/ (so
`file: media/...` resolves once the page's own commands made the media, or Scripts/demo-media.sh made it
for a recipe-only page).

Run from the repository root after `swift build`: python3 Tests/Docs/doc_test.py
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY_DIR = os.path.join(ROOT, ".build", "debug")
SKIP = re.compile(r"^<!-- doc-test: skip: (.{20,}\S) -->$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)")
# Shell fences under another name would be skipped silently: they must be written ```sh.
REFUSED = {"bash", "shell", "console", "zsh", "shell-session", "sh-session", "terminal"}


def pages():
    """README.md first, then every other Markdown file of the repository outside build folders."""
    found = []
    for folder, folders, files in os.walk(ROOT):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in ("node_modules", "dist"))
        found += [os.path.relpath(os.path.join(folder, name), ROOT) for name in sorted(files) if name.endswith(".md")]
    return ["README.md"] + sorted(page for page in found if page != "README.md")


def blocks(path):
    """{"sh": [(line, text)], "yaml": [...]} of the blocks to run or check; refuses what would slip through."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    found = {"sh": [], "yaml": []}
    index, marker = 0, None
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("<!-- doc-test"):
            if not SKIP.match(stripped):
                raise SystemExit(f"{path}:{index + 1}: a skip marker is <!-- doc-test: skip: REASON --> with a reason of 20+ characters")
            marker = index + 1
            index += 1
            continue
        opening = FENCE.match(line)
        if opening:
            indent, fence, language = opening.group(1), opening.group(2), opening.group(3).lower()
            end = index + 1
            while end < len(lines) and not (lines[end].strip().startswith(fence[0] * len(fence)) and lines[end].strip().strip(fence[0]) == ""):
                end += 1
            if end == len(lines):
                raise SystemExit(f"{path}:{index + 1}: a fenced block that never ends")
            if language in REFUSED:
                raise SystemExit(f"{path}:{index + 1}: write shell examples as ```sh, so this test runs them")
            text = "\n".join(l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[index + 1:end])
            kind = {"sh": "sh", "yaml": "yaml", "yml": "yaml"}.get(language)
            if marker is not None:
                if kind != "sh":
                    raise SystemExit(f"{path}:{marker}: a skip marker stands only above a ```sh block")
                marker = None
            elif kind:
                found[kind].append((index + 2, text))
            index = end + 1
            continue
        if stripped and marker is not None:
            raise SystemExit(f"{path}:{marker}: a skip marker must sit directly above the block it skips")
        index += 1
    if marker is not None:
        raise SystemExit(f"{path}:{marker}: a skip marker with no block after it")
    return found


def stop(process):
    """Ends a process and everything it started (each runs in a session of its own)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def start_server(work, env):
    """`mixdown dev` on a free port; its output goes to a log, read until it prints its address."""
    log_path = os.path.join(work, "server.log")
    process = subprocess.Popen(
        [os.path.join(BINARY_DIR, "mixdown"), "dev", "--port", "0"],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    log = open(log_path, "w")
    for line in process.stdout:
        log.write(line)
        if "listening on http" in line:
            url = line.split("listening on ")[1].split()[0]
            # The rest is drained into the log, so the server never blocks on a full pipe.
            def drain():
                for rest in process.stdout:
                    log.write(rest)
                log.close()
            threading.Thread(target=drain, daemon=True).start()
            return process, url
    log.close()
    raise SystemExit("mixdown dev ended before it listened:\n" + open(log_path).read())


def main():
    if not os.access(os.path.join(BINARY_DIR, "mixdown"), os.X_OK):
        raise SystemExit("build first: .build/debug/mixdown is missing")
    failures = []
    ran = 0
    for page in pages():
        found = blocks(page)
        commands = found["sh"]
        recipes = [(line, text) for line, text in found["yaml"] if re.search(r"^\s*version:", text, re.M)]
        if not commands and not recipes:
            continue
        needs_api = any("$API" in text for _, text in commands)
        work = tempfile.mkdtemp(prefix="mixdown-doc-")
        shutil.copytree(os.path.join(ROOT, "Recipes"), os.path.join(work, "Recipes"), ignore=shutil.ignore_patterns("media"))
        shutil.copytree(os.path.join(ROOT, "Scripts"), os.path.join(work, "Scripts"))
        os.makedirs(os.path.join(work, "home"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXDOWN_", "S3_", "TURSO_", "RENDER_")) and k != "DEPLOY_ENV"}
        # The same answers on any machine: no locale, zone or home of the person running the tests.
        env.update(PATH=BINARY_DIR + os.pathsep + env.get("PATH", ""), LC_ALL="C", TZ="UTC", HOME=os.path.join(work, "home"))
        server = shell = None
        try:
            if needs_api:
                server, url = start_server(work, env)
                env["API"] = url
            script = ["set -euo pipefail"]
            for line, text in commands:
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
            shell = subprocess.Popen(
                ["bash", "-c", "\n".join(script)], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )
            try:
                output, _ = shell.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                stop(shell)
                output = "(stopped after 600 s)"
            if shell.returncode != 0:
                failures.append(f"{page}: exit {shell.returncode} in the block after the last '---' line:\n{output[-6000:]}")
            else:
                ran += 1
                print(f"doc test: {page}: {len(commands)} command blocks ran, {len(recipes)} recipes valid")
        finally:
            stop(shell)
            stop(server)
            shutil.rmtree(work, ignore_errors=True)
    if ran < 7:
        failures.append(f"only {ran} pages ran: the page list is wrong")
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
