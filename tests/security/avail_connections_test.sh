#!/usr/bin/env bash
# Idle, slow and many connections must not stall the server (issue 13, "Availability"):
#  - 64 idle + 16 slow-header connections open: GET version still answers within 1 s;
#  - the slow-header clients are cut at --header-timeout, a slow body at --min-body-rate;
#  - a GET with a body followed by a pipelined GET on one socket: both answered;
#  - --max-connections-per-address: connections beyond it get 503 (with Retry-After).
# usage: avail_connections_test.sh MODELVAULT
set -euo pipefail
MODELVAULT=$1
source "$(dirname "$0")/avail_lib.sh"

start_server "$WORK/data" --quiet --header-timeout 3s --min-body-rate 16K --body-rate-window 2s
use_token "$WORK/data"
make_model conn
VERSION_PATH=/api/v1/models/conn/versions/1

# 64 idle + 16 slow-header clients for 8 s (past the 3 s header timeout), probing every 0.5 s.
out=$(MV_PROBE_PATH=$VERSION_PATH timeout 60 "$PY" "$CLIENTS" "$PORT" hold 64 16 8)
echo "$out"
worst=$(sed -n 's/.*worst_ms=\([0-9]*\).*/\1/p' <<<"$out")
failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")
slow_cut=$(sed -n 's/.*slow_cut=\([0-9]*\).*/\1/p' <<<"$out")
[ "$failed" = 0 ] || fail "$failed probes failed while idle/slow clients were open"
[ "$worst" -lt 1000 ] || fail "a GET took $worst ms with 64 idle + 16 slow-header connections"
[ "$slow_cut" = 16 ] || fail "only $slow_cut of 16 slow-header clients were cut at --header-timeout"
ok "64 idle + 16 slow-header connections: GET version within ${worst} ms; slow heads cut"

# A body trickled at 1 byte/s is cut after the 2 s window (well before the 20 s the client
# would keep going).
out=$(timeout 60 "$PY" "$CLIENTS" "$PORT" slowbody 20)
secs=$(sed -n 's/cut_after_s=\([0-9]*\)/\1/p' <<<"$out")
[ "$secs" -le 8 ] || fail "a 1 byte/s body was not cut by --min-body-rate (ran ${secs} s)"
ok "a 1 byte/s body cut after ${secs} s"

# GET with a body, then a pipelined GET on the same socket: two answers, in sync.
out=$(timeout 30 "$PY" "$CLIENTS" "$PORT" pipeline)
echo "$out"
[ "$(grep -c '^HTTP/1.1 200' <<<"$out")" = 2 ] || fail "GET with a body desynchronised the connection: $out"
ok "GET with a body + pipelined GET: both answered"
stop_server

# Per-address cap: 8 allowed, the other 4 see 503 + Retry-After.
start_server "$WORK/data" --quiet --max-connections-per-address 8
out=$(timeout 60 "$PY" "$CLIENTS" "$PORT" count 12)
echo "$out"
[ "$out" = "served=8 rejected=4" ] || fail "per-address cap of 8 with 12 connections: $out"
# The refusal itself: a 503 JSON error with Retry-After.
"$PY" - "$PORT" <<'PYEOF' || fail "a connection over the cap did not get 503 + Retry-After"
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
head = data.decode("latin-1")
assert head.startswith("HTTP/1.1 503"), head
assert "Retry-After:" in head and '"code":"unavailable"' in head, head
PYEOF
ok "per-address cap: connections beyond it get 503 with Retry-After"
stop_server
