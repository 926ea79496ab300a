#!/usr/bin/env bash
# Inference latency and throughput (issue 6's inference part; issue 5's goals), in one run:
#   1. exports an MLP (64-256-256-10) and ResNet-18 (random weights, dynamic batch axis) to
#      ONNX and TorchScript with Debian's torch 1.13, with request bodies for batch 1 and 8
#      (bench/inference/make_models.py)
#   2. starts `modelvault serve --intra-op-threads N` (everything else its defaults),
#      uploads both through the HTTP API with their reference data, waits for the parity
#      verdict, promotes to production and checks every endpoint's answer against PyTorch
#   3. times, with the same N intra-op threads everywhere: ONNX Runtime in process
#      (bench/mv_ort_bench, the engine's session options, spinning off and on), PyTorch eager
#      and TorchScript (bench/inference/torch_bench.py), and over HTTP with wrk: OIP JSON,
#      OIP binary tensors (binary output too) and npy predict; sequential (1 connection) for
#      latency, then a few connections for throughput
# Writes inference.csv and inference.md to $MV_BENCH_OUT (see /work/notes/bench-contract.md).
# It measures; it fails only when something does not work (a request errs, a wrong answer).
# env: MV_BUILD, MV_BENCH_OUT, MV_BENCH_QUICK=1 (smoke run), MV_BENCH_THREADS (default: cores),
#      MV_BENCH_PAIRED="ROUNDS SECONDS" (the interleaved ResNet-18 b1 rounds),
#      MV_BENCH_PAIRED_ONLY=1 (only those rounds: in-process vs OIP binary, npy and JSON)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/bench/inference"
PY=/usr/bin/python3  # Debian's, with torch 1.13 (the python3 on PATH may lack it)
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
THREADS="${MV_BENCH_THREADS:-$(nproc)}"
QUICK="${MV_BENCH_QUICK:-0}"
if [ "$QUICK" = 1 ]; then
  MLP_S=1 RESNET_S=2 INPROC_S=1
else
  MLP_S=8 RESNET_S=12 INPROC_S=8
fi
MLP_CONNS=8     # throughput runs: wrk -t1 -c<conns>
RESNET_CONNS=2
BATCHES="1 8"

fail() { echo "inference_bench: $*" >&2; exit 1; }

if [ -z "${MV_BUILD:-}" ]; then  # run alone: build what it needs
  MV_BUILD="$ROOT/build-bench"
  if [ ! -f "$MV_BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$MV_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
  fi
  targets=(modelvault mv_ort_bench)
  if cmake --build "$MV_BUILD" --target help | grep -q modelvault-torch-worker; then
    targets+=(modelvault-torch-worker)
  fi
  cmake --build "$MV_BUILD" -j"$(nproc)" --target "${targets[@]}" >/dev/null
fi
BIN="$MV_BUILD/modelvault"
ORT_BENCH="$MV_BUILD/bench/mv_ort_bench"
[ -x "$BIN" ] && [ -x "$ORT_BENCH" ] || fail "$BIN or $ORT_BENCH missing: build with -DMV_BENCH=ON"
command -v wrk >/dev/null || fail "wrk is not installed (scripts/setup-deps --bench)"
[ -x "$MV_BUILD/modelvault-torch-worker" ] || echo "inference_bench: no TorchScript worker:" \
  "the torchscript parity check will be skipped" >&2

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"  # the data dir, on the disk ./data is on
SRC_DIR=/dev/shm; [ -w "$SRC_DIR" ] || SRC_DIR="$WORK"
MODELS="$(mktemp -d "$SRC_DIR/mv-inference-bench.XXXXXX")"
cleanup() {
  if [ -n "${PID:-}" ]; then kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; fi
  rm -rf "$WORK" "$MODELS"
}
trap cleanup EXIT

echo "exporting the models ..." >&2
"$PY" "$HERE/make_models.py" "$MODELS" >/dev/null 2>"$WORK/export.log" ||
  fail "make_models.py failed: $(tail -5 "$WORK/export.log")"

"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" \
  --intra-op-threads "$THREADS" >/dev/null 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the server did not start: $(tail -5 "$WORK/server.log")"
B="http://127.0.0.1:$(cat "$WORK/port")"
# Auth is on: the first start wrote the admin token; curl and wrk (post.lua) send it.
export MODELVAULT_TOKEN
MODELVAULT_TOKEN=$(cat "$WORK/data/admin-token") || fail "no admin-token: $(tail -5 "$WORK/server.log")"

# call METHOD PATH WANT_CODE [curl args...]: the body goes to $WORK/resp, the headers to
# $WORK/resp.headers.
call() {
  local method=$1 path=$2 want=$3 code
  shift 3
  code=$(curl -s --oauth2-bearer "$MODELVAULT_TOKEN" -o "$WORK/resp" -D "$WORK/resp.headers" -w '%{http_code}' -H 'Expect:' -X "$method" "$@" "$B$path")
  [ "$code" = "$want" ] || fail "$method $path answered $code, not $want: $(head -c 600 "$WORK/resp")"
}

echo "uploading, checking parity, promoting ..." >&2
for m in mlp resnet18; do
  d="$MODELS/$m"
  call POST /api/v1/models 201 -d "{\"name\":\"bench-$m\"}"
  call POST "/api/v1/models/bench-$m/versions" 201 -F "meta=<$d/meta.json" \
    -F "model.onnx=@$d/model.onnx" -F "traced.pt=@$d/traced.pt" -F "weights.pt=@$d/weights.pt" \
    -F "reference.safetensors=@$d/reference.safetensors"
done
PARITY_S=()
for m in mlp resnet18; do
  call GET "/api/v1/models/bench-$m/versions/1/parity?wait=600" 200
  status=$(jq -r .status "$WORK/resp")
  [ "$status" = passed ] || fail "parity of bench-$m is $status: $(head -c 1500 "$WORK/resp")"
  PARITY_S+=("$m: $(jq -r '[.checks | to_entries[] | "\(.key) \(.value.status)"] | join(", ")' \
    "$WORK/resp" 2>/dev/null || echo passed)")
  call POST "/api/v1/models/bench-$m/versions/1/stage" 200 -d '{"stage":"production"}'
done

# The three ways to ask, for model $1 and batch $2: the URL, the body file, the Content-Type
# and the Inference-Header-Content-Length (empty when there is none).
ENDPOINTS="oip-json oip-binary npy"
endpoint() {
  local m=$1 b=$2 kind=$3 d="$MODELS/$1"
  case $kind in
    oip-json) echo "$B/v2/models/bench-$m/infer $d/b$b.json application/json -" ;;
    oip-binary) echo "$B/v2/models/bench-$m/infer $d/b$b.bin application/octet-stream" \
                     "$(cat "$d/b$b.bin.hlen")" ;;
    npy) echo "$B/api/v1/models/bench-$m/stages/production/predict $d/b$b.npy" \
              "application/x-npy -" ;;
  esac
}

echo "checking the answers ..." >&2
for m in mlp resnet18; do
  for b in $BATCHES; do
    for kind in $ENDPOINTS; do
      read -r url body ctype hlen <<<"$(endpoint "$m" "$b" "$kind")"
      headers=(-H "Content-Type: $ctype")
      [ "$hlen" = - ] || headers+=(-H "Inference-Header-Content-Length: $hlen")
      call POST "${url#"$B"}" 200 "${headers[@]}" --data-binary "@$body"
      cp "$WORK/resp" "$WORK/answer.$kind"
      cp "$WORK/resp.headers" "$WORK/answer.$kind.headers"
    done
    answer_hlen=$(tr -d '\r' <"$WORK/answer.oip-binary.headers" |
      sed -n 's/^inference-header-content-length: *//Ip' | tail -1)
    "$PY" "$HERE/check_answers.py" "$MODELS/$m" "$b" "$WORK/answer.oip-json" \
      "$WORK/answer.oip-binary" "$answer_hlen" "$WORK/answer.npy" ||
      fail "wrong answer (above)"
  done
done

# Results: R["case|system|metric"] = value; ROWS keeps the CSV order.
declare -A R
ROWS=()
put() {  # case system metric value unit
  R["$1|$2|$3"]=$4
  ROWS+=("inference,$1,$2,$3,$4,$5")
}
# put_tsv CASE LINE: a line "system runs p50 p90 p99 mean samples/s" from the in-process tools.
put_tsv() {
  local case=$1 system runs p50 p90 p99 mean rate
  IFS=$'\t' read -r system runs p50 p90 p99 mean rate <<<"$2"
  put "$case" "$system" p50 "$p50" ms
  put "$case" "$system" p90 "$p90" ms
  put "$case" "$system" p99 "$p99" ms
  put "$case" "$system" "throughput 1 caller" "$rate" samples/s
  RUNS["$case|$system"]=$runs
}
declare -A RUNS

# wrk_run CASE SYSTEM CONNS SECONDS BATCH URL BODY CTYPE HLEN
wrk_run() {
  local case=$1 system=$2 conns=$3 secs=$4 batch=$5 url=$6 body=$7 ctype=$8 hlen=$9 line
  [ "$hlen" = - ] && hlen=
  MV_BODY="$body" MV_CONTENT_TYPE="$ctype" MV_HEADER_LENGTH="$hlen" \
    wrk -t1 -c"$conns" -d"${secs}s" --timeout 60s --latency -s "$HERE/post.lua" "$url" \
    >"$WORK/wrk.out" 2>&1 || fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
  line=$(grep '^MV' "$WORK/wrk.out") || fail "no summary from wrk: $(tail -5 "$WORK/wrk.out")"
  local _ requests dur p50 p90 p99 mean non2xx errors
  IFS=$'\t' read -r _ requests dur p50 p90 p99 mean non2xx errors <<<"$line"
  [ "$non2xx" = 0 ] && [ "$errors" = 0 ] ||
    fail "$case $system: $non2xx non-2xx answers, $errors socket errors of $requests requests"
  local rate ms
  rate=$(awk -v n="$requests" -v d="$dur" -v b="$batch" 'BEGIN { printf "%.1f", n * b / (d / 1e6) }')
  if [ "$conns" = 1 ]; then
    for p in p50:$p50 p90:$p90 p99:$p99; do
      ms=$(awk -v us="${p#*:}" 'BEGIN { printf "%.3f", us / 1000 }')
      put "$case" "$system" "${p%%:*}" "$ms" ms
    done
    put "$case" "$system" "throughput 1 caller" "$rate" samples/s
    RUNS["$case|$system"]=$requests
  else
    put "$case" "$system" "throughput $conns callers" "$rate" samples/s
    put "$case" "$system" "p50 $conns callers" "$(awk -v us="$p50" 'BEGIN { printf "%.3f", us / 1000 }')" ms
  fi
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE_MODELS="mlp resnet18"
[ "${MV_BENCH_PAIRED_ONLY:-0}" = 1 ] && TABLE_MODELS=
for m in $TABLE_MODELS; do
  if [ "$m" = mlp ]; then secs=$MLP_S conns=$MLP_CONNS shape=64; else
    secs=$RESNET_S conns=$RESNET_CONNS shape=3,224,224; fi
  for b in $BATCHES; do
    case="$m b$b"
    echo "measuring $case ..." >&2
    put_tsv "$case" "$("$ORT_BENCH" "$MODELS/$m/model.onnx" --shape "$b,$shape" \
      --threads "$THREADS" --seconds "$INPROC_S")"
    put_tsv "$case" "$("$ORT_BENCH" "$MODELS/$m/model.onnx" --shape "$b,$shape" \
      --threads "$THREADS" --seconds "$INPROC_S" --spinning)"
    "$PY" "$HERE/torch_bench.py" "$MODELS" "$m" "$b" "$THREADS" "$INPROC_S" >"$WORK/torch.tsv" \
      2>"$WORK/torch.log" || fail "torch_bench.py failed: $(tail -5 "$WORK/torch.log")"
    while IFS= read -r line; do put_tsv "$case" "$line"; done <"$WORK/torch.tsv"
    for kind in $ENDPOINTS; do
      read -r url body ctype hlen <<<"$(endpoint "$m" "$b" "$kind")"
      wrk_run "$case" "modelvault $kind" 1 "$secs" "$b" "$url" "$body" "$ctype" "$hlen"
      wrk_run "$case" "modelvault $kind" "$conns" "$secs" "$b" "$url" "$body" "$ctype" "$hlen"
    done
  done
done
# The 1.10x goal compares latencies taken minutes apart, and on this shared VM the speed of
# the same work drifts by several percent in minutes (in-process ResNet-18 b1 p50 has
# ranged 9.7-11.4 ms in one afternoon). So ResNet-18 b1 is timed again in interleaved
# rounds, in-process, OIP binary, npy and OIP JSON back to back, and the goals are judged on
# the median of the rounds' ratios (report.sh); the rows above stay as they were measured.
PAIRED=(); read -r -a PAIRED <<<"${MV_BENCH_PAIRED:-$([ "$QUICK" = 1 ] && echo "1 1" || echo "5 4")}"
PAIRED_ROUNDS=${PAIRED[0]} PAIRED_S=${PAIRED[1]}
echo "measuring resnet18 b1 in $PAIRED_ROUNDS interleaved rounds ..." >&2
for round in $(seq "$PAIRED_ROUNDS"); do
  IFS=$'\t' read -r _ _ p50 _ <<<"$("$ORT_BENCH" "$MODELS/resnet18/model.onnx" \
    --shape 1,3,224,224 --threads "$THREADS" --seconds "$PAIRED_S")"
  put "resnet18 b1 paired" "ort in-process" "p50 round $round" "$p50" ms
  for kind in oip-binary npy oip-json; do
    read -r url body ctype hlen <<<"$(endpoint resnet18 1 "$kind")"
    [ "$hlen" = - ] && hlen=
    MV_BODY="$body" MV_CONTENT_TYPE="$ctype" MV_HEADER_LENGTH="$hlen" \
      wrk -t1 -c1 -d"${PAIRED_S}s" --timeout 60s -s "$HERE/post.lua" "$url" \
      >"$WORK/wrk.out" 2>&1 || fail "wrk failed: $(tail -5 "$WORK/wrk.out")"
    IFS=$'\t' read -r _ _ _ p50 _ _ _ non2xx errors <<<"$(grep '^MV' "$WORK/wrk.out")" ||
      fail "no summary from wrk: $(tail -5 "$WORK/wrk.out")"
    [ "$non2xx" = 0 ] && [ "$errors" = 0 ] || fail "paired round $round $kind: errors"
    put "resnet18 b1 paired" "modelvault $kind" "p50 round $round" \
      "$(awk -v us="$p50" 'BEGIN { printf "%.3f", us / 1000 }')" ms
  done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=

. "$HERE/report.sh"  # writes $OUT/inference.csv and $OUT/inference.md from R, ROWS, RUNS
