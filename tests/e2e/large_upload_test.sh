#!/usr/bin/env bash
# Streams a large generated upload (default 2 GiB) through curl -T into a draft and asserts
# the server's peak RSS stays under a bound (default 200 MiB): uploads run in constant memory.
# usage: large_upload_test.sh MODELVAULT [BYTES] [MAX_RSS_KIB]
MODELVAULT=$1
BYTES=${2:-2147483648}
MAX_RSS_KIB=${3:-204800}
source "$(dirname "$0")/lib.sh"

start_server "$WORK/data" --quiet
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"big"}'
expect_status 201 POST "$BASE/api/v1/models/big/versions?draft=true" -d '{}'
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

# One pass over the bytes: tee hashes them while curl streams them (chunked, no length).
start=$(date +%s.%N)
head -c "$BYTES" /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >"$WORK/sent.sha") |
  curl -sS -o "$WORK/body" -w '%{http_code}' -T - \
    "$BASE/api/v1/models/big/versions/1/artifacts/weights.bin" >"$WORK/status"
end=$(date +%s.%N)
for _ in $(seq 1 100); do [ -s "$WORK/sent.sha" ] && break; sleep 0.05; done
[ "$(cat "$WORK/status")" = 201 ] || fail "upload answered $(cat "$WORK/status"): $(cat "$WORK/body")"
[ "$(json 'd["size"]' "$WORK/body")" = "$BYTES" ] || fail "stored size differs"
[ "$(json 'd["sha256"]' "$WORK/body")" = "$(cat "$WORK/sent.sha")" ] || fail "digest differs"
peak=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
secs=$("$PY" -c "print(f'{$end - $start:.1f}')")
mib_s=$("$PY" -c "print(f'{$BYTES / 1048576 / ($end - $start):.0f}')")
echo "uploaded $BYTES bytes in ${secs}s (${mib_s} MiB/s); server RSS before ${rss_before} KiB, peak ${peak} KiB"
[ "$peak" -lt "$MAX_RSS_KIB" ] || fail "server peak RSS ${peak} KiB >= ${MAX_RSS_KIB} KiB"
expect_status 200 POST "$BASE/api/v1/models/big/versions/1/commit"
stop_server
ok "large upload streamed in bounded memory"
