#!/usr/bin/env bash
# A replica killed mid parity check is replaced (issue 17, "parity jobs: a job table with
# leases"): two replicas share PostgreSQL and S3; a ResNet-18 version (a real model whose
# check takes seconds) is uploaded; the replica whose id holds the job in parity_jobs is
# SIGKILLed while the check runs; the other replica claims the job once the lease ends
# (--parity-lease 3s, --parity-poll 250ms) and the report becomes "passed", no restart.
# Then a third replica joins and runs the check again, and a long poll parked on the replica
# that does not hold it answers once the other stores the report.
# usage: pg_env.sh s3_env.sh parity_lease_test.sh MODELVAULT SOURCE_DIR RESNET18_FIXTURE_DIR
set -euo pipefail
MODELVAULT=$1
SRC=$2
FIX=$3
source "$SRC/tests/e2e/lib.sh"
[ -n "${MV_TEST_METADATA:-}" ] || fail "MV_TEST_METADATA is not set (run under pg_env.sh)"
[ -n "${MV_TEST_BLOBS:-}" ] || fail "MV_TEST_BLOBS is not set (run under s3_env.sh)"
[ -s "$FIX/model.onnx" ] || fail "no ResNet-18 fixture in $FIX (the parity_fixtures test makes it)"
command -v psql >/dev/null || fail "psql is not installed (postgresql-client, scripts/setup-deps)"
LEASE_MS=3000
POLL_MS=250

declare -A RPORT RPID
start_replica() {
  start_server "$WORK/r$1" --quiet --metadata "$MV_TEST_METADATA" --blobs "$MV_TEST_BLOBS" \
    --parity-lease "${LEASE_MS}ms" --parity-poll "${POLL_MS}ms"
  RPORT[$1]=$PORT
  RPID[$1]=$SERVER_PID
}
start_replica 1
TOKEN=$MODELVAULT_TOKEN
[ -n "$TOKEN" ] || fail "the first replica wrote no admin token"
start_replica 2
export MODELVAULT_TOKEN=$TOKEN
R() { echo "http://127.0.0.1:${RPORT[$1]}"; }
sql() { psql "$MV_TEST_METADATA" -XAtqc "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# holder_other_than OWNER TRIES: the owner of the running job once it is not OWNER (polled
# every 50 ms, TRIES times); empty when none showed.
holder_other_than() {
  local holder="" _
  for _ in $(seq "$2"); do
    holder=$(sql "SELECT owner FROM parity_jobs WHERE state = 'running' AND owner <> '$1'")
    [ -n "$holder" ] && break
    sleep 0.05
  done
  echo "$holder"
}

expect_status 201 POST "$(R 1)/api/v1/models" -d '{"name":"resnet18"}'
expect_status 201 POST "$(R 1)/api/v1/models/resnet18/versions" -F "meta=<$FIX/meta.json" \
  -F "model.onnx=@$FIX/model.onnx" -F "reference.safetensors=@$FIX/reference.safetensors"
[ "$(json 'd["version"]' "$WORK/body")" = 1 ] || fail "upload: $(cat "$WORK/body")"

# The holder: "host:pid:random" of the replica that claimed the job.
owner=$(holder_other_than "" 600)
[ -n "$owner" ] || fail "no replica claimed the check: $(sql 'SELECT * FROM parity_jobs')"
pid=$(cut -d: -f2 <<<"$owner")
if [ "$pid" = "${RPID[1]}" ]; then victim=1 survivor=2
elif [ "$pid" = "${RPID[2]}" ]; then victim=2 survivor=1
else fail "the job's owner $owner is neither replica (${RPID[1]}, ${RPID[2]})"; fi
sleep 0.5  # well inside the check, which takes seconds
expect_status 200 GET "$(R $survivor)/api/v1/models/resnet18/versions/1/parity"
[ "$(json 'd["status"]' "$WORK/body")" = pending ] ||
  fail "the check ended before the kill (too fast to test a takeover): $(cat "$WORK/body")"
kill -9 "${RPID[$victim]}"
killed_at=$(now_ms)
ok "replica $victim (pid $pid) killed while it ran the check"

# The survivor claims the job once the lease ends (the victim renewed it at most a third of a
# lease ago), within its poll interval.
new_owner=$(holder_other_than "$owner" 400)
taken_ms=$(($(now_ms) - killed_at))
[ -n "$new_owner" ] || fail "no replica took the job over: $(sql 'SELECT * FROM parity_jobs')"
[ "$(cut -d: -f2 <<<"$new_owner")" = "${RPID[$survivor]}" ] || fail "taken by $new_owner"
[ "$(sql 'SELECT attempts FROM parity_jobs')" = 2 ] || fail "attempts: $(sql 'SELECT attempts FROM parity_jobs')"
[ "$taken_ms" -le $((LEASE_MS + POLL_MS + 2000)) ] ||
  fail "taken over $taken_ms ms after the kill (lease $LEASE_MS ms, poll $POLL_MS ms)"
ok "replica $survivor took the check over $taken_ms ms after the kill (lease $LEASE_MS ms)"

# The report becomes passed; a long poll on the survivor answers when it is stored.
command curl -sS -o "$WORK/body" --oauth2-bearer "$TOKEN" --max-time 300 \
  "$(R $survivor)/api/v1/models/resnet18/versions/1/parity?wait=280"
[ "$(json 'd["status"]' "$WORK/body")" = passed ] || fail "parity after the takeover: $(cat "$WORK/body")"
done_ms=$(($(now_ms) - killed_at))
[ "$(sql 'SELECT COUNT(*) FROM parity_jobs')" = 0 ] || fail "the finished job is still queued"
expect_status 200 POST "$(R $survivor)/api/v1/models/resnet18/versions/1/stage" \
  -d '{"stage":"production"}'
ok "parity passed $done_ms ms after the kill, without a restart; the version is promotable"

# A long poll parked on one replica answers when another replica stores the report: a new
# replica joins, the check is run again, and the replica not holding it is polled.
start_replica 3
export MODELVAULT_TOKEN=$TOKEN
expect_status 202 POST "$(R 3)/api/v1/models/resnet18/versions/1/parity"
holder=$(holder_other_than "" 600)
[ -n "$holder" ] || fail "no replica claimed the re-run: $(sql 'SELECT * FROM parity_jobs')"
poller=$survivor
[ "$(cut -d: -f2 <<<"$holder")" = "${RPID[$survivor]}" ] && poller=3
command curl -sS -o "$WORK/poll" --oauth2-bearer "$TOKEN" --max-time 300 \
  "$(R $poller)/api/v1/models/resnet18/versions/1/parity?wait=280" &
poll_pid=$!
sleep 0.3
[ "$(sql 'SELECT COUNT(*) FROM parity_jobs')" = 1 ] ||
  fail "the re-run ended before the poll was parked (too fast to test the wake-up)"
for _ in $(seq 1200); do
  [ "$(sql 'SELECT COUNT(*) FROM parity_jobs')" = 0 ] && break
  sleep 0.05
done
stored_at=$(now_ms)
wait "$poll_pid" || fail "the long poll on replica $poller failed"
lag_ms=$(($(now_ms) - stored_at))
[ "$(json 'd["status"]' "$WORK/poll")" = passed ] || fail "the long poll: $(cat "$WORK/poll")"
[ "$lag_ms" -le $((POLL_MS + 2000)) ] ||
  fail "the poll on replica $poller answered $lag_ms ms after another replica stored the report"
ok "a long poll on replica $poller answered $lag_ms ms after another replica stored the report"
