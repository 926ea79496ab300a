#!/usr/bin/env bash
# `modelvault verify` and `gc` on the data dir of a running server, and `serve
# --verify-reads`: corrupt and missing blobs are found with the versions they break; a
# corrupt blob is answered 500 (data_loss) or its download is cut, never served whole;
# gc removes what nothing references once the grace period is over, and stale drafts.
# usage: maintenance_cli_test.sh MODELVAULT
MODELVAULT=$1
source "$(dirname "$0")/../e2e/lib.sh"

DATA="$WORK/data"
cd "$WORK"
sha() { sha256sum "$1" | cut -d' ' -f1; }
blob_of() { echo "$DATA/blobs/sha256/${1:0:2}/${1:2:2}/$1"; }
randfile() { { echo "maintenance e2e $1"; head -c "$2" /dev/urandom; } >"$1"; }
# mv WANT_EXIT ARGS...: runs the binary; stdout in out, stderr in err.
mv_run() {
  local want=$1 rc=0; shift
  "$MODELVAULT" "$@" >out 2>err </dev/null || rc=$?
  [ "$rc" = "$want" ] || fail "modelvault $*: want exit $want, got $rc: $(head -c 600 out) $(head -c 600 err)"
}
# flip BLOB_PATH: inverts one byte in the middle (bit rot), size unchanged. Inverting, not
# overwriting with a constant: a random byte that already held the constant would stay.
flip() {
  local size off byte; size=$(stat -c %s "$1"); off=$((size / 2))
  byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
  printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

start_server "$DATA" --quiet --verify-reads --verify-upfront-max 64K
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"m"}'
randfile small.bin 20000
randfile big.bin 3000000
randfile other.bin 5000
expect_status 201 POST "$BASE/api/v1/models/m/versions" -F meta='{}' -F small.bin=@small.bin -F big.bin=@big.bin
expect_status 201 POST "$BASE/api/v1/models/m/versions" -F meta='{}' -F other.bin=@other.bin

mv_run 0 verify --data-dir "$DATA"
grep -q "^ok: every artifact" out || fail "verify text: $(cat out)"
mv_run 0 verify --data-dir "$DATA" --json --jobs 3
[ "$(json 'd["ok"]' out)" = True ] || fail "verify --json: $(cat out)"
[ "$(json 'd["blobs_checked"]' out)" = 3 ] || fail "verify checked $(json 'd["blobs_checked"]' out) blobs"
ok "verify passes on an intact data dir while the server runs"

V1="$BASE/api/v1/models/m/versions/1/artifacts"
expect_status 200 GET "$V1/big.bin"
[ "$(sha "$WORK/body")" = "$(sha big.bin)" ] || fail "intact download differs"
flip "$(blob_of "$(sha small.bin)")"
flip "$(blob_of "$(sha big.bin)")"
expect_status 500 GET "$V1/small.bin"
expect_json_error data_loss
# Too big to check before the response starts: hashed while it streams, the connection is
# cut before the last bytes, so the client never holds the whole (wrong) file.
rc=0
curl -sS -o got.bin "$V1/big.bin" 2>curl.err || rc=$?
[ "$rc" != 0 ] || fail "a corrupt 3 MB blob was served whole"
[ "$(stat -c %s got.bin)" -lt 3000000 ] || fail "the whole corrupt blob arrived"
grep -q "download cut" "$WORK/server.err" || fail "the server did not log the cut download"
expect_status 500 GET "$V1/big.bin" -H 'Range: bytes=0-99'
expect_json_error data_loss
expect_status 200 GET "$BASE/api/v1/models/m/versions/2/artifacts/other.bin"
ok "--verify-reads: 500 data_loss for small blobs and ranges, a cut stream for large ones"

rm "$(blob_of "$(sha other.bin)")"
mv_run 1 verify --data-dir "$DATA" --json
[ "$(json 'len(d["problems"])' out)" = 3 ] || fail "verify problems: $(cat out)"
[ "$(json 'd["broken_versions"]' out)" = "['m:1', 'm:2']" ] || fail "broken: $(cat out)"
[ "$(json 'sorted(p["problem"] for p in d["problems"])' out)" = "['corrupt', 'corrupt', 'missing']" ] ||
  fail "problem kinds: $(cat out)"
mv_run 1 verify --data-dir "$DATA"
grep -q "breaks m:1 small.bin" out || fail "verify text does not name the artifact: $(cat out)"
grep -q "broken versions: m:1, m:2" out || fail "verify text: $(cat out)"
ok "verify reports corrupt and missing blobs and the versions they break (exit 1)"
stop_server

# --- gc -------------------------------------------------------------------------------
DATA="$WORK/gc"
start_server "$DATA" --quiet
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"g"}'
randfile keep.bin 4000
randfile drop.bin 6000
randfile draft.bin 3000
expect_status 201 POST "$BASE/api/v1/models/g/versions" -F meta='{}' -F keep.bin=@keep.bin
expect_status 201 POST "$BASE/api/v1/models/g/versions" -F meta='{}' -F drop.bin=@drop.bin
expect_status 200 DELETE "$BASE/api/v1/models/g/versions/2"
expect_status 201 POST "$BASE/api/v1/models/g/versions?draft=true" -d '{}'
expect_status 201 PUT "$BASE/api/v1/models/g/versions/3/artifacts/draft.bin" -T draft.bin

mv_run 0 gc --data-dir "$DATA"
grep -q "removed 0 blobs" out || fail "gc removed young blobs: $(cat out)"
mv_run 0 gc --data-dir "$DATA" --grace 0 --dry-run --json
[ "$(json 'd["blobs_removed"]' out)" = 1 ] || fail "dry run: $(cat out)"
[ -f "$(blob_of "$(sha drop.bin)")" ] || fail "a dry run removed a blob"
sleep 0.01
mv_run 0 gc --data-dir "$DATA" --grace 0 --json
[ "$(json 'd["blobs_removed"]' out)" = 1 ] || fail "gc: $(cat out)"
[ ! -e "$(blob_of "$(sha drop.bin)")" ] || fail "the deleted version's blob is still there"
[ -f "$(blob_of "$(sha keep.bin)")" ] || fail "gc removed a blob in use"
[ -f "$(blob_of "$(sha draft.bin)")" ] || fail "gc removed a draft's blob"
expect_status 200 GET "$BASE/api/v1/models/g/versions/1/artifacts/keep.bin"
mv_run 0 gc --data-dir "$DATA" --grace 0 --drafts-older-than 0
grep -q "deleted stale draft g:3" out || fail "gc drafts: $(cat out)"
expect_status 404 GET "$BASE/api/v1/models/g/versions/3"
[ ! -e "$(blob_of "$(sha draft.bin)")" ] || fail "the stale draft's blob is still there"
expect_status 200 GET "$BASE/api/v1/audit?model=g&action=version.expire"
[ "$(json 'd["events"][0]["version"]' "$WORK/body")" = 3 ] || fail "no audit event for the draft"
mv_run 0 verify --data-dir "$DATA"
mv_run 2 gc --data-dir "$DATA" --grace soon
mv_run 1 verify --data-dir "$WORK/nowhere"
mkdir "$WORK/empty"
mv_run 1 gc --data-dir "$WORK/empty"
grep -q "no database" err || fail "gc on a dir without a database: $(cat err)"
[ ! -e "$WORK/empty/blobs" ] || fail "gc made blobs/ in a dir that is no data dir"
ok "gc keeps young and referenced blobs, removes a deleted version's and a stale draft's"
stop_server
