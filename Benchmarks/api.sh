#!/bin/bash
# Status polling under load (wrk on loopback, same 2 cores as the server): GET /v1/jobs/{id} on random ids
# with 10,000 jobs in the store, next to the trivial /healthz route of the same server in the same run;
# then the server's idle RSS and its peak RSS while a 1 GB upload streams through.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
swift build -c release --scratch-path .build-release >/dev/null
mixdown="$(pwd)/.build-release/release/mixdown"
work=$(mktemp -d)
export MIXDOWN_STORE="sqlite:$work/store.sqlite" MIXDOWN_STORAGE="$work/storage" MIXDOWN_MAX_UPLOAD_BYTES=2000000000
"$mixdown" bench-store --mode populate --jobs 10000 > "$work/ids"
"$mixdown" serve --port 0 > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
while ! grep -q "listening on" "$work/server.log"; do sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
rss() { awk "/^$1:/ { print int(\$2 / 1024) }" "/proc/$server/status"; }
idle=$(rss VmRSS)

cat > "$work/random.lua" <<LUA
local ids = {}
for line in io.lines("$work/ids") do ids[#ids + 1] = line end
math.randomseed(42)
request = function() return wrk.format("GET", "/v1/jobs/" .. ids[math.random(#ids)]) end
LUA
measure() { # label connections [script]
    local out
    out=$(wrk -t2 -c"$2" -d10s --latency ${3:+-s "$3"} "$url${4:-/healthz}")
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    printf "%-26s c=%-3s %9.0f req/s   p50 %-8s p99 %s\n" "$1" "$2" "$rps" "$p50" "$p99" >&2
    echo "$rps"
}
echo "== status polling, 10,000 jobs (target: >= 0.30x the trivial route, p99 < 12 ms at 64 connections)"
for connections in 16 64; do
    trivial=$(measure "trivial GET /healthz" "$connections")
    status=$(measure "GET /v1/jobs/{random id}" "$connections" "$work/random.lua")
    echo "ratio status / trivial at $connections connections: $(echo "scale=2; $status / $trivial" | bc)"
done

echo
echo "== status polling on a store filled the way clients fill it: 500 jobs submitted over HTTP, each with an"
echo "   uploaded asset input, no worker (same targets)"
kill $server; wait $server 2>/dev/null || true
MIXDOWN_STORE="sqlite:$work/clients.sqlite" "$mixdown" serve --port 0 > "$work/server2.log" 2>&1 &
server=$!
while ! grep -q "listening on" "$work/server2.log"; do sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server2.log" | head -n 1)
ffmpeg -v error -y -f lavfi -i "sine=f=440:d=5" "$work/tone.wav"
asset=$(curl -s -X POST --data-binary @"$work/tone.wav" -H "Content-Type: audio/wav" "$url/v1/uploads?filename=tone.wav" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
recipe='version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n  - highpass: 80Hz\n  - loudnorm: { target: -16 }\noutputs: { episode: { format: mp3 } }\n'
: > "$work/ids"
for _ in $(seq 500); do
    curl -s -X POST -H "Content-Type: application/json" "$url/v1/edit/save" \
        -d "{\"recipe\": \"$recipe\", \"inputs\": {\"voice\": \"$asset\"}}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' >> "$work/ids"
done
for connections in 16 64; do
    trivial=$(measure "trivial GET /healthz" "$connections")
    status=$(measure "GET /v1/jobs/{random id}" "$connections" "$work/random.lua")
    echo "ratio status / trivial at $connections connections: $(echo "scale=2; $status / $trivial" | bc)"
done

echo
echo "== memory (targets: idle RSS < 60 MB, flat during a 1 GB upload)"
head -c 1000000000 /dev/zero > "$work/big.bin"
curl -s -o /dev/null -X POST --data-binary @"$work/big.bin" -H "Content-Type: application/octet-stream" "$url/v1/uploads?filename=big.bin" &
upload=$!
peak=0
while kill -0 $upload 2>/dev/null; do
    now=$(rss VmRSS); [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.1
done
echo "server RSS: idle ${idle} MB; peak during the 1 GB upload ${peak} MB; after $(rss VmRSS) MB"
