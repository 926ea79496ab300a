#!/usr/bin/env bash
# Disk full: the server's data dir on a 64 MiB tmpfs (mounted in a private mount namespace,
# so nothing leaks to the host). An upload bigger than the free space answers 507 with a
# JSON storage_full error; no temp file and no half version remain; reads keep working and
# a small upload succeeds afterwards. Exits 77 (ctest SKIP) only where mounting a tmpfs
# is impossible (no root, no unshare).
# usage: disk_full_test.sh MODELVAULT
MODELVAULT=$1
if [ -z "${MV_IN_MOUNT_NS:-}" ]; then
  if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: cannot create a mount namespace here (needs root or CAP_SYS_ADMIN)"
    exit 77
  fi
  MV_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/../e2e/lib.sh"

MNT="$WORK/mnt"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64m tmpfs "$MNT" 2>"$WORK/mount.err"; then
  echo "SKIP: cannot mount a tmpfs: $(cat "$WORK/mount.err")"
  exit 77
fi
stop_all() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  umount -l "$MNT" 2>/dev/null || true
  cleanup
}
trap stop_all EXIT
DATA="$MNT/data"
cd "$WORK"
randfile() { { echo "disk full e2e $1"; head -c "$2" /dev/urandom; } >"$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
tmp_files() { find "$DATA/blobs/tmp" -type f | wc -l; }

start_server "$DATA" --quiet
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"full"}'
randfile small.bin 100000
expect_status 201 POST "$BASE/api/v1/models/full/versions" -F meta='{}' -F small.bin=@small.bin
randfile huge.bin $((100 << 20))
free_before=$(df -k --output=avail "$MNT" | tail -1)

# One-shot multipart upload larger than the filesystem.
expect_status 507 POST "$BASE/api/v1/models/full/versions" -F meta='{}' -F huge.bin=@huge.bin
expect_json_error storage_full
grep -q "no space" "$WORK/body" || fail "507 message is not clear: $(cat "$WORK/body")"
[ "$(tmp_files)" = 0 ] || fail "temp files left after a full disk: $(ls "$DATA/blobs/tmp")"
expect_status 200 GET "$BASE/api/v1/models/full/versions?include_drafts=true"
[ "$(json 'len(d["versions"])' "$WORK/body")" = 1 ] || fail "a half version is visible: $(cat "$WORK/body")"
ok "multipart upload over the free space: 507 storage_full, nothing left behind"

# A draft PUT (raw body) larger than the filesystem.
expect_status 201 POST "$BASE/api/v1/models/full/versions?draft=true" -d '{}'
expect_status 507 PUT "$BASE/api/v1/models/full/versions/2/artifacts/huge.bin" -T huge.bin
expect_json_error storage_full
[ "$(tmp_files)" = 0 ] || fail "temp files left after a full disk (PUT)"
expect_status 200 GET "$BASE/api/v1/models/full/versions/2"
[ "$(json 'len(d["artifacts"])' "$WORK/body")" = 0 ] || fail "the draft holds a half artifact"
free_after=$(df -k --output=avail "$MNT" | tail -1)
[ $((free_before - free_after)) -lt 4096 ] || fail "space was not given back: ${free_before} -> ${free_after} KiB"
ok "draft PUT over the free space: 507 storage_full, the draft unchanged, space given back"

expect_status 200 GET "$BASE/api/v1/models/full/versions/1/artifacts/small.bin"
[ "$(sha256sum <"$WORK/body" | cut -d' ' -f1)" = "$(sha small.bin)" ] || fail "read after a full disk differs"
randfile after.bin 50000
expect_status 201 PUT "$BASE/api/v1/models/full/versions/2/artifacts/after.bin" -T after.bin
expect_status 200 POST "$BASE/api/v1/models/full/versions/2/commit"
expect_status 201 POST "$BASE/api/v1/models/full/versions" -F meta='{}' -F after2.bin=@small.bin
"$MODELVAULT" verify --data-dir "$DATA" >"$WORK/verify.out" || fail "verify after a full disk: $(cat "$WORK/verify.out")"
stop_server
ok "after a full disk the server still serves reads and takes small uploads; verify passes"
