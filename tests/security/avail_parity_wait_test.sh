#!/usr/bin/env bash
# Parked long polls do not take the workers (issue 13, "Availability"): 32 polls
# `GET .../parity?wait=60` wait on a version whose TorchScript check is slow while uploads
# and inference go on; those answer promptly, the 33rd poll answers at once with "pending",
# and the 32 answer as soon as the check ends (woken by the parity service, not a timer).
# The slow check is a stand-in worker executable that sleeps, given with --torch-worker.
# usage: avail_parity_wait_test.sh MODELVAULT SOURCE_DIR
set -euo pipefail
MODELVAULT=$1
SRC=$2
source "$(dirname "$0")/avail_lib.sh"
FIX="$SRC/tests/fixtures/torch"
SLEEP_S=10

printf '#!/bin/sh\nsleep %s\nexit 3\n' "$SLEEP_S" >"$WORK/slow-torch-worker"
chmod +x "$WORK/slow-torch-worker"
start_server "$WORK/data" --quiet --torch-worker "$WORK/slow-torch-worker" --parity-max-waiters 32
use_token "$WORK/data"
expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d '{"name":"mlp"}'
# Version 1: ONNX only (served for inference); version 2 adds TorchScript: its check waits
# for the slow worker.
expect_status 201 POST "$BASE/api/v1/models/mlp/versions" "${AUTH[@]}" -F meta='{}' \
  -F "model.onnx=@$FIX/mlp_state_dict.onnx"
expect_status 201 POST "$BASE/api/v1/models/mlp/versions" "${AUTH[@]}" -F meta='{}' \
  -F "model.onnx=@$FIX/mlp_state_dict.onnx" -F "traced.pt=@$FIX/traced.pt"
PARITY="$BASE/api/v1/models/mlp/versions/2/parity"
started=$(date +%s%N)
POLLS=()
for i in $(seq 1 32); do
  curl -sS -o "$WORK/poll.$i" -w '%{http_code} %{time_total}\n' "${AUTH[@]}" \
    "$PARITY?wait=60" >"$WORK/poll.$i.status" &
  POLLS+=($!)
done
sleep 1
# The 33rd poll answers at once with the current status.
t0=$(date +%s%N)
expect_status 200 GET "$PARITY?wait=60" "${AUTH[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(json 'd["status"]' "$WORK/body")" = pending ] || fail "the 33rd poll: $(cat "$WORK/body")"
[ "$ms" -lt 2000 ] || fail "the poll beyond --parity-max-waiters took $ms ms"
ok "33rd poll answered at once ($ms ms) with pending"

# Uploads and inference while the 32 are parked: each within 3 s.
npy_f32 "$WORK/x.npy" 2 4
head -c 1048576 /dev/urandom >"$WORK/upload.bin"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  expect_status 201 POST "$BASE/api/v1/models/mlp/versions" "${AUTH[@]}" -F meta='{}' \
    -F "weights.bin=@$WORK/upload.bin"
  expect_status 200 POST "$BASE/api/v1/models/mlp/versions/1/predict" "${AUTH[@]}" \
    -H 'Content-Type: application/x-npy' --data-binary "@$WORK/x.npy"
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -lt 3000 ] || fail "upload + predict took $ms ms with 32 parked polls"
done
ok "uploads and inference served while 32 polls are parked"

wait "${POLLS[@]}"
total_ms=$((($(date +%s%N) - started) / 1000000))
for i in $(seq 1 32); do
  read -r code _ <"$WORK/poll.$i.status"
  [ "$code" = 200 ] || fail "poll $i: status $code"
  st=$(json 'd["status"]' "$WORK/poll.$i")
  [ "$st" != pending ] || fail "poll $i answered while still pending"
done
# Woken when the check ended (about SLEEP_S after it started), far before wait=60.
[ "$total_ms" -lt $(((SLEEP_S + 15) * 1000)) ] || fail "the polls took $total_ms ms"
ok "32 parked polls answered when the check ended (${total_ms} ms)"
stop_server
