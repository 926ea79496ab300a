#!/usr/bin/env bash
# What recording the metrics costs (issue 16: at most 2 % of GET version requests/s).
# One server binary, one data dir, the same version read by wrk (keep-alive, 2 threads,
# 16 connections): `--quiet` (metrics on) against `--quiet --no-metrics` (recording off),
# ROUNDS interleaved rounds of SECONDS each, so that drift on a shared machine hits both.
# Also one round with the JSON request log on, for reference. Prints a markdown table.
# usage: bench/metrics_overhead.sh MODELVAULT [ROUNDS] [SECONDS]
set -euo pipefail
BIN=$1 ROUNDS=${2:-5} SECONDS_PER=${3:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/setup-deps --bench)" >&2; exit 1; }
WORK=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

start() { # flags...
  rm -f "$WORK/port"
  "$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" "$@" \
    >/dev/null 2>"$WORK/server.err" &
  PID=$!
  for _ in $(seq 1 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  BASE="http://127.0.0.1:$(cat "$WORK/port")"
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
rps() { # prints requests/s of one wrk run on GET version
  wrk -t2 -c16 -d"${SECONDS_PER}s" "$BASE/api/v1/models/bench/versions/1" |
    awk '/Requests\/sec/ {print $2}'
}

start --quiet
curl -sf -X POST "$BASE/api/v1/models" -d '{"name":"bench"}' >/dev/null
curl -sf -X POST "$BASE/api/v1/models/bench/versions?draft=true" -d '{}' >/dev/null
curl -sf -T /dev/null "$BASE/api/v1/models/bench/versions/1/artifacts/w.bin" >/dev/null
curl -sf -X POST "$BASE/api/v1/models/bench/versions/1/commit" >/dev/null
stop

on=() off=()
for r in $(seq 1 "$ROUNDS"); do
  start --quiet; rps >/dev/null; on+=("$(rps)"); stop            # first run warms the cache
  start --quiet --no-metrics; rps >/dev/null; off+=("$(rps)"); stop
  echo "round $r: metrics on ${on[-1]} req/s, off ${off[-1]} req/s" >&2
done
start --log-format json; rps >/dev/null; logged=$(rps); stop
# The server's CPU per request (utime+stime from /proc over one wrk run, metrics on): the
# denominator for mv_metrics_record_bench's ns per recorded request; unlike req/s it does
# not move with other load on the machine.
start --quiet; rps >/dev/null
ticks0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
served=$(wrk -t2 -c16 -d"${SECONDS_PER}s" "$BASE/api/v1/models/bench/versions/1" | awk '/requests in/ {print $1}')
ticks1=$(awk '{print $14 + $15}' "/proc/$PID/stat"); stop
cpu_us=$(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$served" \
  'BEGIN {printf "%.1f", t / hz / n * 1e6}')

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_on=$(median "${on[@]}") m_off=$(median "${off[@]}")
cost=$(awk -v on="$m_on" -v off="$m_off" 'BEGIN {printf "%.2f", (off - on) / off * 100}')
echo "| config | rounds (req/s) | median req/s |"
echo "|---|---|---|"
echo "| metrics on (\`--quiet\`) | ${on[*]} | $m_on |"
echo "| recording off (\`--quiet --no-metrics\`) | ${off[*]} | $m_off |"
echo "| metrics on + JSON request log on stderr (to a file) | $logged | $logged |"
echo
echo "Cost of recording the metrics: **$cost %** of GET version requests/s (median of $ROUNDS interleaved rounds of ${SECONDS_PER} s)."
echo "Server CPU per GET version request (metrics on): **$cpu_us us**."
