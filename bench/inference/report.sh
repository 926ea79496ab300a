# Sourced by bench/inference_bench.sh once everything is measured: writes
# $OUT/inference.csv and $OUT/inference.md from R["case|system|metric"], ROWS and RUNS.
mkdir -p "$OUT"
{
  echo "suite,case,system,metric,value,unit"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT/inference.csv"

v() { echo "${R["$1"]:-}"; }
# ratio A B: A / B with two decimals ("n/a" when either is missing)
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a";
                                   else printf "%.2f", a / b }'
}
# met RATIO OP BOUND: yes/no
met() {
  awk -v r="$1" -v op="$2" -v b="$3" 'BEGIN { if (r == "n/a") print "n/a";
    else if ((op == "<=" && r <= b) || (op == ">=" && r >= b)) print "yes"; else print "**no**" }'
}
SYSTEMS=("ort in-process" "ort in-process spinning" "torch eager" "torchscript"
         "modelvault oip-binary" "modelvault npy" "modelvault oip-json")
size_of() { du -b "$1" | cut -f1 | awk '{ printf "%.2f MB", $1 / 1e6 }'; }

# paired_ratios KIND BASE: each paired round's p50 of KIND over BASE's, one per line
paired_ratios() {
  local i
  for i in $(seq "$PAIRED_ROUNDS"); do
    ratio "$(v "resnet18 b1 paired|$1|p50 round $i")" "$(v "resnet18 b1 paired|$2|p50 round $i")"
    echo
  done
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

goal_rows() {
  local r b kind bound ratios spread
  r50=$(v "resnet18 b1|ort in-process|p50")
  for kind in oip-binary npy oip-json; do
    bound=1.10; [ "$kind" = oip-json ] && bound=1.5
    ratios=$(paired_ratios "modelvault $kind" "ort in-process")
    r=$(median <<<"$ratios")
    spread=$(sort -n <<<"$ratios" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }')
    echo "| ResNet-18 b1 HTTP p50 ≤ ${bound}× in-process ORT p50 ($kind; median of $PAIRED_ROUNDS interleaved rounds) | round ratios $(echo $ratios) (spread $spread) | $r× | $(met "$r" "<=" "$bound") |"
  done
  ratios=$(paired_ratios "modelvault oip-json" "modelvault oip-binary")
  echo "| (for reference) ResNet-18 b1 p50 OIP JSON vs OIP binary (median of $PAIRED_ROUNDS rounds) | round ratios $(echo $ratios) | $(median <<<"$ratios")× | — |"
  for kind in oip-binary npy oip-json; do
    b=$(v "resnet18 b1|modelvault $kind|p50")
    r=$(ratio "$b" "$r50")
    echo "| (timed minutes apart, above) ResNet-18 b1 HTTP p50 vs in-process ORT p50 ($kind) | $b ms vs $r50 ms | $r× | — |"
  done
  for kind in oip-binary npy oip-json; do
    b=$(v "resnet18 b1|modelvault $kind|p90")
    r=$(ratio "$b" "$(v "resnet18 b1|modelvault $kind|p50")")
    echo "| ResNet-18 b1 HTTP p90 ≤ 1.2× its p50 (issue 5; $kind) | p90 $b ms, p50 $(v "resnet18 b1|modelvault $kind|p50") ms | $r× | $(met "$r" "<=" 1.2) |"
  done
  for b in $BATCHES; do
    local mv eager
    mv=$(v "resnet18 b$b|modelvault oip-binary|throughput $RESNET_CONNS callers")
    eager=$(v "resnet18 b$b|torch eager|throughput 1 caller")
    r=$(ratio "$mv" "$eager")
    echo "| ResNet-18 b$b throughput ≥ 1.3× PyTorch eager (OIP binary, $RESNET_CONNS connections) | $mv vs $eager samples/s | $r× | $(met "$r" ">=" 1.3) |"
  done
  local mlp
  mlp=$(v "mlp b1|modelvault oip-binary|throughput $MLP_CONNS callers")
  r=$(ratio "$mlp" 10000)
  echo "| MLP b1 OIP binary ≥ 10,000 requests/s ($MLP_CONNS connections) | $mlp requests/s | $r× | $(met "$r" ">=" 1) |"
  for b in $BATCHES; do
    local ort eager
    ort=$(v "resnet18 b$b|ort in-process|throughput 1 caller")
    eager=$(v "resnet18 b$b|torch eager|throughput 1 caller")
    echo "| (for reference) ResNet-18 b$b in-process ORT vs PyTorch eager (1.4–1.5× seen before) | $ort vs $eager samples/s | $(ratio "$ort" "$eager")× | — |"
  done
}

{
  echo "## Inference"
  echo
  echo "ONNX Runtime $("$ORT_BENCH" --version)" \
       "served by \`modelvault serve --intra-op-threads $THREADS\` (every other flag at its default:" \
       "16 HTTP threads, request log on, intra-op spinning off) against the same ONNX file in" \
       "process and against PyTorch $("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null) (Debian's python3-torch)," \
       "all with **$THREADS intra-op threads** on this $(nproc)-core machine (wrk shares the cores with the server)."
  echo "Models (random weights, seeded): an MLP 64-256-256-10 (ReLU) and torchvision's ResNet-18" \
       "(3×224×224), exported with a dynamic batch axis, uploaded with traced.pt, weights.pt and" \
       "reference.safetensors; parity passed ($(IFS=';'; echo "${PARITY_S[*]}" | sed 's/;/; /g')) and they were promoted to production."
  echo "Answers were checked against PyTorch eager (|diff| ≤ 1e-3) on every endpoint before timing."
  echo
  echo "- **ort in-process**: \`bench/mv_ort_bench\`, the engine's session options (ORT_ENABLE_ALL," \
       "1 inter-op thread, sequential), back-to-back runs for ${INPROC_S} s after a warm-up;" \
       "*spinning*: the same with intra-op spinning on (the server keeps it off)."
  echo "- **torch eager / torchscript**: \`bench/inference/torch_bench.py\`, torch.set_num_threads($THREADS)," \
       "inference_mode; TorchScript is the uploaded traced.pt loaded with torch.jit.load; ${INPROC_S} s each."
  echo "- **modelvault**: wrk 4.1 (\`-t1 --latency\`, bench/inference/post.lua) over loopback:" \
       "latency (p50/p90/p99) with 1 connection sending requests back to back; throughput also" \
       "with $MLP_CONNS connections (MLP) or $RESNET_CONNS connections (ResNet-18); ${MLP_S} s (MLP) and" \
       "${RESNET_S} s (ResNet-18) per run. *oip-binary*: \`POST /v2/models/{m}/infer\` with the binary" \
       "tensor extension, binary output asked for; *npy*: \`POST .../stages/production/predict\`" \
       "with application/x-npy; *oip-json*: OIP JSON tensors as a Python client writes them" \
       "(tolist(): ResNet-18 bodies $(size_of "$MODELS/resnet18/b1.json") at batch 1, $(size_of "$MODELS/resnet18/b8.json") at batch 8)."
  echo "- **paired rounds** (the 1.10× goals, and 1.5× for OIP JSON): ResNet-18 b1 timed again in $PAIRED_ROUNDS rounds," \
       "each in process (${PAIRED_S} s), then over OIP binary, npy and OIP JSON (1 connection, ${PAIRED_S} s each)," \
       "back to back. The goal takes the median of the rounds' ratios: the rows of the big table" \
       "are minutes apart, and this VM's speed drifts by several percent over minutes."
  echo "- Load average before/after: $LOAD_BEFORE / $LOAD_AFTER."
  echo
  echo "| case | system | p50 ms | p90 ms | p99 ms | samples/s (1 caller) | samples/s (N callers) | p50 ms (N callers) | runs (1 caller) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for m in mlp resnet18; do
    for b in $BATCHES; do
      c="$m b$b"
      n=$MLP_CONNS; [ "$m" = resnet18 ] && n=$RESNET_CONNS
      for s in "${SYSTEMS[@]}"; do
        thr=$(v "$c|$s|throughput $n callers"); p50n=$(v "$c|$s|p50 $n callers")
        echo "| $c | $s | $(v "$c|$s|p50") | $(v "$c|$s|p90") | $(v "$c|$s|p99") |" \
             "$(v "$c|$s|throughput 1 caller") | ${thr:+$thr ($n)} | ${p50n:+$p50n ($n)} | ${RUNS["$c|$s"]:-} |"
      done
    done
  done
  echo
  echo "Paired rounds, ResNet-18 b1 p50 in ms:"
  echo
  echo "| round | ort in-process | modelvault oip-binary | modelvault npy | modelvault oip-json |"
  echo "|---|---|---|---|---|"
  for i in $(seq "$PAIRED_ROUNDS"); do
    echo "| $i | $(v "resnet18 b1 paired|ort in-process|p50 round $i") |" \
         "$(v "resnet18 b1 paired|modelvault oip-binary|p50 round $i") |" \
         "$(v "resnet18 b1 paired|modelvault npy|p50 round $i") |" \
         "$(v "resnet18 b1 paired|modelvault oip-json|p50 round $i") |"
  done
  echo
  echo "**Goals** (issue 6; the p90 bound from issue 5):"
  echo
  echo "| goal | measured | ratio/bound | met? |"
  echo "|---|---|---|---|"
  goal_rows
} >"$OUT/inference.md"
echo "wrote $OUT/inference.csv and $OUT/inference.md" >&2
