#!/bin/bash
# S3 adapter throughput next to boto3, on the same moto server (loopback) in the same run.
#
# For 1 MB and 100 MB objects (and 1 GB with MIXDOWN_BENCH_S3_LARGE=1: minutes on 2 cores, and about
# 3 GB of memory at the peak, since moto keeps objects in Python), it uploads a file with the release binary (`mixdown bench-storage`: single
# PUT below 16 MiB, 16 MiB parts x4 above) and downloads it, then does the same with boto3's
# upload_file/download_file with the same threshold, part size and concurrency. Each transfer is its own
# process. It prints MB/s for each, the time ratio ours/boto3 (lower is faster), and each process's peak
# RSS (VmHWM for ours, ru_maxrss for boto3's Python process).
#
# moto is the bottleneck (one Python process parsing every byte), so the numbers say how the client
# side compares, streaming and memory especially, not what AWS or R2 would sustain.
#
#   MIXDOWN_BENCH_BINARY=path     uses that binary instead of building
#   MIXDOWN_BENCH_S3_RUNS=4       runs of each size (ours and boto3 alternate which goes first)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import moto, boto3" || { echo "moto[server] and boto3 are missing: Scripts/install-python-tools.sh" >&2; exit 1; }
. Benchmarks/binary.sh
# An even count, so that each side goes first as often as the other.
runs=${MIXDOWN_BENCH_S3_RUNS:-4}
[ "$runs" -ge 1 ] || { echo "MIXDOWN_BENCH_S3_RUNS must be 1 or more" >&2; exit 1; }
sizes=(1000000 100000000)
[ "${MIXDOWN_BENCH_S3_LARGE:-}" = 1 ] && sizes+=(1000000000)
work=$(mktemp -d)
# moto spills every object and part over 5 MiB into a temporary file unless told otherwise: on a disk,
# the kernel's writeback of one transfer's gigabyte can land in the next one's time. Kept in moto's
# memory instead (4 GiB, above the largest size), for both sides.
# The server exits when its stdin closes: the coprocess's pipe, closed when this script ends.
coproc moto { MOTO_S3_DEFAULT_KEY_BUFFER_SIZE=$((4 << 30)) exec python3 -u Scripts/s3-test-server.py moto 2>/dev/null; }
trap 'rm -rf "$work"' EXIT
read -r port <&"${moto[0]}"
endpoint="http://127.0.0.1:$port"
python3 -c "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='bench', aws_secret_access_key='bench').create_bucket(Bucket='bench')" "$endpoint"
export MIXDOWN_STORE="sqlite:$work/store.sqlite" MIXDOWN_STORAGE="s3://bench/ours" S3_ENDPOINT="$endpoint" S3_REGION=us-east-1 \
    S3_ACCESS_KEY_ID=bench S3_SECRET_ACCESS_KEY=bench

boto() {
    python3 - "$endpoint" "$1" "$2" <<'PY'
import boto3, json, resource, sys, time
from boto3.s3.transfer import TransferConfig
c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='bench', aws_secret_access_key='bench')
config = TransferConfig(multipart_threshold=16 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)
t = time.monotonic()
if sys.argv[2] == 'put':
    c.upload_file(sys.argv[3], 'bench', 'boto3/object.bin', Config=config)
else:
    c.download_file('bench', 'boto3/object.bin', sys.argv[3] + '/object.bin', Config=config)
print(json.dumps({'seconds': time.monotonic() - t, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
PY
}
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1e6 / float(sys.argv[2]):.1f} MB/s')" "$1" "$2"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}x')" "$1" "$2"; }

median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}x')" "$@"; }
up_ratios=() down_ratios=() medians=()
remove() { python3 -c "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='bench', aws_secret_access_key='bench').delete_object(Bucket='bench', Key=sys.argv[2])" "$endpoint" "$1"; }

echo "moto on $endpoint; binary $mixdown"
for size in "${sizes[@]}"; do
    head -c "$size" /dev/urandom >"$work/source.bin"
    # Flushed before timing: otherwise the kernel writes the new file back during the first upload.
    sync
    mkdir -p "$work/down"
    # Each transfer starts from the same server: moto holds objects in its own memory, so the first
    # object of a size makes the process grow (measured: a 1 GB upload into a fresh moto took 9.5-11.8 s,
    # the next ones 5-10 s), and an object left behind makes the next upload grow it again. So one
    # upload that is not measured comes first, and each side deletes its object before the other starts.
    "$mixdown" bench-storage --mode put --file "$work/source.bin" --key warm-up.bin >/dev/null
    remove ours/warm-up.bin
    for run in $(seq 1 "$runs"); do
        ours() {
            ours_up=$("$mixdown" bench-storage --mode put --file "$work/source.bin" --key "object-$run.bin")
            ours_down=$("$mixdown" bench-storage --mode get --file "$work/down" --key "object-$run.bin")
            remove "ours/object-$run.bin"
        }
        theirs() {
            boto_up=$(boto put "$work/source.bin")
            boto_down=$(boto get "$work/down")
            rm -f "$work/down/object.bin"
            remove boto3/object.bin
        }
        if [ $((run % 2)) = 1 ]; then ours; theirs; else theirs; ours; fi
        up=$(field "$ours_up" seconds) down=$(field "$ours_down" seconds)
        bup=$(field "$boto_up" seconds) bdown=$(field "$boto_down" seconds)
        up_ratios+=("$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$up" "$bup")")
        down_ratios+=("$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$down" "$bdown")")
        echo "$((size / 1000000)) MB run $run: ours up $(rate "$size" "$up"), down $(rate "$size" "$down"), peak RSS $(field "$ours_up" rss)/$(field "$ours_down" rss) MiB" \
            "| boto3 up $(rate "$size" "$bup"), down $(rate "$size" "$bdown"), peak RSS $(field "$boto_up" rss)/$(field "$boto_down" rss) MiB" \
            "| time ours/boto3: up $(ratio "$up" "$bup"), down $(ratio "$down" "$bdown")"
    done
    rm -f "$work/source.bin"
    # Single runs swing by 15% either way with moto's own pace, so the verdict is the median run's.
    medians+=("$((size / 1000000)) MB: median time ours/boto3 over $runs runs: up $(median "${up_ratios[@]}"), down $(median "${down_ratios[@]}")")
    up_ratios=() down_ratios=()
done
printf '%s\n' "${medians[@]}"
echo "target: up and down at least boto3's throughput (median time ratio <= 1.00x), memory flat with size"
