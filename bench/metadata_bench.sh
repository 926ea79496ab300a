#!/usr/bin/env bash
# Metadata suite of `make bench` (issue 6; bench/README.md has the contract). In one run:
#   1. `mv_lineage_bench load` puts MODELS x PER versions (100,000) with runs, commits,
#      datasets, parent chains, tags, params and metrics into a data dir through the real
#      SqliteMetadataStore (on tmpfs, then copied to disk, where the server reads it)
#   2. wrk --latency (keep-alive, WRK_THREADS threads, WRK_CONNS connections) against
#      `modelvault serve` on GET version, list versions, search and two downstream-lineage
#      queries, and against nginx serving a 1 KiB file, in the same run
#   3. the lineage queries once more from one connection (wrk -c1), and every kind of lineage
#      query from one sequential client (`mv_lineage_bench query`): the 10 ms p99 goal
# Writes $MV_BENCH_OUT/metadata.csv and metadata.md. Measures; never fails on a slow number;
# fails when something does not work (a server that does not start, a non-2xx answer).
# env: MV_BUILD (default build-bench, built here when unset), MV_BENCH_OUT, MV_BENCH_QUICK=1
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/bench/lib.sh"

ensure_build modelvault mv_lineage_bench
BIN="$MV_BUILD/modelvault"
TOOL="$MV_BUILD/bench/mv_lineage_bench"
for f in "$BIN" "$TOOL"; do [ -x "$f" ] || die "no $f (build with -DMV_BENCH=ON first)"; done
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
for tool in curl wrk nginx; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
LUA="$ROOT/bench/metadata/paths.lua"

if [ -n "${MV_BENCH_QUICK:-}" ]; then
  MODELS=100 PER=20 DURATION=2 REPS=100
else
  MODELS=1000 PER=100 DURATION=15 REPS=2000
fi
WRK_THREADS=2 WRK_CONNS=16
GOAL_MS=10
export MV_MODELS=$MODELS MV_PER=$PER

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")" # the disk a real ./data would live on
LOAD_DIR=/dev/shm
[ -w "$LOAD_DIR" ] || LOAD_DIR="$WORK"
STAGE="$(mktemp -d "$LOAD_DIR/mv-metadata-bench.XXXXXX")"
trap 'stop_all; rm -rf "$WORK" "$STAGE"' EXIT

echo "metadata: loading $MODELS models x $PER versions ..." >&2
mkdir -p "$STAGE/data"
load_out=$("$TOOL" load --data-dir "$STAGE/data" --models "$MODELS" --versions-per-model "$PER") ||
  die "mv_lineage_bench load failed"
cp -a "$STAGE/data" "$WORK/data"
rm -rf "$STAGE"
db_mib=$(du -m "$WORK/data/modelvault.db" | cut -f1)

start_server "$WORK/data"
mkdir -p "$WORK/nginx/root"
head -c 1024 /dev/urandom >"$WORK/nginx/root/1k.bin"
start_nginx "$WORK/nginx" auto "sendfile on;"

# What each kind answers (checked once; wrk counts non-2xx answers as errors too).
answered() { # KIND PATH: the number of versions in the answer, or "1" for a single version
  curl_ok 200 "$BASE$2"
  /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["versions"]) if "versions" in d else 1)' <"$WORK/curl.body"
}
declare -A ANSWER LABEL
LABEL[version]="GET version JSON"
LABEL[list]="list versions of a model"
LABEL[search]="search versions (filter)"
LABEL[lineage]="lineage: parent transitive"
LABEL[dataset]="lineage: dataset train-K"
ANSWER[version]=$(answered version "/api/v1/models/m0001/versions/$((PER / 2))")
ANSWER[list]=$(answered list "/api/v1/models/m0001/versions")
ANSWER[search]=$(answered search "/api/v1/versions?filter=tags.team%20%3D%20%27vision%27%20AND%20metrics.top1%20%3E%3D%200.700")
ANSWER[lineage]=$(answered lineage "/api/v1/lineage?transitive=true&parent=m0001:1")
ANSWER[dataset]=$(answered dataset "/api/v1/lineage?dataset=sha256:train-1")
curl_ok 200 "$NGINX_BASE/1k.bin"

# run_wrk KIND BASE THREADS CONNS: sets RPS P50 P90 P99 MAX (ms) and ERRS; fails on non-2xx.
run_wrk() {
  local line
  line=$(MV_KIND=$1 wrk -t"$3" -c"$4" -d"${DURATION}s" --latency -s "$LUA" "$2" | grep '^WRK ') ||
    die "wrk $1 failed"
  local kv W_requests='' W_duration_us='' W_non2xx='' W_connect='' W_read='' W_write=''
  local W_timeout='' W_p50_us='' W_p90_us='' W_p99_us='' W_max_us=''
  for kv in ${line#WRK }; do printf -v "W_${kv%%=*}" '%s' "${kv#*=}"; done
  [ "$W_non2xx" = 0 ] || die "wrk $1: $W_non2xx answers were not 2xx"
  RPS=$(awk -v n="$W_requests" -v d="$W_duration_us" 'BEGIN {printf "%.0f", n / (d / 1e6)}')
  P50=$(awk -v u="$W_p50_us" 'BEGIN {printf "%.2f", u / 1000}')
  P90=$(awk -v u="$W_p90_us" 'BEGIN {printf "%.2f", u / 1000}')
  P99=$(awk -v u="$W_p99_us" 'BEGIN {printf "%.2f", u / 1000}')
  MAX=$(awk -v u="$W_max_us" 'BEGIN {printf "%.2f", u / 1000}')
  ERRS="connect $W_connect, read $W_read, write $W_write, timeout $W_timeout"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CSV="$OUT/metadata.csv" ROWS="$WORK/rows.md"
echo "suite,case,system,metric,value,unit" >"$CSV"
: >"$ROWS"
record() { # CASE SYSTEM CONNS ANSWERED
  {
    echo "metadata,$1,$2,throughput,$RPS,req/s"
    echo "metadata,$1,$2,p50,$P50,ms"
    echo "metadata,$1,$2,p99,$P99,ms"
  } >>"$CSV"
  echo "| $1 | $2 | $3 | $4 | $RPS | $P50 | $P90 | $P99 | $MAX | $ERRS |" >>"$ROWS"
}

echo "metadata: wrk, ${DURATION}s per figure ..." >&2
run_wrk file "$NGINX_BASE" $WRK_THREADS $WRK_CONNS
record "GET 1 KiB file" "nginx" $WRK_CONNS "1 KiB"
NGINX_RPS=$RPS
for kind in version list search lineage dataset; do
  run_wrk "$kind" "$BASE" $WRK_THREADS $WRK_CONNS
  record "${LABEL[$kind]}" "modelvault" $WRK_CONNS "${ANSWER[$kind]} version(s)"
  [ "$kind" = version ] && VERSION_RPS=$RPS
  [ "$kind" = lineage ] && LINEAGE_P99_LOADED=$P99
done
for kind in lineage dataset; do
  run_wrk "$kind" "$BASE" 1 1
  record "${LABEL[$kind]} (1 connection)" "modelvault" 1 "${ANSWER[$kind]} version(s)"
done

echo "metadata: lineage queries from one sequential client ($REPS each) ..." >&2
tsv=$("$TOOL" query --port "${BASE##*:}" --models "$MODELS" --versions-per-model "$PER" --reps "$REPS") ||
  die "mv_lineage_bench query failed"
worst_p99=0 worst_kind=""
LINEAGE_ROWS=$(echo "$tsv" | tail -n +2 | while IFS=$'\t' read -r kind _reps mn mx _mean p50 p90 p99 max; do
  range="$mn"
  [ "$mn" != "$mx" ] && range="$mn–$mx"
  echo "| $kind | $range | $p50 | $p90 | $p99 | $max | $(ratio "$p99" "$GOAL_MS") |"
done)
while IFS=$'\t' read -r kind _reps _mn _mx _mean p50 _p90 p99 _max; do
  echo "metadata,lineage ${kind//,/;} (1 client),modelvault,p50,$p50,ms" >>"$CSV"
  echo "metadata,lineage ${kind//,/;} (1 client),modelvault,p99,$p99,ms" >>"$CSV"
  if awk -v a="$p99" -v b="$worst_p99" 'BEGIN {exit !(a > b)}'; then
    worst_p99=$p99 worst_kind=$kind
  fi
done < <(echo "$tsv" | tail -n +2)
stop_nginx
stop_server

# The price of authentication: GET version with the admin token above against the same
# server with --auth off (no header, no lookup).
echo "metadata: GET version with --auth off ..." >&2
start_server "$WORK/data" --auth off
run_wrk version "$BASE" $WRK_THREADS $WRK_CONNS
record "${LABEL[version]}, --auth off" "modelvault" $WRK_CONNS "${ANSWER[version]} version(s)"
VERSION_NOAUTH_RPS=$RPS
stop_server

{
  echo "## Metadata: GET version, list, search, lineage"
  echo
  echo "Data: $MODELS models x $PER versions = $((MODELS * PER)) versions loaded through" \
    "SqliteMetadataStore by \`mv_lineage_bench load\` (${load_out#loaded }), each with a run," \
    "a commit (50 versions per commit), two datasets (sha256:train-K: 500 versions each;" \
    "sha256:eval-K: 10% of all versions each), a parent (a fine-tuning chain per model;" \
    "families of ten models branching from the root model's version $((PER / 2))) and" \
    "tags/params/metrics; SQLite file ${db_mib} MiB on disk, page cache warm."
  echo
  echo "Method: wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') \`--latency\`, keep-alive," \
    "${DURATION} s per row, keys drawn at random per request (bench/metadata/paths.lua)," \
    "$WRK_THREADS wrk threads and $WRK_CONNS connections unless the row says 1. wrk, the" \
    "server and nginx share the machine's $(nproc) cores, so each rate is what the machine" \
    "serves with the load generator on it. modelvault: \`modelvault serve\` (RelWithDebInfo," \
    "16 HTTP threads). nginx: the same run, \`worker_processes auto\`, \`sendfile on\`," \
    "access log off, a 1 KiB file. Load average before wrk: $LOAD."
  echo
  echo "| request | server | connections | answer | req/s | p50 ms | p90 ms | p99 ms | max ms | socket errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$ROWS"
  echo
  echo "Every kind of downstream-lineage query from one sequential client (\`mv_lineage_bench" \
    "query\`: keep-alive, 50 warm-up requests per kind, then $REPS timed requests per kind," \
    "request sent to body received):"
  echo
  echo "| lineage query | versions answered | p50 ms | p90 ms | p99 ms | max ms | p99 / ${GOAL_MS} ms |"
  echo "|---|---|---|---|---|---|---|"
  echo "$LINEAGE_ROWS"
  echo
  echo "**Goals**"
  echo
  echo "| goal | measured | ratio/bound | met? |"
  echo "|---|---|---|---|"
  goal_row "GET version ≥ 0.5× nginx's 1 KiB file rate" "$VERSION_RPS vs $NGINX_RPS req/s" \
    "$(ratio "$VERSION_RPS" "$NGINX_RPS")" "$(ratio "$VERSION_RPS" "$NGINX_RPS")" 0.5 ge
  goal_row "GET version with a token ≥ 0.95× --auth off" "$VERSION_RPS vs $VERSION_NOAUTH_RPS req/s" \
    "$(ratio "$VERSION_RPS" "$VERSION_NOAUTH_RPS")" "$(ratio "$VERSION_RPS" "$VERSION_NOAUTH_RPS")" 0.95 ge
  goal_row "lineage p99 < ${GOAL_MS} ms (one client; worst kind: $worst_kind)" "$worst_p99 ms" \
    "$(ratio "$worst_p99" "$GOAL_MS") of the bound" "$worst_p99" "$GOAL_MS" lt
  goal_row "lineage p99 < ${GOAL_MS} ms under wrk's $WRK_CONNS connections (parent transitive)" \
    "$LINEAGE_P99_LOADED ms" "$(ratio "$LINEAGE_P99_LOADED" "$GOAL_MS") of the bound" \
    "$LINEAGE_P99_LOADED" "$GOAL_MS" lt
  echo
  if [ -n "${MV_BENCH_QUICK:-}" ]; then
    echo "QUICK smoke run ($((MODELS * PER)) versions, ${DURATION} s per row): these figures mean nothing."
    echo
  fi
  cat "$ROOT/bench/metadata/notes.md"
} >"$OUT/metadata.md"
echo "metadata: wrote $OUT/metadata.csv and $OUT/metadata.md" >&2
