#!/usr/bin/env bash
# Dynamic batching (issue 19): the inference bench's MLP (64-256-256-10) served twice by one
# server, as two models with the same ONNX file: "plain" (no meta.serving) and "batched"
# (meta.serving.max_batch / max_delay_us). wrk posts single-item npy requests at 1, 2, 4, 8,
# 16, 32 and 64 connections (keep-alive clients), plain and batched back to back at each
# level, ROUNDS times, and reports req/s, p50 and p99 per level and mode (the median of the
# rounds), the batch sizes the server saw (/metrics) and the goal: at 64 clients >= 2x the
# req/s without batching, p99 <= max_delay_us + one batched run.
# Writes batching.csv and batching.md to $MV_BENCH_OUT.
# env: MV_BUILD, MV_BENCH_OUT, MV_BENCH_QUICK=1, MV_BENCH_THREADS (default: cores),
#      MV_BATCH_MAX (default 64), MV_BATCH_DELAY_US (default 2000), MV_BATCH_ROUNDS (3),
#      MV_BATCH_SECONDS (5)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench/inference"
PY=/usr/bin/python3  # Debian's, with torch 1.13
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
THREADS="${MV_BENCH_THREADS:-$(nproc)}"
MAX_BATCH="${MV_BATCH_MAX:-64}"
DELAY_US="${MV_BATCH_DELAY_US:-2000}"
if [ "${MV_BENCH_QUICK:-0}" = 1 ]; then ROUNDS=1 SECS=1; else
  ROUNDS="${MV_BATCH_ROUNDS:-3}" SECS="${MV_BATCH_SECONDS:-5}"; fi
CLIENTS="1 2 4 8 16 32 64"

fail() { echo "batching_bench: $*" >&2; exit 1; }

if [ -z "${MV_BUILD:-}" ]; then  # run alone: build what it needs
  MV_BUILD="$ROOT/build-bench"
  if [ ! -f "$MV_BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$MV_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
  fi
  cmake --build "$MV_BUILD" -j"$(nproc)" --target modelvault >/dev/null
fi
BIN="$MV_BUILD/modelvault"
[ -x "$BIN" ] || fail "$BIN missing"
command -v wrk >/dev/null || fail "wrk is not installed (scripts/setup-deps --bench)"
mkdir -p "$OUT"

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"
cleanup() {
  if [ -n "${PID:-}" ]; then kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "exporting the MLP ..." >&2
"$PY" -c "
import sys; sys.path.insert(0, '$HERE')
import make_models as m
m.make_mlp('$WORK/models')
for b in (1, $MAX_BATCH): m.write_bodies('$WORK/models', 'mlp', b)
" >"$WORK/export.log" 2>&1 || fail "export: $(tail -5 "$WORK/export.log")"
D="$WORK/models/mlp"

# Room for 64 waiting requests per mode plus the bench's own calls.
"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" \
  --intra-op-threads "$THREADS" --http-threads 160 >/dev/null 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the server did not start: $(tail -5 "$WORK/server.log")"
B="http://127.0.0.1:$(cat "$WORK/port")"
export MODELVAULT_TOKEN
MODELVAULT_TOKEN=$(cat "$WORK/data/admin-token")

call() {  # METHOD PATH WANT_CODE [curl args...]; the body goes to $WORK/resp
  local method=$1 path=$2 want=$3 code
  shift 3
  code=$(curl -s --oauth2-bearer "$MODELVAULT_TOKEN" -o "$WORK/resp" -w '%{http_code}' \
    -H 'Expect:' -X "$method" "$@" "$B$path")
  [ "$code" = "$want" ] || fail "$method $path answered $code, not $want: $(head -c 600 "$WORK/resp")"
}

echo "uploading plain and batched, checking parity ..." >&2
jq -c ". + {serving: {max_batch: $MAX_BATCH, max_delay_us: $DELAY_US}}" "$D/meta.json" \
  >"$WORK/meta-batched.json"
for mode in plain batched; do
  meta="$D/meta.json"; [ "$mode" = batched ] && meta="$WORK/meta-batched.json"
  call POST /api/v1/models 201 -d "{\"name\":\"mlp-$mode\"}"
  call POST "/api/v1/models/mlp-$mode/versions" 201 -F "meta=<$meta" \
    -F "model.onnx=@$D/model.onnx" -F "reference.safetensors=@$D/reference.safetensors"
  call GET "/api/v1/models/mlp-$mode/versions/1/parity?wait=600" 200
  [ "$(jq -r .checks.batch.status "$WORK/resp")" = passed ] ||
    fail "the batch check of mlp-$mode did not pass: $(head -c 800 "$WORK/resp")"
  call POST "/api/v1/models/mlp-$mode/versions/1/stage" 200 -d '{"stage":"production"}'
  # Both answer what PyTorch answered, batched or not.
  call POST "/api/v1/models/mlp-$mode/stages/production/predict" 200 \
    -H 'Content-Type: application/x-npy' --data-binary "@$D/b1.npy"
  cp "$WORK/resp" "$WORK/answer-$mode.npy"
done
"$PY" -c "
import numpy as np, io, sys
want = np.load('$D/b1.out.npy')
for m in ('plain', 'batched'):
    got = np.load('$WORK/answer-' + m + '.npy')
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-5), m
" || fail "wrong answer"

batch_hist() {  # the batch-size histogram's count and sum from /metrics
  call GET /metrics 200
  awk '/^modelvault_inference_batch_size_count/ {c=$2} /^modelvault_inference_batch_size_sum/ {s=$2}
       END {printf "%d %d\n", c, s}' "$WORK/resp"
}

# R[mode|clients] = "rps p50_ms p99_ms" of each round, appended
declare -A R
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
read -r c0 s0 <<<"$(batch_hist)"
for round in $(seq "$ROUNDS"); do
  for c in $CLIENTS; do
    # Alternate which mode goes first, so that neither always follows the other.
    modes="plain batched"; [ $(((round + c) % 2)) = 1 ] && modes="batched plain"
    for mode in $modes; do
      echo "round $round: $c clients, $mode ..." >&2
      t=1; [ "$c" -ge 2 ] && t=2
      MV_BODY="$D/b1.npy" MV_CONTENT_TYPE=application/x-npy \
        wrk -t"$t" -c"$c" -d"${SECS}s" --timeout 30s --latency -s "$HERE/post.lua" \
        "$B/api/v1/models/mlp-$mode/stages/production/predict" >"$WORK/wrk.out" 2>&1 ||
        fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
      IFS=$'\t' read -r _ n dur p50 _ p99 _ non2xx errors <<<"$(grep '^MV' "$WORK/wrk.out")"
      [ "$non2xx" = 0 ] && [ "$errors" = 0 ] ||
        fail "$mode at $c clients: $non2xx non-2xx, $errors socket errors of $n requests"
      R["$mode|$c"]+="$(awk -v n="$n" -v d="$dur" -v a="$p50" -v b="$p99" \
        'BEGIN { printf "%.1f %.3f %.3f;", n / (d / 1e6), a / 1000, b / 1000 }')"
    done
  done
done
read -r c1 s1 <<<"$(batch_hist)"
# One run of a full batch, as a client sees it: a $MAX_BATCH-row request to the plain model.
MV_BODY="$D/b$MAX_BATCH.npy" MV_CONTENT_TYPE=application/x-npy \
  wrk -t1 -c1 -d"${SECS}s" --timeout 30s --latency -s "$HERE/post.lua" \
  "$B/api/v1/models/mlp-plain/stages/production/predict" >"$WORK/wrk.out" 2>&1 ||
  fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
IFS=$'\t' read -r _ _ _ full_p50 _ _ _ _ _ <<<"$(grep '^MV' "$WORK/wrk.out")"
full_ms=$(awk -v us="$full_p50" 'BEGIN { printf "%.3f", us / 1000 }')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=

# median FIELD "a b c;a b c;..." -> the median of field FIELD (1 rps, 2 p50, 3 p99)
median() {
  tr ';' '\n' <<<"$2" | awk -v f="$1" 'NF { print $f }' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
  echo "suite,case,system,metric,value,unit"
  for c in $CLIENTS; do
    for mode in plain batched; do
      echo "batching,mlp b1 $c clients,modelvault $mode,throughput,$(median 1 "${R[$mode|$c]}"),req/s"
      echo "batching,mlp b1 $c clients,modelvault $mode,p50,$(median 2 "${R[$mode|$c]}"),ms"
      echo "batching,mlp b1 $c clients,modelvault $mode,p99,$(median 3 "${R[$mode|$c]}"),ms"
    done
  done
} >"$OUT/batching.csv"

ratio64=$(awk -v a="$(median 1 "${R[batched|64]}")" -v b="$(median 1 "${R[plain|64]}")" \
  'BEGIN { printf "%.2f", a / b }')
p99_64=$(median 3 "${R[batched|64]}")
mean_batch=$(awk -v c=$((c1 - c0)) -v s=$((s1 - s0)) 'BEGIN { printf "%.1f", c ? s / c : 0 }')
{
  echo "## batching"
  echo
  echo "The inference bench's MLP (64-256-256-10, ONNX from torch 1.13) uploaded twice to one"
  echo "server (\`--intra-op-threads $THREADS --http-threads 160\`): without meta.serving and with"
  echo "\`{\"max_batch\": $MAX_BATCH, \"max_delay_us\": $DELAY_US}\`. wrk (\`post.lua\`) posts one-row npy"
  echo "requests to each model's production predict URL over N keep-alive connections for ${SECS} s;"
  echo "plain and batched alternate at each N, $ROUNDS rounds; figures are the rounds' medians."
  echo "wrk runs on the same cores as the server. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
  echo
  echo "| clients | plain req/s | batched req/s | ratio | plain p50 ms | batched p50 ms | plain p99 ms | batched p99 ms |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  for c in $CLIENTS; do
    pr=$(median 1 "${R[plain|$c]}") br=$(median 1 "${R[batched|$c]}")
    echo "| $c | $pr | $br | $(awk -v a="$br" -v b="$pr" 'BEGIN { printf "%.2f", a / b }') |" \
      "$(median 2 "${R[plain|$c]}") | $(median 2 "${R[batched|$c]}") |" \
      "$(median 3 "${R[plain|$c]}") | $(median 3 "${R[batched|$c]}") |"
  done
  echo
  echo "Batched runs during the measurement: $((c1 - c0)), serving $((s1 - s0)) requests"
  echo "(mean batch $mean_batch; \`modelvault_inference_batch_size\` in /metrics)."
  echo
  echo "| goal | measured | met |"
  echo "|---|---|---|"
  echo "| req/s at 64 clients, batched / plain >= 2 | ${ratio64}x |" \
    "$(awk -v r="$ratio64" 'BEGIN { print (r >= 2 ? "yes" : "no") }') |"
  bound=$(awk -v d="$DELAY_US" -v r="$full_ms" 'BEGIN { printf "%.3f", d / 1000 + r }')
  echo "| batched p99 at 64 clients <= max_delay_us + one $MAX_BATCH-row request ($full_ms ms p50) = $bound ms | $p99_64 ms |" \
    "$(awk -v p="$p99_64" -v b="$bound" 'BEGIN { print (p <= b ? "yes" : "no") }') |"
} >"$OUT/batching.md"
echo "batching_bench: wrote $OUT/batching.md and batching.csv" >&2
