#!/usr/bin/env bash
# Replicas suite of `make bench` (issue 17): GET version and a transitive lineage query
# through haproxy in front of 1 and of 3 `modelvault serve` replicas sharing PostgreSQL and
# S3 (tests/scaleout/pg_env.sh and s3_env.sh start both), and the same GET version on one
# replica over SQLite and the filesystem, all in one run: wrk req/s and p99 at 32 keep-alive
# connections, 1- and 3-replica rounds alternating. On one machine the replicas, haproxy,
# PostgreSQL and wrk share the same cores, so the report says what bound the figures.
# Writes $MV_BENCH_OUT/replicas.csv and replicas.md. Measures; never fails on a slow number.
# env: MV_BUILD (default build-bench), MV_BENCH_OUT, MV_BENCH_QUICK=1
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${MV_TEST_METADATA:-}" ] || [ -z "${MV_TEST_BLOBS:-}" ]; then
  exec "$ROOT/tests/scaleout/pg_env.sh" "$ROOT/tests/scaleout/s3_env.sh" "$0" "$@"
fi
source "$ROOT/bench/lib.sh"
ensure_build modelvault
BIN="$MV_BUILD/modelvault"
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
for tool in curl wrk haproxy; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
LUA="$ROOT/bench/metadata/paths.lua"
if [ -n "${MV_BENCH_QUICK:-}" ]; then DURATION=3 ROUNDS=1; else DURATION=10 ROUNDS=3; fi
CONNS=32

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Three replicas over the shared stores; the first makes the admin token.
PORTS=()
for i in 1 2 3; do
  start_server "$WORK/r$i" --metadata "$MV_TEST_METADATA" --blobs "$MV_TEST_BLOBS"
  PIDS+=("$PID")
  PORTS+=("${BASE##*:}")
  [ "$i" = 1 ] && TOKEN=$MODELVAULT_TOKEN
done
export MODELVAULT_TOKEN=$TOKEN
AUTH=(-H "Authorization: Bearer $TOKEN")

# haproxy_for N: haproxy round robin over the first N replicas; sets LB.
haproxy_for() {
  local port servers="" i
  port=$(free_port)
  for ((i = 0; i < $1; i++)); do
    servers+="  server r$i 127.0.0.1:${PORTS[$i]} check inter 1s"$'\n'
  done
  cat >"$WORK/haproxy-$1.cfg" <<EOF
global
  maxconn 4096
  nbthread 1
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$port
  default_backend be
backend be
  balance roundrobin
  http-reuse always
$servers
EOF
  haproxy -f "$WORK/haproxy-$1.cfg" -db >"$WORK/haproxy-$1.log" 2>&1 &
  PIDS+=($!)
  LB="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -s -o /dev/null "$LB/healthz" && return 0; sleep 0.05; done
  die "haproxy did not answer: $(tail -3 "$WORK/haproxy-$1.log")"
}

# A lineage chain: m0000..m0009, one version each, m000k (k>0) a child of m000(k-1).
for k in $(seq 0 9); do
  m=$(printf 'm%04d' "$k")
  curl_ok 201 "${AUTH[@]}" -X POST "http://127.0.0.1:${PORTS[0]}/api/v1/models" -d "{\"name\":\"$m\"}"
  meta='{}'
  [ "$k" -gt 0 ] && meta=$(printf '{"lineage":{"parents":[{"model":"m%04d","version":1}]}}' $((k - 1)))
  head -c 1024 /dev/urandom >"$WORK/w.bin"
  curl_ok 201 "${AUTH[@]}" -F "meta=$meta" -F "w.bin=@$WORK/w.bin" \
    "http://127.0.0.1:${PORTS[0]}/api/v1/models/$m/versions"
done
haproxy_for 1
LB1=$LB
haproxy_for 3
LB3=$LB

# run_wrk KIND URL: sets RPS and P99 (ms); fails on non-2xx answers.
run_wrk() {
  local line kv W_requests='' W_duration_us='' W_non2xx='' W_p99_us='' W_p50_us=''
  local W_connect='' W_read='' W_write='' W_timeout='' W_p90_us='' W_max_us=''
  line=$(MV_KIND=$1 MV_MODELS=10 MV_PER=1 wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency \
    "${AUTH[@]}" -s "$LUA" "$2" | grep '^WRK ') || die "wrk $1 $2 failed"
  for kv in ${line#WRK }; do printf -v "W_${kv%%=*}" '%s' "${kv#*=}"; done
  [ "$W_non2xx" = 0 ] || die "wrk $1 $2: $W_non2xx answers were not 2xx"
  RPS=$(awk -v n="$W_requests" -v d="$W_duration_us" 'BEGIN {printf "%.0f", n / (d / 1e6)}')
  P99=$(awk -v u="$W_p99_us" 'BEGIN {printf "%.2f", u / 1000}')
}

CSV="$OUT/replicas.csv"
echo "suite,case,system,metric,value,unit" >"$CSV"
declare -A SUM_RPS
ROWS="$WORK/rows.md"
: >"$ROWS"
for r in $(seq "$ROUNDS"); do
  for setup in "1 replica:$LB1" "3 replicas:$LB3"; do
    name=${setup%%:*} url=${setup#*:}
    for kind in version lineage; do
      run_wrk "$kind" "$url"
      echo "replicas,$kind round $r,$name,throughput,$RPS,req/s" >>"$CSV"
      echo "replicas,$kind round $r,$name,p99,$P99,ms" >>"$CSV"
      echo "| $r | $name | $kind | $RPS | $P99 |" >>"$ROWS"
    done
  done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "## replicas: 1 and 3 replicas behind haproxy, PostgreSQL and S3"
  echo
  echo "wrk, $CONNS keep-alive connections, ${DURATION} s per row, through haproxy (one thread,"
  echo "round robin, connection reuse) to 1 or 3 \`modelvault serve\` replicas sharing PostgreSQL"
  echo "15 and s3rver on this machine; 1- and 3-replica rows alternate, $ROUNDS round(s)."
  echo "\`version\` is GET of one version; \`lineage\` is GET"
  echo "/api/v1/lineage?parent=...&transitive=true along a chain of 10 versions."
  echo "Every process shares the machine's $(nproc) cores (load average at the end: $load):"
  echo "there, the CPU is the bound, and more replicas cannot add throughput; the ratio"
  echo "says what the balancer and the shared database cost, not how replicas scale."
  echo
  echo "| round | setup | request | req/s | p99 ms |"
  echo "|---|---|---|---|---|"
  cat "$ROWS"
} >"$OUT/replicas.md"
cat "$OUT/replicas.md"
