# Helpers for the end-to-end scripts: start the built binary on a free port, stop it by PID,
# and small assertions. Source it; it expects MODELVAULT (the binary) to be set.
set -euo pipefail

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mv-e2e.XXXXXX")"
SERVER_PIDS=()
cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# Auth is on by default: every curl of these scripts sends the token of the server it last
# started (MODELVAULT_TOKEN, read from <data-dir>/admin-token), as the README's
# `curl --oauth2-bearer "$MODELVAULT_TOKEN"` does. `command curl` sends none.
curl() {
  if [ -n "${MODELVAULT_TOKEN:-}" ]; then
    command curl --oauth2-bearer "$MODELVAULT_TOKEN" "$@"
  else
    command curl "$@"
  fi
}

# start_server DATA_DIR [flags...]: sets PORT, BASE and SERVER_PID, and exports
# MODELVAULT_TOKEN (the admin token the server wrote to DATA_DIR/admin-token; empty when
# there is none, e.g. with --auth off).
start_server() {
  local data=$1; shift
  local port_file="$WORK/port.$RANDOM"
  "$MODELVAULT" serve --data-dir "$data" --port 0 --port-file "$port_file" "$@" \
    >>"$WORK/server.out" 2>>"$WORK/server.err" &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  local i
  for i in $(seq 1 200); do
    [ -s "$port_file" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; fail "server exited"; }
    sleep 0.05
  done
  [ -s "$port_file" ] || fail "server did not write its port file"
  PORT=$(cat "$port_file")
  BASE="http://127.0.0.1:$PORT"
  MODELVAULT_TOKEN=""
  [ -r "$data/admin-token" ] && MODELVAULT_TOKEN=$(cat "$data/admin-token")
  export MODELVAULT_TOKEN
}

# stop_server: SIGTERM, wait for a clean exit (graceful shutdown must end with status 0).
stop_server() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "server exited with $rc after SIGTERM"
}

# expect_status WANT METHOD URL [curl args...]: runs curl, checks the status, leaves the body
# in $WORK/body and prints nothing else.
expect_status() {
  local want=$1 method=$2 url=$3; shift 3
  local got
  got=$(curl -sS -o "$WORK/body" -w '%{http_code}' -X "$method" "$@" "$url")
  [ "$got" = "$want" ] || fail "$method $url: want $want, got $got: $(head -c 300 "$WORK/body")"
}

# json FIELD_EXPR FILE: extract with python3's json (any python3 is fine here).
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))" "$1" "$2"; }

# expect_json_error CODE: the last body is {"error":{"code":CODE,"message":...}}.
expect_json_error() {
  local code
  code=$(json 'd["error"]["code"]' "$WORK/body") || fail "error body is not JSON: $(cat "$WORK/body")"
  [ "$code" = "$1" ] || fail "error code: want $1, got $code"
  [ -n "$(json 'd["error"]["message"]' "$WORK/body")" ] || fail "error message is empty"
}
