#!/bin/bash
# Dispatch overhead (issue 11): from a client's submit to the render node starting the render, with the
# API (mixdown serve), a worker (mixdown worker) and a render node (mixdown render-node) as three
# processes on loopback, SQLite and a storage folder. The baseline, measured in the same run, is the same
# submit to the worker claiming the job: what dispatching adds is the difference. Target: under 1 s.
#   Benchmarks/dispatch.sh                           release build in .build-release
#   MIXDOWN_BENCH_BINARY=path Benchmarks/dispatch.sh another binary (say which when quoting numbers)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/binary.sh
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=$(free_port); node_port=$(free_port)
export MIXDOWN_STORE="sqlite:$work/store.sqlite" MIXDOWN_STORAGE="$work/storage" MIXDOWN_POLL_SECONDS=1
export RENDER_TOKEN="bench-render-token-0123456789" INTERNAL_WEBHOOK_SECRET="bench-webhook-secret-0123456789"
export MIXDOWN_SIGNING_KEY="bench-signing-key-0123456789-0123456789"

ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i "sine=f=220:d=5:sample_rate=48000" "$work/voice.wav"
recipe='version: 1
kind: render
inputs: { voice: { upload: true } }
steps:
  - visualize: { style: waveform, size: 320x180, fps: 10 }
outputs: { video: { format: mp4 } }'

MIXDOWN_RENDER_CALLBACK_ORIGIN="http://127.0.0.1:$api_port" "$mixdown" render-node --port "$node_port" >"$work/node.log" 2>&1 &
pids+=($!)
"$mixdown" serve --port "$api_port" >"$work/api.log" 2>&1 &
pids+=($!)
RENDER_ENDPOINT="http://127.0.0.1:$node_port" MIXDOWN_PUBLIC_URL="http://127.0.0.1:$api_port" MIXDOWN_RENDER_REMOTE_SECONDS=0 \
    "$mixdown" worker >"$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
    grep -q "listening on" "$work/node.log" && curl -sf "http://127.0.0.1:$api_port/healthz" >/dev/null && break
    sleep 0.05
done

# Waits for `pattern` to appear in `file`; prints the time it was seen (5 ms resolution).
seen() {
    while ! grep -q "$2" "$1"; do sleep 0.005; done
    now
}

submit_times=(); claim_times=(); dispatch_times=()
for _ in 1 2 3 4 5; do
    start=$(now)
    id=$(curl -sf -F "recipe=$recipe" -F "voice=@$work/voice.wav" "http://127.0.0.1:$api_port/v1/render" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    submitted=$(now)
    claimed=$(seen "$work/worker.log" "claimed.*$id\|$id.*claimed")
    started=$(seen "$work/node.log" "dispatch $id started")
    submit_times+=("$(echo "$submitted - $start" | bc)")
    claim_times+=("$(echo "$claimed - $start" | bc)")
    dispatch_times+=("$(echo "$started - $start" | bc)")
    # The next round starts once this render has ended, so rounds do not overlap.
    until curl -sf "http://127.0.0.1:$api_port/v1/jobs/$id" | grep -q '"status":"\(succeeded\|failed\)"'; do sleep 0.05; done
done
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
s=$(median "${submit_times[@]}"); c=$(median "${claim_times[@]}"); d=$(median "${dispatch_times[@]}")
s=$(printf '%.3f' "$s"); c=$(printf '%.3f' "$c"); d=$(printf '%.3f' "$d"); added=$(printf '%.3f' "$(echo "$d - $c" | bc)")
echo "dispatch on loopback (API, worker and render node as processes; medians of 5):"
echo "  submit answered (202): ${s}s   worker claimed (baseline): ${c}s   render node started: ${d}s"
echo "  dispatch adds ${added}s after the claim (plan, URLs, POST); submit to remote start ${d}s (target < 1 s)"
