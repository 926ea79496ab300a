#!/usr/bin/env bash
# GET version and lineage latency with the metadata on SQLite and on PostgreSQL 15 (issue 17).
# Starts `modelvault serve` twice on the same data (loaded through the HTTP API by
# bench/postgres/latency.py): once with the default SQLite metadata, once with
# --metadata on a throwaway PostgreSQL on loopback (tests/scaleout/pg_env.sh). That server
# runs with fsync off, which changes writes only, not the GETs measured. Sequential requests
# over one keep-alive connection; a measurement, never a pass/fail test.
# Writes $OUT/pg_latency.csv (default bench/results/.last). env: MV_BUILD (default build),
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
} | tee "$OUT/pg_latency.csv"
