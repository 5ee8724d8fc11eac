# Sourced by the benchmarks: sets `mixdown` to the binary to measure. A release build in its own folder
# (timings of mixdown's own work mean little in debug), or MIXDOWN_BENCH_BINARY=path (say which one when
# quoting the numbers).
if [ -n "${MIXDOWN_BENCH_BINARY:-}" ]; then
    mixdown=$MIXDOWN_BENCH_BINARY
else
    swift build -c release --scratch-path .build-release >/dev/null
    mixdown="$(pwd)/.build-release/release/mixdown"
fi
