#!/bin/bash
# S3 adapter throughput next to boto3, on the same moto server (loopback) in the same run.
#
# For 1 MB and 100 MB objects (and 1 GB with MIXDOWN_BENCH_S3_LARGE=1: minutes on 2 cores, since moto
# keeps objects in Python), it uploads with S3Storage.put (single PUT below 16 MiB, 16 MiB parts x4
# above) and downloads with localPath, then does the same with boto3's upload_file/download_file with
# the same threshold, part size and concurrency. It prints MB/s for each, the time ratio ours/boto3, and
# the peak RSS (VmHWM) of each process: ours is the whole test process, so it includes the harness and
# only ever grows; boto3's is its Python process's ru_maxrss.
#
# moto is the bottleneck (one Python process parsing every byte), so the numbers say how the client
# side compares, streaming and memory especially, not what AWS or R2 would sustain.
#
# CONFIG=release builds the tests optimised (a full release build: long on 2 cores); default debug.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-debug}"
python3 -c "import moto, boto3" || { echo "moto[server] and boto3 are missing: Scripts/install-python-tools.sh" >&2; exit 1; }
flock /tmp/mixdown-build.lock swift build --build-tests -c "$config" >/dev/null
MIXDOWN_BENCH_S3=1 swift test --skip-build -c "$config" --filter S3BenchmarkTests 2>&1 | grep "s3 bench"
