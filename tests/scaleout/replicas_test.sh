#!/usr/bin/env bash
# Three stateless replicas behind haproxy, sharing PostgreSQL and an S3 server (issue 17):
# an upload through one replica downloads and infers through the others; 32 concurrent
# promotions spread over the replicas leave exactly one production version; a token revoked
# through one replica is refused by another within a second; a replica killed
# with SIGKILL under a stream of uploads loses no acknowledged write (every 2xx upload is
# readable through the survivors and verifies).
# usage: pg_env.sh s3_env.sh replicas_test.sh MODELVAULT SOURCE_DIR (the two wrappers in
# this folder start PostgreSQL and the S3 server and name them in MV_TEST_METADATA and
# MV_TEST_BLOBS)
set -euo pipefail
MODELVAULT=$1
SRC=$2
source "$SRC/tests/e2e/lib.sh"
command -v haproxy >/dev/null || fail "haproxy is not installed (scripts/setup-deps)"
[ -n "${MV_TEST_METADATA:-}" ] || fail "MV_TEST_METADATA is not set (run under pg_env.sh)"
[ -n "${MV_TEST_BLOBS:-}" ] || fail "MV_TEST_BLOBS is not set (run under s3_env.sh)"

# start_replica N: a replica over the shared stores; sets RPORT[N] and RPID[N].
declare -A RPORT RPID
start_replica() {
  start_server "$WORK/r$1" --quiet --metadata "$MV_TEST_METADATA" --blobs "$MV_TEST_BLOBS"
  RPORT[$1]=$PORT
  RPID[$1]=$SERVER_PID
}
start_replica 1  # makes the admin token (in the shared database, its secret in r1/)
TOKEN=$MODELVAULT_TOKEN
[ -n "$TOKEN" ] || fail "the first replica wrote no admin token"
start_replica 2
start_replica 3
export MODELVAULT_TOKEN=$TOKEN
R() { echo "http://127.0.0.1:${RPORT[$1]}"; }

# haproxy in front, round robin, health-checked on /readyz.
LB_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/haproxy.cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 2
  option redispatch
frontend fe
  bind 127.0.0.1:$LB_PORT
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  server r1 127.0.0.1:${RPORT[1]} check inter 300ms fall 2 rise 2
  server r2 127.0.0.1:${RPORT[2]} check inter 300ms fall 2 rise 2
  server r3 127.0.0.1:${RPORT[3]} check inter 300ms fall 2 rise 2
EOF
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
SERVER_PIDS+=($!)
LB="http://127.0.0.1:$LB_PORT"
for _ in $(seq 100); do
  command curl -fsS -o /dev/null "$LB/healthz" 2>/dev/null && break
  sleep 0.1
done
expect_status 200 GET "$LB/healthz"
ok "three replicas behind haproxy"

# --- upload through one replica, read and infer through the others ---
expect_status 201 POST "$(R 1)/api/v1/models" -d '{"name":"shared"}'
ONNX="$SRC/tests/fixtures/torch/mlp_state_dict.onnx"
head -c $((3 * 1048576 + 11)) /dev/urandom >"$WORK/big.bin"
expect_status 201 POST "$(R 1)/api/v1/models/shared/versions" -F meta='{}' \
  -F "model.onnx=@$ONNX" -F "big.bin=@$WORK/big.bin"
expect_status 200 GET "$(R 2)/api/v1/models/shared/versions/1/artifacts/big.bin"
cmp "$WORK/big.bin" "$WORK/body" || fail "replica 2 served other bytes than replica 1 stored"
expect_status 200 GET "$(R 3)/api/v1/models/shared/versions/1/artifacts/model.onnx"
cmp "$ONNX" "$WORK/body" || fail "replica 3 served another model.onnx"
"$PY" - "$WORK/x.npy" <<'PYEOF'
import struct, sys
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<8f", *([0.5] * 8)))
PYEOF
expect_status 200 POST "$(R 3)/api/v1/models/shared/versions/1/predict" \
  -H 'Content-Type: application/x-npy' --data-binary "@$WORK/x.npy"
head -c 6 "$WORK/body" | grep -q NUMPY || fail "inference through replica 3 did not answer .npy"
ok "upload through replica 1, download through 2, inference through 3"

# --- 32 concurrent promotions over the replicas: exactly one production ---
expect_status 201 POST "$(R 1)/api/v1/models" -d '{"name":"race"}'
for v in $(seq 8); do
  head -c 1024 /dev/urandom >"$WORK/w$v.bin"
  expect_status 201 POST "$LB/api/v1/models/race/versions" \
    -F 'meta={"parity":{"skip":"opaque test bytes"}}' -F "w.bin=@$WORK/w$v.bin"
done
pids=()
for i in $(seq 32); do
  v=$(((i % 8) + 1))
  r=$(((i % 3) + 1))
  command curl -sS -o "$WORK/promote.$i" -w '%{http_code}\n' --oauth2-bearer "$TOKEN" \
    -X POST "$(R "$r")/api/v1/models/race/versions/$v/stage" \
    -d '{"stage":"production"}' >"$WORK/promote.$i.code" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a promotion request failed to run"; done
for i in $(seq 32); do
  code=$(cat "$WORK/promote.$i.code")
  case "$code" in 200 | 409) ;; *) fail "promotion $i answered $code: $(cat "$WORK/promote.$i")" ;; esac
done
expect_status 200 GET "$LB/api/v1/models/race/versions?filter=stage%20%3D%20%27production%27"
n=$(json 'len(d["versions"])' "$WORK/body")
[ "$n" = 1 ] || fail "$n production versions after 32 concurrent promotions: $(cat "$WORK/body")"
ok "32 concurrent promotions over 3 replicas: exactly one production"

# --- a token revoked through one replica is refused by another within a second ---
# (each replica caches token lookups; PostgreSQL LISTEN/NOTIFY drops the others' caches)
expect_status 201 POST "$(R 1)/api/v1/tokens" -d '{"name":"ci-reader","scopes":["read"]}'
READER=$(json 'd["token"]' "$WORK/body")
got=$(command curl -sS -o /dev/null -w '%{http_code}' --oauth2-bearer "$READER" \
  "$(R 2)/api/v1/models/shared")
[ "$got" = 200 ] || fail "replica 2 refused a token made through replica 1: $got"
expect_status 200 DELETE "$(R 3)/api/v1/tokens/ci-reader"
start_ns=$(date +%s%N)
while :; do
  got=$(command curl -sS -o /dev/null -w '%{http_code}' --oauth2-bearer "$READER" \
    "$(R 2)/api/v1/models/shared")
  elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
  [ "$got" = 401 ] && break
  [ "$elapsed_ms" -lt 1000 ] || fail "replica 2 still answers $got for a token revoked through replica 3 after ${elapsed_ms} ms"
  sleep 0.01
done
ok "token made through replica 1, used through 2, revoked through 3: 401 on 2 after ${elapsed_ms} ms"

# --- SIGKILL one replica under uploads: no acknowledged write lost ---
expect_status 201 POST "$LB/api/v1/models" -d '{"name":"kill"}'
"$PY" - "$LB" "$TOKEN" "$WORK/acked.txt" 60 <<'PYEOF' &
import hashlib, os, sys, urllib.request, uuid
base, token, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(out, "w") as acked:
    for i in range(n):
        data = os.urandom(64 * 1024 + i)
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{{}}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"a.bin\"; filename=\"a.bin\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
               f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(f"{base}/api/v1/models/kill/versions", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                import json
                v = json.load(r)["version"]
                acked.write(f"{v} {hashlib.sha256(data).hexdigest()}\n")
                acked.flush()
        except Exception as e:  # a write cut by the kill is not acknowledged: fine
            print(f"upload {i}: {e}", file=sys.stderr)
PYEOF
loader=$!
sleep 1
kill -9 "${RPID[2]}"
wait "$loader" || fail "the upload loader failed"
acked=$(wc -l <"$WORK/acked.txt")
[ "$acked" -ge 30 ] || fail "only $acked of 60 uploads were acknowledged"
while read -r v sha; do
  for r in 1 3; do
    expect_status 200 GET "$(R $r)/api/v1/models/kill/versions/$v/artifacts/a.bin"
    got=$(sha256sum "$WORK/body" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || fail "version $v: replica $r served bytes hashing to $got, not $sha"
  done
done <"$WORK/acked.txt"
ok "replica 2 killed under uploads: all $acked acknowledged uploads readable and verified"
