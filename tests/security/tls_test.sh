#!/usr/bin/env bash
# HTTPS (issue 13, "Transport"): --tls-cert/--tls-key with a self-signed pair made here by
# openssl. Every body path must be byte-correct over TLS: a multipart upload and a raw PUT
# (the direct body read) of a few MiB download identical, JSON bodies work, inference runs,
# the CLI pushes and pulls over https:// with MODELVAULT_CACERT, and a plain-HTTP client
# gets nothing.
# usage: tls_test.sh MODELVAULT SOURCE_DIR
set -euo pipefail
MODELVAULT=$1
SRC=$2
source "$(dirname "$0")/avail_lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
start_server "$WORK/data" --quiet --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
BASE="https://localhost:$PORT"
use_token "$WORK/data"
AUTH+=(--cacert "$WORK/cert.pem")

expect_status 200 GET "$BASE/healthz" "${AUTH[@]}"
expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d '{"name":"tls"}'
ok "JSON over TLS"

head -c $((5 * 1048576 + 123)) /dev/urandom >"$WORK/a.bin"
head -c $((3 * 1048576 + 7)) /dev/urandom >"$WORK/b.bin"
expect_status 201 POST "$BASE/api/v1/models/tls/versions" "${AUTH[@]}" -F meta='{}' \
  -F "a.bin=@$WORK/a.bin" -F "model.onnx=@$SRC/tests/fixtures/torch/mlp_state_dict.onnx"
expect_status 200 GET "$BASE/api/v1/models/tls/versions/1/artifacts/a.bin" "${AUTH[@]}"
cmp "$WORK/a.bin" "$WORK/body" || fail "multipart upload over TLS did not come back identical"
ok "multipart upload and download over TLS byte-identical (5 MiB)"

# A draft and a raw PUT: the body is read from the connection directly (api/body_stream.cc).
expect_status 201 POST "$BASE/api/v1/models/tls/versions?draft=true" "${AUTH[@]}" -d '{}'
expect_status 201 PUT "$BASE/api/v1/models/tls/versions/2/artifacts/b.bin" "${AUTH[@]}" \
  -T "$WORK/b.bin"
[ "$(json 'd["sha256"]' "$WORK/body")" = "$(sha256sum "$WORK/b.bin" | cut -d' ' -f1)" ] ||
  fail "raw PUT over TLS hashed to something else: $(cat "$WORK/body")"
expect_status 200 POST "$BASE/api/v1/models/tls/versions/2/commit" "${AUTH[@]}" -d '{}'
expect_status 200 GET "$BASE/api/v1/models/tls/versions/2/artifacts/b.bin" "${AUTH[@]}"
cmp "$WORK/b.bin" "$WORK/body" || fail "raw upload over TLS did not come back identical"
ok "raw PUT and download over TLS byte-identical (3 MiB)"

npy_f32 "$WORK/x.npy" 3 4
expect_status 200 POST "$BASE/api/v1/models/tls/versions/1/predict" "${AUTH[@]}" \
  -H 'Content-Type: application/x-npy' --data-binary "@$WORK/x.npy"
head -c 6 "$WORK/body" | grep -q NUMPY || fail "predict over TLS did not answer .npy"
ok "inference over TLS"

# The CLI over https://, trusting the self-signed certificate.
export MODELVAULT_CACERT="$WORK/cert.pem" MODELVAULT_URL="$BASE"
"$MODELVAULT" push tls "$WORK/b.bin" >"$WORK/push.out" || fail "push over https: $(cat "$WORK/push.out")"
mkdir -p "$WORK/pulled"
"$MODELVAULT" pull tls:latest b.bin -o "$WORK/pulled" >/dev/null || fail "pull over https"
cmp "$WORK/b.bin" "$WORK/pulled/b.bin" || fail "CLI pull over https is not identical"
ok "CLI push and pull over https"

# Plain HTTP to the TLS port gets no answer in HTTP.
got=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" 2>/dev/null || true)
[ "$got" != 200 ] || fail "plain HTTP was answered on the TLS port"
ok "plain HTTP refused on the TLS port"
stop_server
