#!/usr/bin/env bash
# Dynamic batching (issue 19), on two models served by one server, each uploaded twice with
# the same ONNX file: "plain" (no meta.serving) and "batched" (meta.serving.max_batch /
# max_delay_us):
#   mlp       the inference bench's MLP 64-256-256-10: its run is a small part of a request
#   mlp-wide  512-2048-2048-10 (21 MB of weights): its run is most of a request
# wrk posts single-item npy requests at 1, 2, 4, 8, 16, 32 and 64 connections (keep-alive
# clients); at each level plain and batched run back to back, in alternating order, ROUNDS
# times, models interleaved. Per run it records req/s, p50, p99, the server's CPU time per
# request (/proc/PID/stat), wrk's own CPU time per request, the mean batch (/metrics) and
# what started the batches. In-process ONNX Runtime (bench/mv_ort_bench) times one run of
# 1 and of MAX_BATCH rows of each model, which gives the share of a request's CPU that
# batching can save. Figures are the rounds' medians. Goals: at 64 clients >= 2x the req/s
# without batching; p99 <= max_delay_us + one batched run.
# Writes batching.csv and batching.md to $MV_BENCH_OUT.
# env: MV_BUILD, MV_BENCH_OUT, MV_BENCH_QUICK=1, MV_BENCH_THREADS (default: cores),
#      MV_BATCH_MAX (default 64), MV_BATCH_DELAY_US (default 2000), MV_BATCH_ROUNDS (3),
#      MV_BATCH_SECONDS (4), MV_BATCH_MODELS ("mlp mlp-wide"), MV_BATCH_CLIENTS
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench/inference"
PY=/usr/bin/python3  # Debian's, with torch 1.13
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
THREADS="${MV_BENCH_THREADS:-$(nproc)}"
MAX_BATCH="${MV_BATCH_MAX:-64}"
DELAY_US="${MV_BATCH_DELAY_US:-2000}"
MODELS="${MV_BATCH_MODELS:-mlp mlp-wide}"
CLIENTS="${MV_BATCH_CLIENTS:-1 2 4 8 16 32 64}"
if [ "${MV_BENCH_QUICK:-0}" = 1 ]; then ROUNDS=1 SECS=1; else
  ROUNDS="${MV_BATCH_ROUNDS:-3}" SECS="${MV_BATCH_SECONDS:-4}"; fi
TOP=${CLIENTS##* }  # the goal's level: the last one

fail() { echo "batching_bench: $*" >&2; exit 1; }

if [ -z "${MV_BUILD:-}" ]; then  # run alone: build what it needs
  MV_BUILD="$ROOT/build-bench"
  if [ ! -f "$MV_BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$MV_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
  fi
  cmake --build "$MV_BUILD" -j"$(nproc)" --target modelvault mv_ort_bench >/dev/null
fi
BIN="$MV_BUILD/modelvault"
ORT_BENCH="$MV_BUILD/bench/mv_ort_bench"
[ -x "$BIN" ] || fail "$BIN missing"
[ -x "$ORT_BENCH" ] || fail "$ORT_BENCH missing (configure with -DMV_BENCH=ON)"
command -v wrk >/dev/null || fail "wrk is not installed (scripts/setup-deps --bench)"
mkdir -p "$OUT"

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"
cleanup() {
  if [ -n "${PID:-}" ]; then kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "exporting the models ..." >&2
"$PY" -c "
import sys; sys.path.insert(0, '$HERE')
import make_models as m
m.make_mlp('$WORK/models')
m.make_wide_mlp('$WORK/models')
for name in ('mlp', 'mlp-wide'):
    for b in (1, $MAX_BATCH): m.write_bodies('$WORK/models', name, b)
" >"$WORK/export.log" 2>&1 || fail "export: $(tail -5 "$WORK/export.log")"

# In process: one run of 1 and of MAX_BATCH rows, p50 in ms (the engine's session options).
declare -A RUN_MS
for m in $MODELS; do
  width=$("$PY" -c "import numpy as np; print(np.load('$WORK/models/$m/b1.npy').shape[1])")
  for b in 1 "$MAX_BATCH"; do
    line=$("$ORT_BENCH" "$WORK/models/$m/model.onnx" --shape "$b,$width" --threads "$THREADS" \
      --seconds 2) || fail "mv_ort_bench $m batch $b failed"
    RUN_MS["$m|$b"]=$(cut -f3 <<<"$line")
  done
done

# Room for 64 waiting requests per model and mode plus the bench's own calls.
"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" \
  --intra-op-threads "$THREADS" --http-threads 300 >/dev/null 2>"$WORK/server.log" &
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
for m in $MODELS; do
  D="$WORK/models/$m"
  jq -c ". + {serving: {max_batch: $MAX_BATCH, max_delay_us: $DELAY_US}}" "$D/meta.json" \
    >"$WORK/meta-$m-batched.json"
  for mode in plain batched; do
    meta="$D/meta.json"; [ "$mode" = batched ] && meta="$WORK/meta-$m-batched.json"
    call POST /api/v1/models 201 -d "{\"name\":\"$m-$mode\"}"
    call POST "/api/v1/models/$m-$mode/versions" 201 -F "meta=<$meta" \
      -F "model.onnx=@$D/model.onnx" -F "reference.safetensors=@$D/reference.safetensors"
    call GET "/api/v1/models/$m-$mode/versions/1/parity?wait=600" 200
    [ "$(jq -r .checks.batch.status "$WORK/resp")" = passed ] ||
      fail "the batch check of $m-$mode did not pass: $(head -c 800 "$WORK/resp")"
    call POST "/api/v1/models/$m-$mode/versions/1/stage" 200 -d '{"stage":"production"}'
    call POST "/api/v1/models/$m-$mode/stages/production/predict" 200 \
      -H 'Content-Type: application/x-npy' --data-binary "@$D/b1.npy"
    cp "$WORK/resp" "$WORK/answer-$m-$mode.npy"
  done
  # Both answer what PyTorch answered, batched or not.
  "$PY" -c "
import numpy as np
want = np.load('$D/b1.out.npy')
for mode in ('plain', 'batched'):
    got = np.load('$WORK/answer-$m-' + mode + '.npy')
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-4), mode
" || fail "wrong answer from $m"
done

# "count sum idle full run_ended deadline runs run_seconds" from /metrics: the batcher's, and
# the runs of model $1 (for a batched version its run time includes the wait in the batcher)
batch_state() {
  call GET /metrics 200
  awk -v l="{model=\"$1\",version=\"1\"}" '
       $1 == "modelvault_inference_duration_seconds_count" l {n=$2}
       $1 == "modelvault_inference_duration_seconds_sum" l {t=$2}
       /^modelvault_inference_batch_size_count/ {c=$2} /^modelvault_inference_batch_size_sum/ {s=$2}
       /^modelvault_inference_batches_total\{trigger="idle"\}/ {i=$2}
       /^modelvault_inference_batches_total\{trigger="full"\}/ {f=$2}
       /^modelvault_inference_batches_total\{trigger="run_ended"\}/ {r=$2}
       /^modelvault_inference_batches_total\{trigger="deadline"\}/ {d=$2}
       END {printf "%d %d %d %d %d %d %d %.6f\n", c, s, i, f, r, d, n, t}' "$WORK/resp"
}
server_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)

# R[model|mode|clients] = "rps p50_ms p99_ms server_us/req wrk_us/req mean_batch
# engine_ms wrk_mean_ms;" per round (engine_ms: the mean time in ServingService::Run)
# T[model] = "idle full run_ended deadline" summed over the batched runs
declare -A R T
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
  for c in $CLIENTS; do
    for m in $MODELS; do
      # Alternate which mode goes first, so that neither always follows the other.
      modes="plain batched"; [ $(((round + c) % 2)) = 1 ] && modes="batched plain"
      for mode in $modes; do
        echo "round $round: $m, $c clients, $mode ..." >&2
        t=1; [ "$c" -ge 2 ] && t=2
        read -r c0 s0 i0 f0 r0 d0 e0 t0 <<<"$(batch_state "$m-$mode")"
        k0=$(server_ticks)
        TIMEFORMAT='%U %S'
        { time MV_BODY="$WORK/models/$m/b1.npy" MV_CONTENT_TYPE=application/x-npy \
          wrk -t"$t" -c"$c" -d"${SECS}s" --timeout 30s --latency -s "$HERE/post.lua" \
          "$B/api/v1/models/$m-$mode/stages/production/predict" >"$WORK/wrk.out" 2>&1; } \
          2>"$WORK/wrk.time" || fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
        k1=$(server_ticks)
        read -r c1 s1 i1 f1 r1 d1 e1 t1 <<<"$(batch_state "$m-$mode")"
        IFS=$'\t' read -r _ n dur p50 _ p99 mean non2xx errors <<<"$(grep '^MV' "$WORK/wrk.out")"
        [ "$non2xx" = 0 ] && [ "$errors" = 0 ] ||
          fail "$m $mode at $c clients: $non2xx non-2xx, $errors socket errors of $n requests"
        read -r wu ws <"$WORK/wrk.time"
        R["$m|$mode|$c"]+="$(awk -v n="$n" -v d="$dur" -v a="$p50" -v b="$p99" \
          -v k=$((k1 - k0)) -v hz="$HZ" -v w="$(awk -v u="$wu" -v s="$ws" 'BEGIN{print u+s}')" \
          -v bc=$((c1 - c0)) -v bs=$((s1 - s0)) -v en=$((e1 - e0)) -v et="$t0 $t1" \
          -v wm="$mean" 'BEGIN {
            split(et, tt, " ")
            printf "%.1f %.3f %.3f %.1f %.1f %.1f %.3f %.3f;", n / (d / 1e6), a / 1000, b / 1000,
              k / hz * 1e6 / n, w * 1e6 / n, bc ? bs / bc : 1,
              en ? (tt[2] - tt[1]) * 1000 / en : 0, wm / 1000 }')"
        if [ "$mode" = batched ]; then
          read -r ti tf tr td <<<"${T[$m]:-0 0 0 0}"
          T[$m]="$((ti + i1 - i0)) $((tf + f1 - f0)) $((tr + r1 - r0)) $((td + d1 - d0))"
        fi
      done
    done
  done
done
# One full batch as a client sees it: a MAX_BATCH-row request to the plain model.
declare -A FULL_MS
for m in $MODELS; do
  MV_BODY="$WORK/models/$m/b$MAX_BATCH.npy" MV_CONTENT_TYPE=application/x-npy \
    wrk -t1 -c1 -d"${SECS}s" --timeout 30s --latency -s "$HERE/post.lua" \
    "$B/api/v1/models/$m-plain/stages/production/predict" >"$WORK/wrk.out" 2>&1 ||
    fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
  IFS=$'\t' read -r _ _ _ full_p50 _ _ _ _ _ <<<"$(grep '^MV' "$WORK/wrk.out")"
  FULL_MS[$m]=$(awk -v us="$full_p50" 'BEGIN { printf "%.3f", us / 1000 }')
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=

# median FIELD "a b c;a b c;..." -> the median of field FIELD
median() {
  tr ';' '\n' <<<"$2" | awk -v f="$1" 'NF { print $f }' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

{
  echo "suite,case,system,metric,value,unit"
  for m in $MODELS; do
    for c in $CLIENTS; do
      for mode in plain batched; do
        v=${R[$m|$mode|$c]}
        echo "batching,$m b1 $c clients,modelvault $mode,throughput,$(median 1 "$v"),req/s"
        echo "batching,$m b1 $c clients,modelvault $mode,p50,$(median 2 "$v"),ms"
        echo "batching,$m b1 $c clients,modelvault $mode,p99,$(median 3 "$v"),ms"
        echo "batching,$m b1 $c clients,modelvault $mode,server cpu,$(median 4 "$v"),us/request"
      done
    done
  done
} >"$OUT/batching.csv"

{
  echo "## batching"
  echo
  echo "Two models, each uploaded twice to one server (\`--intra-op-threads $THREADS --http-threads 300\`):"
  echo "without meta.serving (plain) and with \`{\"max_batch\": $MAX_BATCH, \"max_delay_us\": $DELAY_US}\`"
  echo "(batched; greedy: a request runs at once when no run of its model is under way, else"
  echo "it joins the group that runs when that run ends, the group is full or max_delay_us has"
  echo "passed). wrk (\`post.lua\`) posts one-row npy requests over N keep-alive connections for"
  echo "${SECS} s; plain and batched alternate at each N, models interleaved, $ROUNDS rounds; figures"
  echo "are the rounds' medians. wrk runs on the same cores as the server. Server CPU is the"
  echo "server process's user+system time per request; wrk CPU the same for wrk. Load average"
  echo "before: $LOAD_BEFORE; after: $LOAD_AFTER."
  for m in $MODELS; do
    echo
    echo "### $m"
    echo
    echo "| clients | plain req/s | batched req/s | ratio | plain p50 ms | batched p50 ms | plain p99 ms | batched p99 ms | mean batch | batched: mean ms in batcher / at client | server CPU µs/req plain | batched | wrk CPU µs/req plain |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for c in $CLIENTS; do
      p=${R[$m|plain|$c]} b=${R[$m|batched|$c]}
      echo "| $c | $(median 1 "$p") | $(median 1 "$b") | $(div "$(median 1 "$b")" "$(median 1 "$p")") |" \
        "$(median 2 "$p") | $(median 2 "$b") | $(median 3 "$p") | $(median 3 "$b") |" \
        "$(median 6 "$b") | $(median 7 "$b") / $(median 8 "$b") |" \
        "$(median 4 "$p") | $(median 4 "$b") | $(median 5 "$p") |"
    done
    read -r ti tf tr td <<<"${T[$m]}"
    echo
    echo "Batches started (all levels, all rounds): idle $ti, run_ended $tr, full $tf, deadline $td."
    # Where a plain one-row request's CPU goes at the top level, and what batching can save.
    p=${R[$m|plain|$TOP]}
    srv=$(median 4 "$p") wrkc=$(median 5 "$p")
    r1=$(awk -v ms="${RUN_MS[$m|1]}" 'BEGIN { printf "%.1f", ms * 1000 }')
    rn=$(awk -v ms="${RUN_MS[$m|$MAX_BATCH]}" -v n="$MAX_BATCH" 'BEGIN { printf "%.1f", ms * 1000 / n }')
    echo
    echo "In-process ONNX Runtime (mv_ort_bench, $THREADS threads, p50): one row $r1 µs; $MAX_BATCH rows ${RUN_MS[$m|$MAX_BATCH]} ms, $rn µs per row."
    echo "At $TOP clients a plain request costs $srv µs of server CPU and $wrkc µs of wrk's, so the"
    echo "run is $(awk -v r="$r1" -v s="$srv" -v w="$wrkc" 'BEGIN { printf "%.0f", 100 * r / (s + w) }') % of the machine's CPU per request; if batching cut every run to its"
    echo "$MAX_BATCH-row cost per row and added nothing, req/s could rise at most"
    echo "$(awk -v r="$r1" -v q="$rn" -v s="$srv" -v w="$wrkc" 'BEGIN { printf "%.2f", (s + w) / (s + w - r + q) }')x (CPU-bound: both cores busy)."
  done
  echo
  echo "| goal | model | measured | met |"
  echo "|---|---|---|---|"
  for m in $MODELS; do
    ratio=$(div "$(median 1 "${R[$m|batched|$TOP]}")" "$(median 1 "${R[$m|plain|$TOP]}")")
    echo "| req/s at $TOP clients, batched / plain >= 2 | $m | ${ratio}x |" \
      "$(awk -v r="$ratio" 'BEGIN { print (r >= 2 ? "yes" : "no") }') |"
    p99=$(median 3 "${R[$m|batched|$TOP]}")
    bound=$(awk -v d="$DELAY_US" -v r="${FULL_MS[$m]}" 'BEGIN { printf "%.3f", d / 1000 + r }')
    echo "| batched p99 at $TOP clients <= max_delay_us + one $MAX_BATCH-row request (${FULL_MS[$m]} ms p50) = $bound ms | $m | $p99 ms |" \
      "$(awk -v p="$p99" -v b="$bound" 'BEGIN { print (p <= b ? "yes" : "no") }') |"
  done
} >"$OUT/batching.md"
echo "batching_bench: wrote $OUT/batching.md and batching.csv" >&2
