#!/usr/bin/env bash
# GET version and lineage latency with the metadata on SQLite and on PostgreSQL 15 (issue 17).
# Starts `modelvault serve` twice on the same data (loaded through the HTTP API by
# bench/postgres/latency.py): once with the default SQLite metadata, once with
# --metadata on a throwaway PostgreSQL on loopback (tests/scaleout/pg_env.sh). That server
# runs with fsync off, which changes writes only, not the GETs measured. Sequential requests
# over one keep-alive connection; a measurement, never a pass/fail test.
# Writes $OUT/pg_latency.csv and pg_latency.md (default bench/results/.last; bench/run sets
# MV_BENCH_OUT). env: MV_BUILD (default build),
# MODELS, PER, REPS.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MV_BUILD:-$ROOT/build}/modelvault"
[ -x "$BIN" ] || { echo "pg_latency_bench: no $BIN" >&2; exit 1; }
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
MODELS=${MODELS:-20} PER=${PER:-50} REPS=${REPS:-2000}

if [ -z "${MV_TEST_METADATA:-}" ]; then
  exec "$ROOT/tests/scaleout/pg_env.sh" "$0" "$@"
fi

WORK=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

run_one() { # BACKEND [serve flags...]
  local backend=$1; shift
  local dir="$WORK/$backend"
  mkdir -p "$dir"
  "$BIN" serve --data-dir "$dir" --port 0 --port-file "$dir/port" --quiet --no-metrics "$@" \
    >"$dir/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do [ -s "$dir/port" ] && break; sleep 0.1; done
  [ -s "$dir/port" ] || { cat "$dir/server.log" >&2; exit 1; }
  python3 "$ROOT/bench/postgres/latency.py" "$backend" "$(cat "$dir/port")" \
    "$(cat "$dir/admin-token")" "$MODELS" "$PER" "$REPS"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}

{
  echo "backend,kind,reps,p50_ms,p90_ms,p99_ms,mean_ms"
  run_one sqlite
  run_one postgres --metadata "$MV_TEST_METADATA"
} >"$WORK/raw.csv"
cat "$WORK/raw.csv"

# As a suite of `make bench`: the figures in the suites' CSV shape, and a table.
awk -F, 'NR == 1 {print "suite,case,system,metric,value,unit"; next}
         {for (i = 4; i <= 6; i++) {split("p50 p90 p99", m, " ");
            printf "pg_latency,%s,%s,%s,%s,ms\n", $2, $1, m[i - 3], $i}}' \
  "$WORK/raw.csv" >"$OUT/pg_latency.csv"
{
  echo "## pg_latency: GET version and lineage, SQLite vs PostgreSQL"
  echo
  echo "One client, one keep-alive connection, sequential requests ($REPS per row), $MODELS models"
  echo "x $PER versions; PostgreSQL 15 on loopback (fsync off: writes only). Milliseconds."
  echo
  echo "| request | SQLite p50 | PostgreSQL p50 | SQLite p99 | PostgreSQL p99 |"
  echo "|---|---|---|---|---|"
  awk -F, 'NR > 1 {p50[$1 "," $2] = $4; p99[$1 "," $2] = $6; kinds[$2] = 1}
           END {for (k in kinds) printf "| %s | %s | %s | %s | %s |\n", k,
                p50["sqlite," k], p50["postgres," k], p99["sqlite," k], p99["postgres," k]}' \
    "$WORK/raw.csv" | sort
} >"$OUT/pg_latency.md"
