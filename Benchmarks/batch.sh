#!/bin/bash
# Batch runs at scale (issue 13), SQLite and a storage folder, all on this machine.
#  1. 200 runs of a short recipe on 5 s inputs (`mixdown batch RECIPE --each`, --jobs 1): mixdown's own
#     time per run is the batch's time less the time its ffmpeg and ffprobe processes ran (each logged by a
#     wrapper). Target: under 30 ms. Also printed: the batch against the render's ffmpeg commands run
#     directly (`mixdown plan`'s script for each input, one after another: the baseline, same run), which
#     adds what the probes of each input and output cost on this machine.
#     Then `--jobs 2` against `--jobs 1`. Target: at least 1.7x the throughput on 2 cores.
#  2. `--submit` of 1,000 runs (1,000 distinct 5 s files, hashed and stored once each). Target: under 2 s.
#     Then two `mixdown worker` processes drain the batch; every job must end succeeded after exactly one
#     attempt (no run done twice).
#   Benchmarks/batch.sh                           release build in .build-release
#   MIXDOWN_BENCH_BINARY=path Benchmarks/batch.sh another binary (say which when quoting numbers)
#   BENCH_BATCH_RUNS=200 BENCH_SUBMIT_RUNS=1000   the sizes
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/binary.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
runs=${BENCH_BATCH_RUNS:-200}
submits=${BENCH_SUBMIT_RUNS:-1000}
now() { date +%s.%N; }
export MIXDOWN_STORE="sqlite:$work/store.sqlite" MIXDOWN_STORAGE="$work/storage" MIXDOWN_POLL_SECONDS=1

# Distinct inputs: one 5 s file made by ffmpeg, then copies that differ in one sample each.
ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i "sine=f=330:d=5:sample_rate=44100" -ac 1 "$work/seed.wav"
python3 - "$work/seed.wav" "$work/in" "$(( runs > submits ? runs : submits ))" <<'PY'
import os, sys
seed, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(open(seed, "rb").read())
os.makedirs(folder, exist_ok=True)
for index in range(count):
    data[-2:] = index.to_bytes(2, "little")
    open(f"{folder}/ep{index:04d}.wav", "wb").write(data)
PY
mkdir -p "$work/short"
for index in $(seq 0 $((runs - 1))); do ln -s "$work/in/ep$(printf %04d "$index").wav" "$work/short/"; done
cat >"$work/clip.yaml" <<'YAML'
version: 1
kind: edit
inputs: { voice: { upload: true } }
steps:
  - trim: { start: 1s, duration: 2s }
  - gain: { db: -3 }
outputs: { clip: { format: wav } }
YAML

# The baseline: the ffmpeg commands of every run, straight from the plan, run one after another.
mkdir -p "$work/scripts" "$work/direct"
for file in "$work"/short/*.wav; do
    stem=$(basename "$file" .wav)
    "$mixdown" plan "$work/clip.yaml" --input "voice=$file" >"$work/scripts/$stem.sh"
done
start=$(now)
for script in "$work"/scripts/*.sh; do (cd "$work/direct" && bash "$script" >/dev/null 2>&1); done
direct=$(echo "$(now) - $start" | bc)

# Every ffmpeg and ffprobe mixdown starts goes through a wrapper that logs how long the tool ran, so the
# time that is the FFmpeg tools' (the render, and the probes of each input and output) can be taken out.
mkdir -p "$work/tools"
for tool in ffmpeg ffprobe true; do
    cat >"$work/tools/$tool" <<WRAP
#!/bin/bash
start=\$(date +%s%N)
$(command -v $tool) "\$@"
status=\$?
echo "$tool \$(( \$(date +%s%N) - start ))" >>"$work/tools.log"
exit \$status
WRAP
    chmod +x "$work/tools/$tool"
done

# What the wrapper itself costs outside the time it logs (bash starting, two `date`s): measured on `true`
# and taken out of mixdown's share below.
rm -f "$work/tools.log"
start=$(now)
for _ in $(seq 1 100); do "$work/tools/true"; done
wrapper=$(echo "scale=6; ($(now) - $start - $(awk '{sum += $2} END {printf "%.6f", sum / 1e9}' "$work/tools.log")) / 100" | bc)

batch() {
    local jobs=$1
    rm -rf "$work/out" "$work/tools.log"
    local start
    start=$(now)
    MIXDOWN_FFMPEG="$work/tools/ffmpeg" MIXDOWN_FFPROBE="$work/tools/ffprobe" \
        "$mixdown" batch "$work/clip.yaml" --each "voice=$work/short/*.wav" --out "$work/out" --jobs "$jobs" >/dev/null 2>&1
    echo "$(now) - $start" | bc
}
one=$(batch 1)
# With --jobs 1 the tools run one at a time: their summed time is the batch's time spent in them.
tools=$(awk '{sum += $2} END {printf "%.3f", sum / 1e9}' "$work/tools.log")
processes=$(grep -c . "$work/tools.log")
probes=$(grep -c '^ffprobe' "$work/tools.log")
renders=$(grep -c '^ffmpeg' "$work/tools.log")
two=$(batch 2)
ls "$work"/out/*/clip.wav | wc -l | grep -qx "$runs" || { echo "the batch did not make $runs clips" >&2; exit 1; }
overhead=$(echo "scale=1; ($one - $direct) * 1000 / $runs" | bc)
own=$(echo "scale=1; ($one - $tools - $processes * $wrapper) * 1000 / $runs" | bc)
ratio=$(echo "scale=2; $one / $two" | bc)
printf '%d runs, 5 s inputs: ffmpeg direct %.2f s, batch --jobs 1 %.2f s, --jobs 2 %.2f s\n' "$runs" "$direct" "$one" "$two"
printf 'FFmpeg tool processes in the --jobs 1 batch: %d (%d ffmpeg, %d ffprobe), %.2f s in all\n' "$processes" "$renders" "$probes" "$tools"
printf "mixdown's own time per run (the batch less its FFmpeg tools' time and the wrapper's %.1f ms a process): %s ms (target < 30)\n" \
    "$(echo "$wrapper * 1000" | bc)" "$own"
printf 'per run against the render alone run directly (adds the probes of input and output): %s ms\n' "$overhead"
printf 'throughput --jobs 2 / --jobs 1: %sx (target >= 1.7 on 2 cores; this machine has %s)\n' "$ratio" "$(nproc)"

# Submitting: every file of the folder, stored once each, queued in one transaction.
start=$(now)
id=$("$mixdown" batch "$work/clip.yaml" --each "voice=$work/in/*.wav" --submit)
submitted=$(echo "$(now) - $start" | bc)
printf -- '--submit of %d runs over %d distinct new 5 s files (%s MB hashed and stored): %.2f s (target < 2)\n' \
    "$submits" "$submits" "$(du -sm "$work/in" | cut -f1)" "$submitted"
# The same runs again: every file is found stored by its content, so only hashing remains.
start=$(now)
again=$("$mixdown" batch "$work/clip.yaml" --each "voice=$work/in/*.wav" --submit)
printf -- '--submit of the same %d runs again (files already stored): %.2f s\n' "$submits" "$(echo "$(now) - $start" | bc)"
"$mixdown" batch cancel "$again" >/dev/null
start=$(now)
"$mixdown" worker --exit-when-idle >"$work/w1.log" 2>&1 &
w1=$!
"$mixdown" worker --exit-when-idle >"$work/w2.log" 2>&1 &
w2=$!
wait "$w1" "$w2"
drained=$(echo "$(now) - $start" | bc)
"$mixdown" batch status "$id"
python3 - "$work/store.sqlite" "$id" "$submits" "$drained" <<'PY'
import sqlite3, sys
path, batch, expected, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(path)
rows = db.execute("SELECT status, attempts, lease_owner FROM jobs WHERE batch_id = ?", (batch,)).fetchall()
once = sum(1 for status, attempts, _ in rows if status == "succeeded" and attempts == 1)
print(f"two workers drained {len(rows)} jobs in {seconds:.1f} s ({len(rows) / seconds:.1f} runs/s); succeeded after one attempt: {once}")
sys.exit(0 if once == expected == len(rows) else 1)
PY
