#!/bin/bash
# What measuring in the pipe costs, on the podcast clean-up (Benchmarks/podcast.yaml). Runs alternate;
# medians and the best of each side are compared.
#  1. The podcast as the benchmark runs it by default (two-pass loudnorm: a stage measures the body on its
#     way to a work file), against the same plan run with `--discard-measurements` (hidden), where the
#     meter's audio is read and thrown away and the gain is the same filters at 0 dB. Target of the recipe
#     issue: at most 3% more wall time.
#  2. What an output's `expect` adds: the episode with and without one (its meter reads the episode on
#     its way to the mp3 encoder).
#   Benchmarks/meter.sh                      10 minutes, 3 runs each
#   BENCH_METER_MINUTES=60 BENCH_METER_RUNS=5 Benchmarks/meter.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/binary.sh
minutes=${BENCH_METER_MINUTES:-10}
runs=${BENCH_METER_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

mkdir -p "$work/media"
Scripts/demo-media.sh "$work/media" $((minutes * 60)) >/dev/null
cp Benchmarks/podcast.yaml "$work/plain.yaml"
# The same recipe with an expectation the episode meets, so every run ends the same way.
sed 's/bitrate: 192k }/bitrate: 192k, expect: { lufs: [-17.5, -14.5] } }/' Benchmarks/podcast.yaml > "$work/metered.yaml"
"$mixdown" plan --json --input "voice=$work/media/voice.wav" "$work/metered.yaml" | jq -e '[.stages[].meters // [] | index("episode")] | any' >/dev/null \
    || { echo "the plan with an expect has no meter on the episode" >&2; exit 1; }

# compare LABEL_A LABEL_B -- ARGS_A -- ARGS_B: alternating runs of `mixdown run`, then the medians.
compare() {
    local a=$1 b=$2 i start
    shift 3
    local -a args_a=() args_b=()
    while [ "$1" != -- ]; do args_a+=("$1"); shift; done
    shift
    args_b=("$@")
    : > "$work/a.times"
    : > "$work/b.times"
    : > "$work/a.cpu"
    : > "$work/b.cpu"
    # CPU seconds of mixdown and its ffmpeg processes together (bash's `time`: user + system, children
    # included): the work measuring adds, steadier than wall time on a shared machine.
    local TIMEFORMAT='%U %S'
    for i in $(seq 1 "$runs"); do
        start=$(now); { time "$mixdown" run "${args_a[@]}" --out "$work/out" >/dev/null; } 2>&1 | awk '{ print $1 + $2 }' >> "$work/a.cpu"
        echo "$(now) - $start" | bc >> "$work/a.times"; rm -rf "$work/out"
        start=$(now); { time "$mixdown" run "${args_b[@]}" --out "$work/out" >/dev/null; } 2>&1 | awk '{ print $1 + $2 }' >> "$work/b.cpu"
        echo "$(now) - $start" | bc >> "$work/b.times"; rm -rf "$work/out"
    done
    local ta tb ma mb
    ta=$(median < "$work/a.times")
    tb=$(median < "$work/b.times")
    ma=$(sort -n "$work/a.times" | head -n 1)
    mb=$(sort -n "$work/b.times" | head -n 1)
    printf "  %-20s %s-> median %.2f s, best %.2f s\n" "$a" "$(xargs printf '%.2f ' < "$work/a.times")" "$ta" "$ma"
    printf "  %-20s %s-> median %.2f s, best %.2f s\n" "$b" "$(xargs printf '%.2f ' < "$work/b.times")" "$tb" "$mb"
    # On a shared machine runs vary by more than the effect; the best of each side is the steadier figure.
    echo "  cost: $(echo "scale=2; ($tb - $ta) * 100 / $ta" | bc) % of the median, $(echo "scale=2; ($mb - $ma) * 100 / $ma" | bc) % of the best"
    local ca cb
    ca=$(median < "$work/a.cpu")
    cb=$(median < "$work/b.cpu")
    echo "  CPU (median): $ca s -> $cb s, $(echo "scale=2; ($cb - $ca) * 100 / $ca" | bc) % more"
}

voice=(--input "voice=$work/media/voice.wav")
echo "== measuring in the pipe, podcast of $minutes min, medians of $runs alternating runs"
echo "default two-pass loudnorm, meter discarded vs measured   (target <= 3 %)"
compare "meter discarded" "measured" -- "$work/plain.yaml" --set two_pass=true "${voice[@]}" --discard-measurements \
    -- "$work/plain.yaml" --set two_pass=true "${voice[@]}"
echo "dynamic loudnorm, without vs with an expect on the episode"
compare "no expect" "expect (metered)" -- "$work/plain.yaml" "${voice[@]}" -- "$work/metered.yaml" "${voice[@]}"
