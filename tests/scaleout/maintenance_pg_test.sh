#!/usr/bin/env bash
# The operator commands on PostgreSQL + S3 (run under pg_env.sh and s3_env.sh): while a
# `serve --metadata postgres://... --blobs s3://...` runs, an offline `token create
# --metadata` makes a token the server accepts (recovery when the admin is locked out);
# `verify` passes, then finds an object deleted behind its back and names the version it
# breaks; `gc --grace 0` removes a deleted version's object and keeps the live ones;
# `backup` refuses, naming pg_dump and the bucket's versioning.
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
