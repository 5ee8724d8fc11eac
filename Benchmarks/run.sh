#!/bin/bash
# Speed and memory targets of the recipe issue, as ratios against baselines measured in the same run.
#   Benchmarks/run.sh            10-minute podcast, two-pass, preview of a 60-minute file, planning 1,000 recipes
#   BENCH_LONG=1 Benchmarks/run.sh   adds the 60-minute podcast (about 10 more minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/binary.sh
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -nostdin -loglevel error -y "$@"; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
lufs() { ffmpeg -hide_banner -nostdin -i "$1" -af ebur128=peak=true:framelog=verbose -f null - 2>&1 | sed -n 's/^ *I: *\(-*[0-9.]*\) LUFS$/\1/p' | tail -n 1; }
true_peak() { ffmpeg -hide_banner -nostdin -i "$1" -af ebur128=peak=true:framelog=verbose -f null - 2>&1 | sed -n '/True peak:/,$ s/^ *Peak: *\(-*[0-9.]*\) dBFS$/\1/p' | tail -n 1; }

# Runs mixdown and reports its own peak RSS (VmHWM of the mixdown process, not of ffmpeg).
peak_rss_kb=0
run_mixdown() {
    "$mixdown" "$@" >/dev/null &
    local pid=$! hwm=0 value
    while kill -0 "$pid" 2>/dev/null; do
        value=$(awk "/^VmHWM:/ { print \$2 }" "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$value" ] && hwm=$value
        sleep 0.2
    done
    wait "$pid"
    peak_rss_kb=$hwm
}

echo "Making media in $work ..."
mkdir -p "$work/media"
Scripts/demo-media.sh "$work/media" 600 >/dev/null
cp "$work/media/voice.wav" "$work/voice10.wav"
cp Benchmarks/podcast.yaml "$work/podcast.yaml"

hand_written() { # INPUT OUTPUT DURATION
    local end; end=$(echo "$3 - 2" | bc)
    local fade_start; fade_start=$(echo "$end - 1.5 - 1" | bc)
    ff -i "$work/media/intro.wav" -i "$1" -i "$work/media/outro.wav" -filter_complex \
        "[1:a]atrim=start=1.5:end=$end,asetpts=PTS-STARTPTS,highpass=f=80,afftdn=nr=12,acompressor=threshold=0.1:ratio=3:attack=10:release=200:makeup=1.2589,loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000,afade=t=in:d=0.3,afade=t=out:st=$fade_start:d=1[b];[0:a]aresample=48000[i];[2:a]aresample=48000[o];[i][b][o]concat=n=3:v=0:a=1" \
        -c:a libmp3lame -b:a 192k "$2"
}

podcast() { # LABEL INPUT DURATION
    echo
    echo "== podcast clean-up, $1"
    local start t_hand t_mix t_default
    start=$(now); hand_written "$2" "$work/hand-$1.mp3" "$3"; t_hand=$(elapsed "$start")
    start=$(now); run_mixdown run "$work/podcast.yaml" --input "voice=$2" --out "$work/mix-$1"; t_mix=$(elapsed "$start")
    printf "hand-written single process: %6.1f s   %s LUFS  TP %s dBTP\n" "$t_hand" "$(lufs "$work/hand-$1.mp3")" "$(true_peak "$work/hand-$1.mp3")"
    printf "mixdown, dynamic loudnorm:   %6.1f s   %s LUFS  TP %s dBTP   mixdown peak RSS %d MB\n" "$t_mix" \
        "$(lufs "$work/mix-$1/episode.mp3")" "$(true_peak "$work/mix-$1/episode.mp3")" "$((peak_rss_kb / 1024))"
    # The default: measured (libebur128 on the measuring stage's pipe), then a linear gain.
    start=$(now); run_mixdown run "$work/podcast.yaml" --set two_pass=true --input "voice=$2" --out "$work/mix-default-$1"; t_default=$(elapsed "$start")
    printf "mixdown, default (two-pass): %6.1f s   %s LUFS  TP %s dBTP   mixdown peak RSS %d MB\n" "$t_default" \
        "$(lufs "$work/mix-default-$1/episode.mp3")" "$(true_peak "$work/mix-default-$1/episode.mp3")" "$((peak_rss_kb / 1024))"
    echo "ratio mixdown / hand-written: dynamic $(ratio "$t_mix" "$t_hand"), default $(ratio "$t_default" "$t_hand")   (target <= 0.60)"
}

podcast 10min "$work/voice10.wav" 600

echo
echo "== loudnorm two-pass, 10 min"
start=$(now)
stats=$(ffmpeg -hide_banner -nostdin -i "$work/voice10.wav" -af highpass=f=80,afftdn=nr=12,loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json -f null - 2>&1 | sed -n '/^{/,/^}/p')
get() { echo "$stats" | sed -n "s/.*\"$1\" : \"\(.*\)\".*/\1/p"; }
ff -i "$work/voice10.wav" -af "highpass=f=80,afftdn=nr=12,loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=$(get input_i):measured_TP=$(get input_tp):measured_LRA=$(get input_lra):measured_thresh=$(get input_thresh):offset=$(get target_offset):linear=true,aresample=48000" "$work/hand-2pass.wav"
t_hand=$(elapsed "$start")
cat > "$work/twopass.yaml" <<'YAML'
version: 1
kind: edit
inputs: { voice: { upload: true } }
steps:
  - highpass: 80
  - denoise: 12dB
  - loudnorm: { target: -16, true_peak: -1.5, two_pass: true }
outputs: { out: { format: wav } }
YAML
start=$(now); run_mixdown run "$work/twopass.yaml" --input "voice=$work/voice10.wav" --out "$work/mix-2pass"; t_mix=$(elapsed "$start")
printf "classic two-pass loudnorm:   %6.1f s   %s LUFS\n" "$t_hand" "$(lufs "$work/hand-2pass.wav")"
printf "mixdown two_pass:            %6.1f s   %s LUFS  TP %s dBTP\n" "$t_mix" "$(lufs "$work/mix-2pass/out.wav")" "$(true_peak "$work/mix-2pass/out.wav")"
echo "ratio mixdown / classic: $(ratio "$t_mix" "$t_hand")   (target <= 0.50)"

echo
echo "== preview of a 60-minute input"
ff -stream_loop 5 -i "$work/voice10.wav" -c copy "$work/voice60.wav"
for offset in 60 1800 3500; do
    start=$(now)
    "$mixdown" run "$work/podcast.yaml" --input "voice=$work/voice60.wav" --preview "$offset,10" --out "$work/preview-$offset" >/dev/null
    printf "preview 10 s at %4d s: %5.2f s   (target < 1.5 s)\n" "$offset" "$(elapsed "$start")"
done

echo
echo "== analyze-only ingest of a 60-minute file"
start=$(now); ffmpeg -hide_banner -nostdin -nostats -i "$work/voice60.wav" -af ebur128=peak=true -f null - 2>/dev/null; t_hand=$(elapsed "$start")
cat > "$work/analyze.yaml" <<'YAML'
version: 1
kind: ingest
inputs: { media: { upload: true } }
steps:
  - { id: report, from: media, analyze: {} }
outputs: { report: { from: report } }
YAML
start=$(now); run_mixdown run "$work/analyze.yaml" --input "media=$work/voice60.wav" --out "$work/analyze"; t_mix=$(elapsed "$start")
printf "ffmpeg -af ebur128=peak=true: %6.1f s\nmixdown analyze (libebur128 + C true peak): %6.1f s   mixdown peak RSS %d MB\n" "$t_hand" "$t_mix" "$((peak_rss_kb / 1024))"
echo "ratio mixdown / ffmpeg ebur128: $(ratio "$t_mix" "$t_hand")   (target <= 1.00)"

echo
echo "== validate and plan 1,000 recipes that share their inputs"
mkdir -p "$work/many"
for i in $(seq 1 1000); do
    sed "s/name: bench-podcast/name: bench-$i/; s|media/|../media/|" Benchmarks/podcast.yaml > "$work/many/r$i.yaml"
done
start=$(now); "$mixdown" validate "$work"/many/*.yaml >/dev/null; t_validate=$(elapsed "$start")
start=$(now); "$mixdown" plan --json --input "voice=$work/voice10.wav" "$work"/many/*.yaml >/dev/null; t_plan=$(elapsed "$start")
printf "validate: %5.2f s   plan (probes cached by path, size and mtime): %5.2f s   (target < 1 s in total)\n" "$t_validate" "$t_plan"

if [ "${BENCH_LONG:-0}" = 1 ]; then
    podcast 60min "$work/voice60.wav" 3600
fi
