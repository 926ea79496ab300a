#!/usr/bin/env bash
# Graceful shutdown: SIGTERM during a slow upload and a slow download. New connections are
# refused at once, both in-flight requests complete, the exit code is 0 and no temp file is
# left. Then with a short --shutdown-grace: a request still running when the grace ends is
# cut, the server still exits 0 within the bound, and the cut upload leaves nothing.
# usage: shutdown_test.sh MODELVAULT
MODELVAULT=$1
source "$(dirname "$0")/../e2e/lib.sh"

DATA="$WORK/data"
cd "$WORK"
sha() { sha256sum "$1" | cut -d' ' -f1; }
tmp_files() { find "$DATA/blobs/tmp" -type f | wc -l; }
now() { date +%s.%N; }
elapsed() { "$PY" -c "print(f'{$(now) - $1:.2f}')"; }
# wait_until CMD...: polls for up to 10 s.
wait_until() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; return 1; }
uploading() { [ "$(tmp_files)" -gt 0 ]; }

head -c $((6 << 20)) /dev/urandom >up.bin
head -c $((6 << 20)) /dev/urandom >down.bin
start_server "$DATA" --quiet --shutdown-grace 20s
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"s"}'
expect_status 201 POST "$BASE/api/v1/models/s/versions" -F meta='{}' -F down.bin=@down.bin
expect_status 201 POST "$BASE/api/v1/models/s/versions?draft=true" -d '{}'

# ~4 s each at 1.5 MB/s
curl -sS --limit-rate 1500K -o up.json -w '%{http_code}' -T up.bin \
  "$BASE/api/v1/models/s/versions/2/artifacts/up.bin" >up.code 2>up.err &
UP=$!
curl -sS --limit-rate 1500K -o got.bin -w '%{http_code}' \
  "$BASE/api/v1/models/s/versions/1/artifacts/down.bin" >down.code 2>down.err &
DOWN=$!
wait_until uploading || fail "the upload never started"
sleep 0.5
t0=$(now)
kill -TERM "$SERVER_PID"
# The listening socket closes at once: a new connection is refused (curl exit 7).
refused() { rc=0; curl -sS -o /dev/null "$BASE/healthz" 2>/dev/null || rc=$?; [ "$rc" = 7 ]; }
wait_until refused || fail "new connections are still accepted after SIGTERM"
refused_after=$(elapsed "$t0")
rc=0
wait "$SERVER_PID" || rc=$?
took=$(elapsed "$t0")
[ "$rc" = 0 ] || fail "server exited $rc after SIGTERM"
wait $UP $DOWN || true
[ "$(cat up.code)" = 201 ] || fail "in-flight upload: $(cat up.code) $(cat up.err) $(cat up.json)"
[ "$(json 'd["sha256"]' up.json)" = "$(sha up.bin)" ] || fail "in-flight upload stored other bytes"
[ "$(cat down.code)" = 200 ] || fail "in-flight download: $(cat down.code) $(cat down.err)"
[ "$(sha got.bin)" = "$(sha down.bin)" ] || fail "in-flight download differs"
[ "$(tmp_files)" = 0 ] || fail "temp files left after shutdown"
echo "refused new connections after ${refused_after}s; drained and exited 0 after ${took}s"
ok "SIGTERM: new connections refused, in-flight upload and download complete, exit 0"

# The upload is committed on the next start: nothing was lost by the shutdown.
start_server "$DATA" --quiet --shutdown-grace 1s
expect_status 200 GET "$BASE/api/v1/models/s/versions/2"
[ "$(json 'd["artifacts"][0]["sha256"]' "$WORK/body")" = "$(sha up.bin)" ] || fail "upload lost"
expect_status 201 POST "$BASE/api/v1/models/s/versions?draft=true" -d '{}'
# ~24 s at 256 KB/s: far longer than the 1 s grace.
curl -sS --limit-rate 256K -o slow.json -w '%{http_code}' -T up.bin \
  "$BASE/api/v1/models/s/versions/3/artifacts/slow.bin" >slow.code 2>slow.err &
SLOW=$!
wait_until uploading || fail "the slow upload never started"
sleep 0.5
t0=$(now)
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
took=$(elapsed "$t0")
wait $SLOW || true
[ "$rc" = 0 ] || fail "server exited $rc after a cut shutdown"
"$PY" -c "import sys; sys.exit(0 if $took < 5 else 1)" || fail "shutdown took ${took}s with a 1 s grace"
[ "$(cat slow.code)" != 201 ] || fail "the cut upload was acknowledged"
[ "$(tmp_files)" = 0 ] || fail "the cut upload left a temp file"
grep -q "cut 1 connections" "$WORK/server.err" || fail "the server did not log the cut: $(tail -3 "$WORK/server.err")"
start_server "$DATA" --quiet
expect_status 200 GET "$BASE/api/v1/models/s/versions/3"
[ "$(json 'len(d["artifacts"])' "$WORK/body")" = 0 ] || fail "the cut upload left a half artifact"
stop_server
echo "grace 1s: cut the slow upload and exited 0 after ${took}s"
ok "a request running past --shutdown-grace is cut; exit 0 within the bound, nothing half-written"
