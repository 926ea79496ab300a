#!/usr/bin/env bash
# Request-size limits (issue 13, "Availability"):
#  - a 10,000-part multipart upload answers 413 and keeps nothing (no version, no blob);
#  - --inference-memory: a predict body past the budget answers 503 with Retry-After.
# usage: avail_limits_test.sh MODELVAULT SOURCE_DIR
set -euo pipefail
MODELVAULT=$1
SRC=$2
source "$(dirname "$0")/avail_lib.sh"

start_server "$WORK/data" --quiet --inference-memory 1K
use_token "$WORK/data"
expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d '{"name":"parts"}'

"$PY" - "$WORK/parts.body" <<'PYEOF'
import sys
b = "XyZbOuNdArY"
parts = ['--%s\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{}\r\n' % b]
for i in range(10000):
    parts.append('--%s\r\nContent-Disposition: form-data; name="f%d.bin"; filename="f%d.bin"\r\n'
                 '\r\n%s\r\n' % (b, i, i, "x" * 16))
parts.append("--%s--\r\n" % b)
open(sys.argv[1], "wb").write("".join(parts).encode())
PYEOF
expect_status 413 POST "$BASE/api/v1/models/parts/versions" "${AUTH[@]}" \
  -H 'Content-Type: multipart/form-data; boundary=XyZbOuNdArY' --data-binary "@$WORK/parts.body"
expect_json_error resource_exhausted
grep -q "parts" "$WORK/body" || fail "the 413 does not name the part limit: $(cat "$WORK/body")"
expect_status 200 GET "$BASE/api/v1/models/parts/versions" "${AUTH[@]}"
[ "$(json 'len(d["versions"])' "$WORK/body")" = 0 ] || fail "a version was kept"
blobs=$(find "$WORK/data/blobs" -type f ! -name gc.lock | wc -l)
[ "$blobs" = 0 ] || fail "$blobs blob files kept after the 413"
ok "10,000-part multipart: 413, no version, no blob"

# The inference budget: 1 KiB, and a 4 KiB body.
expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d '{"name":"mlp"}'
expect_status 201 POST "$BASE/api/v1/models/mlp/versions" "${AUTH[@]}" -F meta='{}' \
  -F "model.onnx=@$SRC/tests/fixtures/torch/mlp_state_dict.onnx"
npy_f32 "$WORK/x.npy" 256 4
got=$(curl -sS -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "${AUTH[@]}" \
  -H 'Content-Type: application/x-npy' --data-binary "@$WORK/x.npy" \
  "$BASE/api/v1/models/mlp/versions/1/predict")
[ "$got" = 503 ] || fail "predict past --inference-memory: want 503, got $got: $(cat "$WORK/body")"
expect_json_error unavailable
grep -qi '^Retry-After:' "$WORK/headers" || fail "503 without Retry-After"
npy_f32 "$WORK/small.npy" 2 4
expect_status 200 POST "$BASE/api/v1/models/mlp/versions/1/predict" "${AUTH[@]}" \
  -H 'Content-Type: application/x-npy' --data-binary "@$WORK/small.npy"
ok "--inference-memory: 503 + Retry-After past the budget, a small body still served"
stop_server
