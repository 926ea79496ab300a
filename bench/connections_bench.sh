#!/usr/bin/env bash
# Connections suite of `make bench` (issue 13; bench/README.md has the contract). In one run:
#   GET version   wrk --latency, keep-alive, 16, 64 and 256 connections, against
#                 `modelvault serve` (one version's JSON) and against nginx (a 1 KiB file) at
#                 the same concurrency: the goal is p99 < 50 ms at 256 connections and at
#                 least 0.9x the req/s of 16 connections
#   TLS           a 1 GiB raw upload (curl -T into a draft) and its download, over plain HTTP
#                 and over HTTPS (--tls-cert/--tls-key, a self-signed pair made here), MiB/s
# Writes $MV_BENCH_OUT/connections.csv and connections.md. Measures; never fails on a slow
# number; fails when something does not work.
# env: MV_BUILD (default build-bench, built here when unset), MV_BENCH_OUT, MV_BENCH_QUICK=1
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/bench/lib.sh"

ensure_build modelvault
BIN="$MV_BUILD/modelvault"
[ -x "$BIN" ] || die "no $BIN (build first)"
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
for tool in curl wrk nginx openssl; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
LUA="$ROOT/bench/metadata/paths.lua"

if [ -n "${MV_BENCH_QUICK:-}" ]; then
  DURATION=3 BYTES=$((64 << 20))
else
  DURATION=10 BYTES=$((1 << 30))
fi
CONNS=(16 64 256)
WRK_THREADS=2

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"
trap 'stop_all; rm -rf "$WORK"' EXIT
export MV_MODELS=1 MV_PER=1 # paths.lua: GET /api/v1/models/m0000/versions/1

# start_server_tls DATA_DIR: as start_server, over HTTPS with $WORK/cert.pem and key.pem.
start_server_tls() {
  local data=$1
  mkdir -p "$data"
  rm -f "$data.port"
  "$BIN" serve --data-dir "$data" --port 0 --port-file "$data.port" --quiet \
    --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" >"$data.log" 2>&1 &
  PID=$!
  for _ in $(seq 400); do
    [ -s "$data.port" ] && break
    kill -0 "$PID" 2>/dev/null || die "modelvault serve exited: $(tail -3 "$data.log")"
    sleep 0.05
  done
  [ -s "$data.port" ] || die "modelvault serve did not start: $(tail -3 "$data.log")"
  BASE="https://localhost:$(cat "$data.port")"
  curl_ok 200 --cacert "$WORK/cert.pem" "$BASE/healthz"
}

# Requests carry the admin token when the server made one (auth on).
auth_args() {
  AUTH=()
  [ -s "$1/admin-token" ] && AUTH=(-H "Authorization: Bearer $(cat "$1/admin-token")")
  return 0
}

# run_wrk KIND BASE CONNS: sets RPS P50 P99 MAX (ms) and ERRS; fails on non-2xx.
run_wrk() {
  local line kv W_requests='' W_duration_us='' W_non2xx='' W_connect='' W_read='' W_write=''
  local W_timeout='' W_p50_us='' W_p90_us='' W_p99_us='' W_max_us=''
  line=$(MV_KIND=$1 wrk -t"$WRK_THREADS" -c"$3" -d"${DURATION}s" --latency "${AUTH[@]}" \
    -s "$LUA" "$2" | grep '^WRK ') || die "wrk $1 -c$3 failed"
  for kv in ${line#WRK }; do printf -v "W_${kv%%=*}" '%s' "${kv#*=}"; done
  [ "$W_non2xx" = 0 ] || die "wrk $1 -c$3: $W_non2xx answers were not 2xx"
  RPS=$(awk -v n="$W_requests" -v d="$W_duration_us" 'BEGIN {printf "%.0f", n / (d / 1e6)}')
  P50=$(awk -v u="$W_p50_us" 'BEGIN {printf "%.2f", u / 1000}')
  P99=$(awk -v u="$W_p99_us" 'BEGIN {printf "%.2f", u / 1000}')
  MAX=$(awk -v u="$W_max_us" 'BEGIN {printf "%.2f", u / 1000}')
  ERRS="connect $W_connect, read $W_read, write $W_write, timeout $W_timeout"
}

CSV="$OUT/connections.csv" ROWS="$WORK/rows.md" TLS_ROWS="$WORK/tls.md"
echo "suite,case,system,metric,value,unit" >"$CSV"
: >"$ROWS"
: >"$TLS_ROWS"
record() { # SYSTEM CONNS
  {
    echo "connections,GET version c$2,$1,throughput,$RPS,req/s"
    echo "connections,GET version c$2,$1,p99,$P99,ms"
  } >>"$CSV"
  echo "| $1 | $2 | $RPS | $P50 | $P99 | $MAX | $ERRS |" >>"$ROWS"
}

echo "connections: wrk GET version at ${CONNS[*]} connections, ${DURATION}s each ..." >&2
start_server "$WORK/data"
auth_args "$WORK/data"
curl_ok 201 "${AUTH[@]}" -X POST "$BASE/api/v1/models" -d '{"name":"m0000"}'
head -c 4096 /dev/urandom >"$WORK/small.bin"
curl_ok 201 "${AUTH[@]}" -F meta='{}' -F "weights.bin=@$WORK/small.bin" "$BASE/api/v1/models/m0000/versions"
mkdir -p "$WORK/nginx/root"
head -c 1024 /dev/urandom >"$WORK/nginx/root/1k.bin"
start_nginx "$WORK/nginx" auto "sendfile on;"
declare -A MV_RPS MV_P99
for c in "${CONNS[@]}"; do
  run_wrk version "$BASE" "$c"
  record modelvault "$c"
  MV_RPS[$c]=$RPS MV_P99[$c]=$P99
  NGINX_AUTH=("${AUTH[@]}")
  AUTH=()
  run_wrk file "$NGINX_BASE" "$c"
  AUTH=("${NGINX_AUTH[@]}")
  record nginx "$c"
done
stop_nginx
stop_server

# TLS against plain HTTP: the same bytes up (raw PUT into a draft) and down.
echo "connections: $(size_label "$BYTES") upload and download, plain HTTP and TLS ..." >&2
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
head -c "$BYTES" /dev/urandom >"$WORK/big.bin"
declare -A UP DOWN
for mode in http https; do
  data="$WORK/data-$mode"
  if [ "$mode" = https ]; then
    start_server_tls "$data"
  else
    start_server "$data"
  fi
  auth_args "$data"
  TLSARGS=()
  [ "$mode" = https ] && TLSARGS=(--cacert "$WORK/cert.pem")
  curl_ok 201 "${AUTH[@]}" "${TLSARGS[@]}" -X POST "$BASE/api/v1/models" -d '{"name":"big"}'
  curl_ok 201 "${AUTH[@]}" "${TLSARGS[@]}" -X POST "$BASE/api/v1/models/big/versions?draft=true" -d '{}'
  s=$(curl_time 201 "${AUTH[@]}" "${TLSARGS[@]}" -T "$WORK/big.bin" \
    "$BASE/api/v1/models/big/versions/1/artifacts/big.bin")
  UP[$mode]=$(rate "$BYTES" "$s")
  curl_ok 200 "${AUTH[@]}" "${TLSARGS[@]}" -X POST "$BASE/api/v1/models/big/versions/1/commit" -d '{}'
  got=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "${AUTH[@]}" \
    "${TLSARGS[@]}" "$BASE/api/v1/models/big/versions/1/artifacts/big.bin") || die "download failed"
  [ "${got%% *}" = 200 ] || die "download answered $got"
  DOWN[$mode]=$(rate "$BYTES" "${got##* }")
  for dir in up down; do
    v=${UP[$mode]}
    [ "$dir" = down ] && v=${DOWN[$mode]}
    echo "connections,$(size_label "$BYTES") $dir,modelvault $mode,throughput,$v,MiB/s" >>"$CSV"
  done
  stop_server
  rm -rf "$data"
done
{
  echo "| upload (curl -T into a draft) | ${UP[http]} | ${UP[https]} | $(ratio "${UP[https]}" "${UP[http]}") |"
  echo "| download | ${DOWN[http]} | ${DOWN[https]} | $(ratio "${DOWN[https]}" "${DOWN[http]}") |"
} >"$TLS_ROWS"

{
  echo "## Connections: many keep-alive clients, TLS"
  echo
  echo "Method: wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') \`--latency\`, keep-alive," \
    "$WRK_THREADS wrk threads, ${DURATION} s per row; modelvault answers one version's JSON" \
    "(GET /api/v1/models/m0000/versions/1) with its default flags (16 HTTP workers plus the" \
    "32 long-poll workers, connections parked in epoll between requests); nginx (worker" \
    "processes auto, sendfile) answers a 1 KiB file at the same concurrency. wrk, nginx and" \
    "the server share the machine's $(nproc) cores."
  echo
  echo "| system | connections | req/s | p50 ms | p99 ms | max ms | socket errors |"
  echo "|---|---|---|---|---|---|---|"
  cat "$ROWS"
  echo
  echo "Goals (issue 13):"
  echo
  echo "| goal | measured | shown | met |"
  echo "|---|---|---|---|"
  goal_row "p99 < 50 ms at 256 connections" "p99 at 256" "${MV_P99[256]} ms" "${MV_P99[256]}" 50 lt
  r=$(ratio "${MV_RPS[256]}" "${MV_RPS[16]}")
  goal_row "req/s at 256 >= 0.9x req/s at 16" "${MV_RPS[256]} / ${MV_RPS[16]} req/s" "${r}x" "$r" 0.9 ge
  echo
  echo "TLS against plain HTTP, $(size_label "$BYTES") of random bytes over loopback, one" \
    "client (curl), MiB/s; the self-signed RSA-2048 pair is made by openssl for the run and" \
    "curl negotiates its default (TLS 1.3, AES-GCM):"
  echo
  echo "| transfer | plain HTTP MiB/s | HTTPS MiB/s | HTTPS / plain |"
  echo "|---|---|---|---|"
  cat "$TLS_ROWS"
} >"$OUT/connections.md"
echo "connections: done" >&2
