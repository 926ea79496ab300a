#!/usr/bin/env bash
# The TorchScript sandbox, end to end: a version whose traced.pt calls
# torch.from_file("/etc/passwd", ...) in forward, uploaded beside an ONNX model of the same
# shape, so that the parity service runs the torchscript check. The check must end in an
# error that says the sandbox refused the read, and no byte of the file may reach the
# version, its parity report or the server's log. Then the same upload on a server started
# as on a kernel without user namespaces and Landlock (MV_DENY: an outer seccomp filter):
# the worker must refuse to run the module, and the check must say "sandbox unavailable".
#
#   sandbox_torchscript_test.sh MODELVAULT PARITY_FIXTURES_DIR MV_DENY
MODELVAULT=$1
FIXTURES=$2
DENY=$3
source "$(dirname "$0")/../e2e/lib.sh"

cp "$FIXTURES/mlp/model.onnx" "$WORK/model.onnx" || fail "parity fixture mlp/model.onnx missing"
cp "$FIXTURES/worker/read_passwd.pt" "$WORK/traced.pt" || fail "worker/read_passwd.pt missing"

# Auth (when the server has it): the admin token the first start wrote.
AUTH=()
use_token() {
  AUTH=()
  local i
  for i in $(seq 1 40); do
    [ -s "$1/admin-token" ] && break
    sleep 0.05
  done
  if [ -s "$1/admin-token" ]; then AUTH=(-H "Authorization: Bearer $(cat "$1/admin-token")"); fi
}

# upload_and_wait MODEL: creates MODEL, uploads version 1, leaves the parity report in
# $WORK/parity.json and the version in $WORK/version.json.
upload_and_wait() {
  expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d "{\"name\":\"$1\"}"
  expect_status 201 POST "$BASE/api/v1/models/$1/versions" "${AUTH[@]}" \
    -F model.onnx=@"$WORK/model.onnx" -F traced.pt=@"$WORK/traced.pt"
  expect_status 200 GET "$BASE/api/v1/models/$1/versions/1/parity?wait=120" "${AUTH[@]}"
  cp "$WORK/body" "$WORK/parity.json"
  [ "$(json 'd["status"]' "$WORK/parity.json")" != pending ] ||
    fail "parity still pending after 120 s: $(cat "$WORK/parity.json")"
  expect_status 200 GET "$BASE/api/v1/models/$1/versions/1" "${AUTH[@]}"
  cp "$WORK/body" "$WORK/version.json"
}

# No byte of /etc/passwd anywhere the module's results could surface.
expect_no_leak() {
  local f
  for f in "$WORK/parity.json" "$WORK/version.json" "$WORK/server.err" "$WORK/server.out"; do
    if grep -q 'root:' "$f"; then fail "$f holds bytes of /etc/passwd: $(grep -m1 'root:' "$f")"; fi
  done
}

torch_check() { json "d['checks']['torchscript']['$1']" "$WORK/parity.json"; }

# expect_torch_error TEXT: the torchscript check is an error whose message holds TEXT, and
# nothing of /etc/passwd leaked.
expect_torch_error() {
  [ "$(torch_check status)" = error ] || fail "torchscript check: $(cat "$WORK/parity.json")"
  torch_check message | grep -qF "$1" || fail "torchscript check message: $(torch_check message)"
  expect_no_leak
}

# 1. A kernel with the sandbox: the read is refused.
start_server "$WORK/data"
use_token "$WORK/data"
upload_and_wait escape
expect_torch_error 'the sandbox refused openat (the module tried to reach a file outside its inputs)'
[ "$(json 'd["checks"]["determinism"]["status"]' "$WORK/parity.json")" = passed ] ||
  fail "the ONNX side failed too: $(cat "$WORK/parity.json")"
ok "torch.from_file('/etc/passwd') refused by the sandbox: $(torch_check message)"
stop_server

# 2. A kernel without user namespaces or Landlock: the module is not run at all.
cat >"$WORK/denied-modelvault" <<WRAP
#!/bin/sh
exec "$DENY" "$MODELVAULT" "\$@"
WRAP
chmod +x "$WORK/denied-modelvault"
MODELVAULT="$WORK/denied-modelvault"
start_server "$WORK/data-denied"
use_token "$WORK/data-denied"
upload_and_wait unconfined
expect_torch_error 'TorchScript not run: sandbox unavailable: '
ok "without namespaces and Landlock the worker refuses: $(torch_check message)"
stop_server
