#!/usr/bin/env bash
# The operator commands on PostgreSQL + S3 (run under pg_env.sh and s3_env.sh): while a
# `serve --metadata postgres://... --blobs s3://...` runs, an offline `token create
# --metadata` makes a token the server accepts (recovery when the admin is locked out);
# `verify` passes, then finds an object deleted behind its back and names the version it
# breaks; `gc --grace 0` removes a deleted version's object and keeps the live ones;
# `backup` refuses, naming pg_dump and the bucket's versioning; and two serve processes
# taking deduplicated uploads while `gc --grace 0` runs in a loop lose no acknowledged
# version (the database's pins and claims, docs/deploy.md).
# usage: maintenance_pg_test.sh MODELVAULT
MODELVAULT=$1
source "$(dirname "$0")/../e2e/lib.sh"

META="$MV_TEST_METADATA"
BLOBS="${MV_TEST_BLOBS%%\?*}/cli?${MV_TEST_BLOBS#*\?}"
ENDPOINT="${MV_TEST_BLOBS#*endpoint=}"
ENDPOINT="${ENDPOINT%%&*}"
STORES=(--metadata "$META" --blobs "$BLOBS")
cd "$WORK"
sha() { sha256sum "$1" | cut -d' ' -f1; }
randfile() { { echo "pg maintenance $1"; head -c "$2" /dev/urandom; } >"$1"; }
# mv_run WANT_EXIT ARGS...: runs the binary; stdout in out, stderr in err.
mv_run() {
  local want=$1 rc=0; shift
  "$MODELVAULT" "$@" >out 2>err </dev/null || rc=$?
  [ "$rc" = "$want" ] || fail "modelvault $*: want exit $want, got $rc: $(head -c 600 out) $(head -c 600 err)"
}

start_server "$WORK/data" --quiet "${STORES[@]}"
ADMIN="$MODELVAULT_TOKEN"
[ -n "$ADMIN" ] || fail "no admin token written"

mv_run 0 token create rescue --scopes read,write,promote,admin --metadata "$META"
RESCUE=$(json 'd["token"]' out)
[ -n "$RESCUE" ] || fail "token create printed no secret: $(cat out)"
[ ! -e "$WORK/data/modelvault.db" ] || fail "the offline token command made a SQLite file"
MODELVAULT_TOKEN="$RESCUE"
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"m"}'
mv_run 0 token list --metadata "$META"
grep -q '"rescue"' out || fail "token list: $(cat out)"
ok "an offline token created on PostgreSQL is accepted by the running server"

randfile keep.bin 30000
randfile drop.bin 20000
expect_status 201 POST "$BASE/api/v1/models/m/versions" -F meta='{}' -F keep.bin=@keep.bin
expect_status 201 POST "$BASE/api/v1/models/m/versions" -F meta='{}' -F drop.bin=@drop.bin
expect_status 200 DELETE "$BASE/api/v1/models/m/versions/2"

mv_run 0 verify "${STORES[@]}" --json
[ "$(json 'd["ok"]' out)" = True ] || fail "verify --json: $(cat out)"
[ "$(json 'd["blobs_checked"]' out)" = 2 ] || fail "verify checked: $(cat out)"
[ "$(json 'd["unreferenced_blobs"]' out)" = 1 ] || fail "verify unreferenced: $(cat out)"
ok "verify passes on PostgreSQL + S3 while the server runs"

mv_run 0 gc "${STORES[@]}" --grace 1h --json
[ "$(json 'd["blobs_removed"]' out)" = 0 ] || fail "gc removed a blob in grace: $(cat out)"
sleep 1  # S3 times are whole seconds
mv_run 0 gc "${STORES[@]}" --grace 0 --json
[ "$(json 'd["blobs_removed"]' out)" = 1 ] || fail "gc --grace 0: $(cat out)"
[ "$(json 'd["blobs_referenced"]' out)" = 1 ] || fail "gc referenced: $(cat out)"
expect_status 200 GET "$BASE/api/v1/models/m/versions/1/artifacts/keep.bin"
[ "$(sha "$WORK/body")" = "$(sha keep.bin)" ] || fail "the kept artifact changed"
ok "gc removes a deleted version's object and keeps the live one"

# An object deleted behind the registry's back (signed with curl's own SigV4).
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
command curl -sS -f -X DELETE --aws-sigv4 "aws:amz:us-east-1:s3" \
  -H "x-amz-content-sha256: $EMPTY_SHA" \
  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  "$ENDPOINT/mv-test/cli/blobs/$(sha keep.bin)" || fail "could not delete the object"
mv_run 1 verify "${STORES[@]}" --json
[ "$(json 'd["broken_versions"]' out)" = "['m:1']" ] || fail "verify broken: $(cat out)"
[ "$(json 'd["problems"][0]["problem"]' out)" = missing ] || fail "verify problem: $(cat out)"
ok "verify finds an object missing from the bucket and names the version it breaks"

mv_run 1 backup "$WORK/backup" "${STORES[@]}"
grep -q "pg_dump" err || fail "backup on PostgreSQL: $(cat err)"
grep -q "versioning" err || fail "backup on PostgreSQL: $(cat err)"
mv_run 0 token revoke rescue --metadata "$META"
stop_server
ok "backup refuses, naming pg_dump and bucket versioning"

# Two replicas (processes) take uploads of the same bytes while gc runs in a loop with
# --grace 0: every object no row references is a candidate, whatever its age.
start_server "$WORK/data" --quiet "${STORES[@]}"
A="$BASE"
start_server "$WORK/data" --quiet "${STORES[@]}"
B="$BASE"
MODELVAULT_TOKEN="$ADMIN"
expect_status 201 POST "$A/api/v1/models" -d '{"name":"r"}'
: >acked
removed=0
for round in 1 2 3 4 5 6; do
  randfile "c$round.bin" 40000
  expect_status 201 POST "$A/api/v1/models/r/versions" -F meta='{}' -F "w.bin=@c$round.bin"
  seed=$(json 'd["version"]' "$WORK/body")
  expect_status 200 DELETE "$A/api/v1/models/r/versions/$seed"
  pids=()
  for i in 1 2 3 4; do
    base=$A; [ $((i % 2)) = 0 ] && base=$B
    # Spread over two seconds (a gc run takes a fraction of one), so that some come
    # before gc's removal of the seed, some during it (they wait for its claim) and some
    # after (they store it again).
    ( sleep "$((RANDOM % 2)).$((RANDOM % 10))"
      code=$(curl -sS -o "up$round.$i" -w '%{http_code}' -X POST "$base/api/v1/models/r/versions" \
               -F meta='{}' -F "w.bin=@c$round.bin")
      [ "$code" = 201 ] && echo "$(json 'd["version"]' "up$round.$i") $(sha "c$round.bin")" >>acked
      echo "$code" >"code$round.$i" ) &
    pids+=($!)
  done
  while :; do
    "$MODELVAULT" gc "${STORES[@]}" --grace 0 --json >gc.out 2>gc.err || fail "gc: $(cat gc.err)"
    removed=$((removed + $(json 'd["blobs_removed"]' gc.out)))
    running=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
    [ "$running" = 1 ] || break
  done
  wait "${pids[@]}"
  for i in 1 2 3 4; do [ "$(cat "code$round.$i")" = 201 ] || fail "upload $round.$i: $(cat "up$round.$i")"; done
done
[ "$(wc -l <acked)" = 24 ] || fail "acknowledged uploads: $(wc -l <acked)"
[ "$removed" -gt 0 ] || fail "gc never removed a seed: the race was not exercised"
while read -r version digest; do
  expect_status 200 GET "$B/api/v1/models/r/versions/$version/artifacts/w.bin"
  [ "$(sha "$WORK/body")" = "$digest" ] || fail "version $version: its bytes differ"
done <acked
mv_run 1 verify "${STORES[@]}" --json  # m:1 lost its object above, by hand; nothing else
[ "$(json 'd["broken_versions"]' out)" = "['m:1']" ] || fail "verify after the race: $(cat out)"
ok "two replicas' deduplicated uploads racing gc --grace 0 lose nothing ($removed seeds removed)"
