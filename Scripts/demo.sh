#!/bin/sh
# Runs every example recipe end to end on the embedded defaults and prints where the outputs are.
set -eu
cd "$(dirname "$0")/.."
mixdown=.build/debug/mixdown
out=demo-out
Scripts/demo-media.sh Recipes/media 60 >/dev/null
echo "== validate"
$mixdown validate Recipes/*.yaml
voice=Recipes/media/voice.wav
for recipe in podcast-cleanup music-bed-ducking quick-preview render-waveform; do
    echo "== run $recipe"
    $mixdown run Recipes/$recipe.yaml --input voice=$voice --out $out/$recipe
done
echo "== preview (10 s at 0:20 of quick-preview)"
$mixdown run Recipes/quick-preview.yaml --input voice=$voice --preview 20,10 --out $out/quick-preview-window
echo "== ingest over a loopback HTTP server, through yt-dlp"
port_file=$(mktemp)
( cd Recipes/media && exec python3 -u -m http.server --bind 127.0.0.1 0 >"$port_file" 2>/dev/null ) &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$port_file"' EXIT
while ! grep -q "port" "$port_file"; do sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$port_file" | head -n 1)
$mixdown run Recipes/ingest-link.yaml --set source=http://127.0.0.1:$port/voice.wav --out $out/ingest-link
echo
echo "Outputs are in $(pwd)/$out:"
find $out -type f ! -name '.*' | sort
