#!/usr/bin/env bash
# `modelvault backup` while the server keeps taking uploads, then `restore` into an empty
# data dir: the backup is consistent (every version in its database has its blobs: verify
# passes on the backup and on the restore), a server on the restored dir answers what the
# source answered for those versions, and the commands refuse non-empty targets.
# usage: backup_test.sh MODELVAULT [LOAD_SECONDS]
MODELVAULT=$1
LOAD_SECONDS=${2:-6}
source "$(dirname "$0")/../e2e/lib.sh"

DATA="$WORK/data"
cd "$WORK"
mv_run() {
  local want=$1 rc=0; shift
  "$MODELVAULT" "$@" >out 2>err </dev/null || rc=$?
  [ "$rc" = "$want" ] || fail "modelvault $*: want exit $want, got $rc: $(head -c 600 out) $(head -c 600 err)"
}
versions_of() {  # versions_of BASE: "number sha,sha..." per sealed version, sorted as comm wants
  curl -sS "$1/api/v1/models/b/versions?limit=1000" | "$PY" -c '
import json, sys
for v in json.load(sys.stdin)["versions"]:
    print(v["version"], ",".join(sorted(a["sha256"] for a in v["artifacts"])))' | LC_ALL=C sort
}

start_server "$DATA" --quiet
SOURCE="$BASE"
SOURCE_PID=$SERVER_PID
expect_status 201 POST "$SOURCE/api/v1/models" -d '{"name":"b"}'
for i in 1 2 3 4 5; do
  head -c $((200000 + i * 1000)) /dev/urandom >seed$i.bin
  expect_status 201 POST "$SOURCE/api/v1/models/b/versions" -F meta='{}' -F w.bin=@seed$i.bin
done

# Writers: uploads (a new blob each) and draft PUTs, until the stop file appears.
load() {
  local n=0
  while [ ! -e "$WORK/stop" ]; do
    n=$((n + 1))
    head -c $((100000 + RANDOM)) /dev/urandom >"$WORK/load$1.bin"
    curl -sS -o /dev/null -w '%{http_code}\n' -F meta='{}' -F "f.bin=@$WORK/load$1.bin" \
      "$SOURCE/api/v1/models/b/versions" >>"$WORK/load$1.codes"
  done
}
load 1 & L1=$!
load 2 & L2=$!
sleep 1
start=$(date +%s.%N)
mv_run 0 backup "$WORK/bk" --data-dir "$DATA" --json
end=$(date +%s.%N)
cp out backup.json
sleep "$LOAD_SECONDS"
touch "$WORK/stop"
wait $L1 $L2
grep -vq '^201$' load1.codes load2.codes && fail "an upload failed during the backup: $(sort load*.codes | uniq -c)"
loaded=$(cat load1.codes load2.codes | wc -l)
[ "$loaded" -gt 4 ] || fail "too little load ($loaded uploads)"
backed=$(json 'd["versions"]' backup.json)
[ "$backed" -ge 5 ] || fail "the backup holds $backed versions"
[ -f "$WORK/bk/manifest.json" ] || fail "no manifest"
[ "$(json 'd["complete"]' "$WORK/bk/manifest.json")" = True ] || fail "manifest not complete"
[ "$(json 'd["blobs_linked"]' backup.json)" -ge 5 ] || fail "blobs were not hard-linked: $(cat backup.json)"
echo "backup of $backed versions ($(json 'd["bytes"]' backup.json) bytes) took $("$PY" -c "print(f'{$end - $start:.2f}')") s with $loaded uploads running"
mv_run 0 verify --data-dir "$WORK/bk"
ok "backup under load: consistent (verify passes on it), writers never failed"

mv_run 0 restore "$WORK/bk" --data-dir "$WORK/restored" --json
[ "$(json 'd["blobs_copied"]' out)" = "$(json 'd["blobs"]' backup.json)" ] || fail "restore: $(cat out)"
mv_run 0 verify --data-dir "$WORK/restored"
versions_of "$SOURCE" >source.txt
start_server "$WORK/restored" --quiet
# The tokens are in the database, so the source's admin token works on the restore; the
# admin-token file itself is a secret and not part of a backup.
[ -e "$WORK/restored/admin-token" ] && fail "a restore recreated an admin-token file"
MODELVAULT_TOKEN=$(cat "$DATA/admin-token")
versions_of "$BASE" >restored.txt
[ "$(wc -l <restored.txt)" = "$backed" ] || fail "restored $(wc -l <restored.txt) versions, backed up $backed"
# Every restored version is the source's version, byte for byte (same digests).
LC_ALL=C comm -23 restored.txt source.txt >diff.txt
[ ! -s diff.txt ] || fail "restored versions differ from the source: $(cat diff.txt)"
expect_status 200 GET "$BASE/api/v1/models/b/versions/1/artifacts/w.bin"
[ "$(sha256sum <"$WORK/body" | cut -d' ' -f1)" = "$(sha256sum <seed1.bin | cut -d' ' -f1)" ] || fail "restored bytes differ"
stop_server
ok "restore into an empty dir: verify passes, a server on it answers as the source did"

mv_run 1 restore "$WORK/bk" --data-dir "$WORK/restored"
grep -q "not empty" err || fail "restore into a non-empty dir: $(cat err)"
mv_run 1 backup "$WORK/bk" --data-dir "$DATA"
mv_run 2 restore "$WORK/bk"
mkdir "$WORK/notbackup"
mv_run 1 restore "$WORK/notbackup" --data-dir "$WORK/r2"
grep -q "no manifest" err || fail "restore of a non-backup: $(cat err)"
mv_run 0 backup "$WORK/bk2" --data-dir "$DATA" --copy --json
[ "$(json 'd["blobs_linked"]' out)" = 0 ] || fail "--copy linked blobs"
mv_run 0 verify --data-dir "$WORK/bk2"
ok "backup and restore refuse non-empty targets and non-backups; --copy copies"
SERVER_PID=$SOURCE_PID
stop_server
