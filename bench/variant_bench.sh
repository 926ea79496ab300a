#!/usr/bin/env bash
# Variants of one CNN (issue 19): the float parent against its dynamic INT8, QDQ static INT8
# and float16 variants as ONNX Runtime's own tools make them
# (tests/fixtures/variants/make_variant_fixtures.py, from the .venv of scripts/setup-deps).
# Uploads each through the HTTP API with a quantized-from / converted-from lineage edge and
# reads the variant part of its parity report: size, the in-process p50 of single-row runs
# (parent and variant interleaved, same session options and threads, same inputs) and the
# agreement with the parent on its reference inputs plus 64 seeded ones.
# Writes variant.csv and variant.md to $MV_BENCH_OUT. Fails only when something does not work.
# env: MV_BUILD, MV_BENCH_OUT, MV_BENCH_QUICK=1 (fewer latency rounds)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
VENV_PY="$ROOT/.venv/bin/python"
ROUNDS=500
[ "${MV_BENCH_QUICK:-0}" = 1 ] && ROUNDS=50
fail() { echo "variant_bench: $*" >&2; exit 1; }

if [ -z "${MV_BUILD:-}" ]; then
  MV_BUILD="$ROOT/build-bench"
  [ -f "$MV_BUILD/CMakeCache.txt" ] ||
    cmake -S "$ROOT" -B "$MV_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
  cmake --build "$MV_BUILD" -j"$(nproc)" --target modelvault >/dev/null
fi
BIN="$MV_BUILD/modelvault"
[ -x "$BIN" ] || fail "$BIN missing"
[ -x "$VENV_PY" ] || fail "$VENV_PY missing (scripts/setup-deps makes it)"
mkdir -p "$OUT"

WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "making the variants ..." >&2
"$VENV_PY" "$ROOT/tests/fixtures/variants/make_variant_fixtures.py" "$WORK/fx" \
  >"$WORK/fx.log" 2>&1 || fail "make_variant_fixtures.py failed: $(tail -5 "$WORK/fx.log")"

"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" --quiet \
  >/dev/null 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the server did not start: $(tail -5 "$WORK/server.log")"
B="http://127.0.0.1:$(cat "$WORK/port")"
TOKEN=$(cat "$WORK/data/admin-token")

call() { # METHOD PATH WANT [curl args...]: the body goes to $WORK/resp
  local method=$1 path=$2 want=$3 code
  shift 3
  code=$(curl -s --oauth2-bearer "$TOKEN" -o "$WORK/resp" -w '%{http_code}' -H 'Expect:' \
    -X "$method" "$@" "$B$path")
  [ "$code" = "$want" ] || fail "$method $path answered $code, not $want: $(head -c 600 "$WORK/resp")"
}

call POST /api/v1/models 201 -d '{"name":"cnn"}'
call POST /api/v1/models/cnn/versions 201 -F 'meta={"description":"float parent"}' \
  -F "model.onnx=@$WORK/fx/cnn/model.onnx" \
  -F "reference.safetensors=@$WORK/fx/cnn/reference.safetensors"
call GET "/api/v1/models/cnn/versions/1/parity?wait=600" 200
cp "$WORK/resp" "$WORK/parent.json"
n=1
for v in int8_dynamic int8_qdq fp16; do
  n=$((n + 1))
  rel=quantized-from
  [ "$v" = fp16 ] && rel=converted-from
  meta="{\"lineage\":{\"parents\":[{\"model\":\"cnn\",\"version\":1,\"relation\":\"$rel\"}]},"
  meta+="\"parity\":{\"variant\":{\"latency_rounds\":$ROUNDS}}}"
  echo "checking cnn_$v ..." >&2
  call POST /api/v1/models/cnn/versions 201 -F "meta=$meta" -F "model.onnx=@$WORK/fx/cnn_$v/model.onnx"
  call GET "/api/v1/models/cnn/versions/$n/parity?wait=600" 200
  cp "$WORK/resp" "$WORK/$v.json"
done

/usr/bin/python3 - "$WORK" "$OUT" "$ROUNDS" <<'PY'
import json, sys
work, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
parent = json.load(open(f"{work}/parent.json"))
if parent["status"] != "passed":
    sys.exit(f"variant_bench: the parent's parity is {parent['status']}")
rows, csv = [], ["suite,case,system,metric,value,unit"]
names = {"int8_dynamic": "INT8 dynamic", "int8_qdq": "INT8 QDQ static", "fp16": "float16"}
first = True
for v, label in names.items():
    r = json.load(open(f"{work}/{v}.json"))
    var = r["variant"]
    chk = r["checks"]["variant"]
    o = chk["outputs"][0]
    if first:
        rows.append(("float32 (parent)", var["size"]["parent_bytes"], 1.0,
                     var["latency"]["parent_p50_ms"], 1.0, "", "", "", "", "parent"))
        first = False
    ops = ", ".join(f"{k} {c['parent']}→{c['variant']}" for k, c in var["op_histogram_diff"].items())
    rows.append((label, var["size"]["bytes"], var["size"]["ratio"], var["latency"]["p50_ms"],
                 var["latency"]["ratio"], o.get("cosine"), o.get("top1_agreement"),
                 o.get("top5_agreement"), o.get("max_abs_diff"), f"{chk['status']}; {ops}"))
    for metric, value, unit in (("bytes", var["size"]["bytes"], "B"),
                                ("p50", var["latency"]["p50_ms"], "ms"),
                                ("top1_agreement", o.get("top1_agreement"), "share")):
        csv.append(f"variant,cnn,{label},{metric},{value},{unit}")
csv.append(f"variant,cnn,float32 (parent),bytes,{rows[0][1]},B")
csv.append(f"variant,cnn,float32 (parent),p50,{rows[0][3]},ms")
samples = json.load(open(f"{work}/int8_dynamic.json"))["variant"]["samples"]
md = ["## Variants of a CNN (float vs INT8 dynamic vs QDQ vs float16)", "",
      "A 3x32x32 → 10-class CNN (two convolutions, tests/fixtures/variants), quantized and",
      "converted with onnxruntime 1.20.1's Python tools; each uploaded as a variant of the float",
      "version and judged by the registry's variant check. p50: the registry's in-process",
      f"single-row runs, parent and variant interleaved, {rounds} rounds each, same threads and",
      f"inputs. Agreement: {samples} rows (the parent's 4 reference inputs + 64 seeded ones).", "",
      "| model | bytes | size ratio | p50 ms | latency ratio | cosine | top-1 | top-5 | max abs diff | verdict; op changes |",
      "|---|---|---|---|---|---|---|---|---|---|"]
def f(x, spec):
    return "" if x == "" or x is None else format(x, spec)
for (label, b, sr, p50, lr, cos, t1, t5, mad, verdict) in rows:
    md.append(f"| {label} | {b} | {f(sr, '.2f')} | {f(p50, '.3f')} | {f(lr, '.2f')} | "
              f"{f(cos, '.5f')} | {f(t1, '.3f')} | {f(t5, '.3f')} | {f(mad, '.3g')} | {verdict} |")
open(f"{out}/variant.md", "w").write("\n".join(md) + "\n")
open(f"{out}/variant.csv", "w").write("\n".join(csv) + "\n")
print("\n".join(md))
PY
