#!/usr/bin/env bash
# serve_s3_test.sh MODELVAULT: `modelvault serve --blobs $MV_TEST_BLOBS` end to end (run under
# s3_env.sh): a 20 MiB artifact (several multipart parts) is uploaded, downloaded whole and
# by Range through the server, then, on a second server with --s3-redirect-downloads,
# answered with a 307 to a presigned URL that serves the same bytes (to curl and to
# `modelvault pull`, which follows it); a server started with
# a wrong secret exits with S3's error, which does not contain the secret.
set -euo pipefail
[[ -n "${MV_TRACE:-}" ]] && set -x
bin="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/mv-serve-s3-XXXXXX")"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start() {  # start DATA-DIR [FLAGS...]: serves in the background, sets $url and $auth
  local dir="$1"; shift
  rm -f "$work/port"
  "$bin" serve --data-dir "$dir" --port 0 --port-file "$work/port" --quiet \
    --blobs "$MV_TEST_BLOBS" "$@" 2>>"$work/serve.log" &
  pid=$!
  for _ in $(seq 300); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  [[ -s "$work/port" ]] || { cat "$work/serve.log" >&2; fail "server did not start"; }
  url="http://127.0.0.1:$(<"$work/port")"
  auth="Authorization: Bearer $(<"$dir/admin-token")"
}
stop() { kill "$pid"; wait "$pid" || true; pid=""; }

start "$work/data"
art="$url/api/v1/models/m1/versions/1/artifacts/model.bin"
head -c $((20 << 20)) /dev/urandom >"$work/model.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -X POST "$url/api/v1/models" -d '{"name":"m1"}')
[[ "$code" == 201 ]] || fail "create model: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -X POST "$url/api/v1/models/m1/versions?draft=true" -d '{}')
[[ "$code" == 201 ]] || fail "create draft: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -T "$work/model.bin" "$art")
[[ "$code" == 201 ]] || fail "upload: $code"
code=$(curl -s -o "$work/got.bin" -w '%{http_code}' -H "$auth" "$art")
[[ "$code" == 200 ]] || fail "download: $code"
cmp -s "$work/model.bin" "$work/got.bin" || fail "downloaded bytes differ"
code=$(curl -s -o "$work/range.bin" -w '%{http_code}' -H "$auth" -H 'Range: bytes=9000000-9000099' "$art")
[[ "$code" == 206 ]] || fail "range: $code"
cmp -s <(tail -c +9000001 "$work/model.bin" | head -c 100) "$work/range.bin" || fail "range bytes differ"
stop
echo "ok: upload, download and Range through the server"

start "$work/data" --s3-redirect-downloads --s3-redirect-ttl 60s
art="$url/api/v1/models/m1/versions/1/artifacts/model.bin"
curl -s -D "$work/headers" -o /dev/null -H "$auth" "$art"
grep -q '^HTTP/1.1 307' "$work/headers" || fail "no 307: $(head -1 "$work/headers")"
location=$(grep -i '^location:' "$work/headers" | cut -d' ' -f2- | tr -d '\r')
[[ "$location" == *X-Amz-Signature=* ]] || fail "not a presigned URL: $location"
curl -s -o "$work/redirected.bin" "$location"
cmp -s "$work/model.bin" "$work/redirected.bin" || fail "presigned download differs"
# The CLI follows the 307 (without its token) and checks the digest as for any pull.
MODELVAULT_URL="$url" MODELVAULT_TOKEN="$(<"$work/data/admin-token")" \
  "$bin" pull m1:1 model.bin -o "$work/pulled" >"$work/pull.out" 2>&1 ||
  fail "pull through the redirect: $(cat "$work/pull.out")"
cmp -s "$work/model.bin" "$work/pulled/model.bin" || fail "pulled bytes differ"
code=$(curl -s -o /dev/null -w '%{http_code}' "$art")
[[ "$code" == 401 ]] || fail "redirect without a token: $code"
stop
echo "ok: --s3-redirect-downloads answers 307 to a presigned URL that serves the bytes"

if AWS_SECRET_ACCESS_KEY=wrong-secret-value "$bin" serve --data-dir "$work/data2" --port 0 \
    --blobs "$MV_TEST_BLOBS" 2>"$work/wrong.log"; then
  fail "a wrong secret was accepted"
fi
grep -q 'SignatureDoesNotMatch' "$work/wrong.log" || { cat "$work/wrong.log" >&2; fail "no S3 error"; }
! grep -q 'wrong-secret-value' "$work/wrong.log" || fail "the secret was logged"
echo "ok: a wrong secret stops the server with S3's error"
