#!/bin/sh
# Fuzzes the running API against Schemas/openapi.yaml with schemathesis: no 5xx, and every response's
# status, content type, headers and body as documented. Starts its own server on a free loopback port.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
key="schemathesis-key-$(date +%s)0000"
log="$work/server.log"
MIXDOWN_STORE="sqlite:$work/store.sqlite" MIXDOWN_STORAGE="$work/storage" MIXDOWN_API_KEYS="$key" \
    INTERNAL_WEBHOOK_SECRET="schemathesis-webhook-secret" .build/debug/mixdown dev --port 0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
# The server prints its address once it listens.
for _ in $(seq 1 200); do
    grep -q "listening on http" "$log" && break
    kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -n 1)
schemathesis run Schemas/openapi.yaml --url "$url" -H "Authorization: Bearer $key" --max-examples 25 --seed 1 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
