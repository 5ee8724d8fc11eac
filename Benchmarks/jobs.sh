#!/bin/bash
# Job store numbers of the job-system issue, next to raw SQLite measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-release >/dev/null
mixdown="$(pwd)/.build-release/release/mixdown"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fresh() { rm -rf "$work/store"; export MIXDOWN_STORE="sqlite:$work/store/s.sqlite" MIXDOWN_STORAGE="$work/store/files"; }

echo "== baseline: raw SQLite claim-and-complete cycles (Python, one connection, WAL)"
python3 - "$work/raw.sqlite" <<'PY'
import sqlite3, sys, time
for sync in ("NORMAL", "FULL"):
    db = sqlite3.connect(sys.argv[1] + sync, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute(f"PRAGMA synchronous={sync}")
    db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, progress REAL)")
    db.execute("CREATE INDEX s ON jobs(status, id)")
    n = 5000
    db.executemany("INSERT INTO jobs (status, progress) VALUES ('queued', 0)", [()] * n)
    start = time.time()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        (job,) = db.execute("UPDATE jobs SET status='running' WHERE id = (SELECT id FROM jobs WHERE status='queued' ORDER BY id LIMIT 1) RETURNING id").fetchone()
        db.execute("COMMIT")
        db.execute("UPDATE jobs SET status='succeeded', progress=1 WHERE id=?", (job,))
    print(f"raw SQLite, synchronous={sync}: {n / (time.time() - start):.0f} cycles/s")
PY

echo
echo "== mixdown store: claim, progress, complete on no-op jobs (target >= 2000 jobs/s with one worker, none lost)"
for workers in 1 2 4; do
    fresh
    "$mixdown" bench-store --mode throughput --jobs 4000 --workers "$workers"
done

echo
echo "== submit-to-running latency (targets: in process p50 < 10 ms; across processes p50 < 250 ms, poll stays 3 s)"
fresh; "$mixdown" bench-store --mode latency-in-process --jobs 100 2>/dev/null
fresh; MIXDOWN_POLL_SECONDS=3 "$mixdown" bench-store --mode latency-cross-process --jobs 100 2>/dev/null
