#!/bin/bash
# Render speed (issue 11), as a ratio against a hand-written ffmpeg command measured in the same run:
# 60 s of 1280x720 30 fps waveform video with a title, on this machine's CPU (libx264). The target is
# mixdown within 5% of the hand-written command's wall time (ratio <= 1.05).
#   Benchmarks/render.sh                  release build in .build-release
#   MIXDOWN_BENCH_BINARY=path Benchmarks/render.sh   another binary (say which when quoting numbers)
#   BENCH_RENDER_SECONDS=N                length of the audio (default 60)
#   BENCH_RENDER_DEVICE=gpu               the same with h264_nvenc (a machine whose NVIDIA GPU encodes),
#                                         against the hand-written command with the planner's NVENC settings
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/binary.sh
seconds="${BENCH_RENDER_SECONDS:-60}"
device="${BENCH_RENDER_DEVICE:-cpu}"
case "$device" in
cpu) encoder=(-c:v libx264 -preset veryfast -crf 23) ;;
gpu) encoder=(-c:v h264_nvenc -preset p4 -rc vbr -cq 23 -b:v 0) ;;
*) echo "BENCH_RENDER_DEVICE is cpu or gpu" >&2; exit 64 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
font="$(fc-match -f '%{file}' 'DejaVu Sans' 2>/dev/null || true)"

ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i "sine=f=220:d=$seconds:sample_rate=48000" \
    -f lavfi -i "anoisesrc=d=$seconds:c=pink:a=0.05:r=48000" -filter_complex "[0:a][1:a]amix=inputs=2,aformat=channel_layouts=stereo" \
    "$work/voice.wav"
cat > "$work/render.yaml" <<YAML
version: 1
kind: render
render: { device: $device }
inputs: { voice: { file: voice.wav } }
steps:
  - visualize: { style: waveform, size: 1280x720, fps: 30, color: white }
  - title: "Episode 12"
outputs: { video: { format: mp4 } }
YAML

# The hand-written command: the same filters and encoder settings, typed by a person.
drawtext="text=Episode 12:expansion=none:fontsize=48:fontcolor=white:x=(w-text_w)/2:y=h-text_h-h*0.08:box=1:boxcolor=black@0.45:boxborderw=12"
[ -n "$font" ] && drawtext="fontfile=$font:$drawtext"
hand() {
    ffmpeg -hide_banner -nostdin -loglevel error -y -i "$work/voice.wav" -filter_complex \
        "[0:a]asplit=2[w][s];[w]showwaves=s=1280x720:mode=cline:rate=30:colors=white,format=rgba[p];color=c=black:s=1280x720:r=30,format=rgba[c];[c][p]overlay=shortest=1:format=auto,format=yuv420p,setsar=1,drawtext=$drawtext[v]" \
        -map "[v]" -map "[s]" "${encoder[@]}" -pix_fmt yuv420p -c:a aac -b:a 192000 -movflags +faststart "$work/hand.mp4"
}
ours() { "$mixdown" run "$work/render.yaml" --out "$work/out" >/dev/null; }

# Alternate, three rounds each, and compare the medians: the machine's speed drifts over a run.
hand_times=(); our_times=()
for _ in 1 2 3; do
    start=$(now); hand; hand_times+=("$(elapsed "$start")")
    start=$(now); ours; our_times+=("$(elapsed "$start")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
h=$(median "${hand_times[@]}"); o=$(median "${our_times[@]}")
frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$work/out/video.mp4")
echo "render ${seconds}s 1280x720 30fps waveform+title, $device ($("$mixdown" plan "$work/render.yaml" | sed -n "s/^# video: //p")):"
echo "  hand-written ffmpeg: ${h}s   mixdown run: ${o}s   ratio $(echo "scale=3; $o / $h" | bc) (target <= 1.05)"
echo "  mixdown: $frames frames, $(echo "scale=1; $frames / $o" | bc) fps, $(echo "scale=2; $seconds / $o" | bc)x real time"
