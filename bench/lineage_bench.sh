#!/usr/bin/env bash
# Downstream-lineage query latency over HTTP against the 10 ms p99 goal, in one run:
#   1. builds modelvault and bench/mv_lineage_bench (-DMV_BENCH=ON) in their own build dir
#   2. loads MODELS x PER versions with runs, commits, datasets and parent chains through the
#      real SqliteMetadataStore (on tmpfs, where fsync is free), then copies the data dir to
#      disk next to this script, where the server reads it
#   3. starts `modelvault serve` on it and times REPS sequential keep-alive GETs of each kind
#      of /api/v1/lineage query, keys drawn at random
# Writes bench/results/<date>-lineage.md. It measures; it never fails on a slow number.
# usage: bench/lineage_bench.sh   (env: MODELS=1000 PER=100 REPS=2000 BUILD_DIR=build-bench)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-bench}"
MODELS=${MODELS:-1000}
PER=${PER:-100}
REPS=${REPS:-2000}
GOAL_MS=10

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target modelvault mv_lineage_bench >/dev/null
BIN="$BUILD/modelvault"
TOOL="$BUILD/bench/mv_lineage_bench"

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"   # the disk a real ./data would live on
LOAD_DIR=/dev/shm; [ -w "$LOAD_DIR" ] || LOAD_DIR="$WORK"
STAGE="$(mktemp -d "$LOAD_DIR/mv-lineage-bench.XXXXXX")"
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK" "$STAGE"; }
trap cleanup EXIT

echo "loading $MODELS models x $PER versions ..." >&2
mkdir -p "$STAGE/data"
load_out=$("$TOOL" load --data-dir "$STAGE/data" --models "$MODELS" --versions-per-model "$PER")
echo "$load_out" >&2
cp -a "$STAGE/data" "$WORK/data"
rm -rf "$STAGE"
db_mib=$(du -m "$WORK/data/modelvault.db" | cut -f1)

"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" --quiet >/dev/null 2>&1 &
PID=$!
for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
echo "querying ($REPS per kind) ..." >&2
tsv=$("$TOOL" query --port "$PORT" --models "$MODELS" --versions-per-model "$PER" --reps "$REPS")
echo "$tsv" >&2

out="$ROOT/bench/results/$(date -u +%Y-%m-%d)-lineage.md"
{
  echo "# Downstream-lineage query latency, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB;" \
       "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' || echo ' (with uncommitted changes)');" \
       "$(uname -sr); load average before querying: $LOAD (other processes share the machine)."
  echo
  echo "Data: $MODELS models x $PER versions = $((MODELS * PER)) versions, each with a run, a commit" \
       "(50 versions per commit), two datasets (sha256:train-K: 500 versions each; sha256:eval-K:" \
       "10% of all versions each), a parent (a fine-tuning chain per model; families of ten models" \
       "branching from the root model's version $((PER / 2))) and tags/params/metrics;" \
       "SQLite file ${db_mib} MiB on disk, page cache warm. Loaded through SqliteMetadataStore" \
       "(${load_out#loaded })."
  echo
  echo "Method: one client, keep-alive, sequential GETs over loopback to \`modelvault serve\`" \
       "(RelWithDebInfo), keys drawn at random, 50 warm-up requests per kind, then $REPS timed" \
       "requests per kind (request sent to body received; JSON parsed outside the timing)."
  echo
  echo "| query | versions answered | p50 ms | p90 ms | p99 ms | max ms | p99 / ${GOAL_MS} ms goal |"
  echo "|---|---|---|---|---|---|---|"
  echo "$tsv" | tail -n +2 | while IFS=$'\t' read -r kind _reps mn mx _mean p50 p90 p99 max; do
    range="$mn"; [ "$mn" != "$mx" ] && range="$mn–$mx"
    ratio=$(awk -v a="$p99" -v g="$GOAL_MS" 'BEGIN{printf "%.2f", a / g}')
    echo "| $kind | $range | $p50 | $p90 | $p99 | $max | $ratio |"
  done
  echo
  echo "Raw (tab-separated, from \`mv_lineage_bench query\`):"
  echo
  echo '```'
  echo "$tsv"
  echo '```'
} >"$out"
echo "wrote $out" >&2
