#!/bin/sh
# Runs every example recipe end to end on the embedded defaults (SQLite store, local storage):
# validated, submitted as jobs, executed by a worker, and listed with where each output landed.
set -eu
cd "$(dirname "$0")/.."
mixdown="$(pwd)/.build/debug/mixdown"
Scripts/demo-media.sh Recipes/media 60 >/dev/null
voice=Recipes/media/voice.wav

echo "== validate"
$mixdown validate Recipes/*.yaml

echo "== a direct run, no job system: mixdown run (outputs in demo-out/)"
$mixdown run Recipes/podcast-cleanup.yaml --input voice=$voice --out demo-out/podcast-cleanup

echo "== serve the demo media on loopback for the ingest recipe (through yt-dlp)"
# Network inputs refuse loopback and private addresses unless this is set.
export MIXDOWN_ALLOW_PRIVATE_URLS=1
port_file=$(mktemp)
( cd Recipes/media && exec python3 -u -m http.server --bind 127.0.0.1 0 >"$port_file" 2>/dev/null ) &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$port_file"' EXIT
while ! grep -q "port" "$port_file"; do sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$port_file" | head -n 1)

echo "== submit every example as a job (store: ${MIXDOWN_STORE:-sqlite:.mixdown/mixdown.sqlite})"
ids=""
for recipe in podcast-cleanup music-bed-ducking render-waveform; do
    ids="$ids $($mixdown submit Recipes/$recipe.yaml --input voice=$voice)"
done
ids="$ids $($mixdown submit Recipes/quick-preview.yaml --input voice=$voice --preview 20,10)"
ids="$ids $($mixdown submit Recipes/ingest-link.yaml --set source=http://127.0.0.1:$port/voice.wav)"

echo "== run a worker until the queue is empty"
$mixdown worker --exit-when-idle 2>&1 | grep -E "claimed|succeeded|failed|cancelled" || true

echo "== jobs"
$mixdown jobs list
failed=0
for id in $ids; do
    echo
    $mixdown jobs show "$id"
    $mixdown jobs show "$id" --json | grep -q '"status" : "succeeded"' || failed=1
done
storage="${MIXDOWN_STORAGE:-.mixdown/storage}"
echo
echo "Job outputs are stored under $(cd "$storage" && pwd)/jobs/<job id>/; the direct run wrote $(pwd)/demo-out/."
exit $failed
