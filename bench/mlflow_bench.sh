#!/usr/bin/env bash
# MLflow suite of `make bench` (issue 15): a real MLflow tracking server (`mlflow server`,
# pinned in bench/mlflow/requirements.txt, SQLite backend, from bench/.venv-mlflow made by
# `scripts/setup-deps --bench`) beside `modelvault serve`, both driven by the same MLflow
# client calls (bench/mlflow/drive.py): create VERSIONS model versions, get a version,
# search versions by name, get-latest-versions, transition stage; with 1 and 8 concurrent
# clients. Writes $MV_BENCH_OUT/mlflow.csv and mlflow.md. Measures; never fails on a slow
# number; fails when a call errors or a server does not start.
# env: MV_BUILD (default build-bench, built here when unset), MV_BENCH_OUT, MV_BENCH_QUICK=1,
#      MV_MLFLOW_REPS
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/bench/lib.sh"

ensure_build modelvault
BIN="$MV_BUILD/modelvault"
[ -x "$BIN" ] || die "no $BIN"
VENV="$ROOT/bench/.venv-mlflow"
[ -x "$VENV/bin/mlflow" ] || die "no $VENV/bin/mlflow (run scripts/setup-deps --bench)"
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
# MV_MLFLOW_REPS: calls per operation row (default 1000; search makes a tenth of them).
if [ -n "${MV_BENCH_QUICK:-}" ]; then VERSIONS=100 REPS=100; else VERSIONS=1000 REPS=${MV_MLFLOW_REPS:-1000}; fi
COST_REPS=$((REPS < 300 ? REPS : 300))
CLIENTS=(1 8)
GOAL=10

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"
MLFLOW_PID=
stop_mlflow() {
  [ -n "$MLFLOW_PID" ] || return 0
  kill "$MLFLOW_PID" 2>/dev/null || true
  wait "$MLFLOW_PID" 2>/dev/null || true
  MLFLOW_PID=
}
trap 'stop_mlflow; stop_all; rm -rf "$WORK"' EXIT

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_mlflow() {
  local port
  port=$(free_port)
  mkdir -p "$WORK/mlflow"
  (cd "$WORK/mlflow" && exec "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$port" \
    --backend-store-uri "sqlite:///$WORK/mlflow/mlflow.db" \
    --default-artifact-root "$WORK/mlflow/artifacts") >"$WORK/mlflow.log" 2>&1 &
  MLFLOW_PID=$!
  MLFLOW_BASE="http://127.0.0.1:$port"
  for _ in $(seq 600); do
    curl -fsS "$MLFLOW_BASE/health" >/dev/null 2>&1 && return 0
    kill -0 "$MLFLOW_PID" 2>/dev/null || die "mlflow server exited: $(tail -5 "$WORK/mlflow.log")"
    sleep 0.1
  done
  die "mlflow server did not answer /health: $(tail -5 "$WORK/mlflow.log")"
}

# drive SYSTEM URL CLIENTS: one drive.py run, its JSON lines into $WORK/SYSTEM-CLIENTS.jsonl.
drive() {
  "$VENV/bin/python" "$ROOT/bench/mlflow/drive.py" "$2" "bench-c$3" "$3" "$VERSIONS" "$REPS" \
    >"$WORK/$1-$3.jsonl" || die "drive.py against $1 failed"
  if grep -q '"errors": [1-9]' "$WORK/$1-$3.jsonl"; then
    die "calls against $1 failed: $(grep '"errors": [1-9]' "$WORK/$1-$3.jsonl" | head -3)"
  fi
}

start_server "$WORK/data"
token=""
[ -f "$WORK/data/admin-token" ] && token=$(cat "$WORK/data/admin-token")
start_mlflow
for c in "${CLIENTS[@]}"; do
  echo "mlflow: $c client(s), modelvault ..." >&2
  MLFLOW_TRACKING_TOKEN="$token" drive modelvault "$BASE" "$c"
  echo "mlflow: $c client(s), MLflow ..." >&2
  drive mlflow "$MLFLOW_BASE" "$c"
done
# CPU per call, client and server, one client (bench/mlflow/cpu_cost.py): what bounds the
# ratio through the client.
echo "mlflow: CPU per call, client and servers ..." >&2
MLFLOW_TRACKING_TOKEN="$token" "$VENV/bin/python" "$ROOT/bench/mlflow/cpu_cost.py" "$BASE" \
  bench-c1 "$PID" "$COST_REPS" >"$WORK/cost-modelvault.jsonl" || die "cpu_cost.py against modelvault failed"
"$VENV/bin/python" "$ROOT/bench/mlflow/cpu_cost.py" "$MLFLOW_BASE" bench-c1 "$MLFLOW_PID" \
  "$COST_REPS" >"$WORK/cost-mlflow.jsonl" || die "cpu_cost.py against MLflow failed"
mlflow_version=$("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)')
stop_mlflow
stop_server

/usr/bin/python3 - "$WORK" "$OUT" "$VERSIONS" "$REPS" "$GOAL" "$mlflow_version" "${CLIENTS[@]}" <<'PY'
import json, sys
work, out, versions, reps, goal, mlv, *clients = sys.argv[1:]
goal = float(goal)
label = {"create_version": f"create model version ({versions})",
         "get_version": "get model version", "search_versions": "search versions by name",
         "get_latest_versions": "get-latest-versions", "transition_stage": "transition stage"}
rows, csv = [], ["suite,case,system,metric,value,unit"]
for c in clients:
    res = {}
    for system in ("modelvault", "mlflow"):
        for line in open(f"{work}/{system}-{c}.jsonl"):
            r = json.loads(line)
            res[(system, r["op"])] = r
            for m, unit in (("rps", "req/s"), ("p50_ms", "ms"), ("p99_ms", "ms")):
                csv.append(f"mlflow,{r['op']} c={c},{system},{m},{r[m]},{unit}")
    for op in label:
        mv, ml = res[("modelvault", op)], res[("mlflow", op)]
        ratio = mv["rps"] / ml["rps"] if ml["rps"] else 0
        rows.append(f"| {label[op]} | {c} | {mv['rps']:.0f} | {mv['p50_ms']:.2f} | {mv['p99_ms']:.2f} "
                    f"| {ml['rps']:.0f} | {ml['p50_ms']:.2f} | {ml['p99_ms']:.2f} | {ratio:.1f}x "
                    f"| {'yes' if ratio >= goal else '**no**'} |")
md = [f"## mlflow: modelvault vs MLflow {mlv} through MLflow's client", "",
      f"Both servers on this machine, defaults, SQLite; driven by `MlflowClient` (bench/mlflow/drive.py)",
      f"from 1 and 8 worker processes. Each row: {reps} calls (search: {max(1, int(reps) // 10)}; it returns",
      f"all {versions} versions), after {versions} versions were created. Client-side time is in every figure",
      f"(the same client for both). Goal: modelvault ≥ {goal:g}× MLflow's req/s.", "",
      "| operation | clients | modelvault req/s | p50 ms | p99 ms | MLflow req/s | p50 ms | p99 ms | ratio | ≥ goal |",
      "|---|---|---|---|---|---|---|---|---|---|", *rows]
cost = {}
for system in ("modelvault", "mlflow"):
    for line in open(f"{work}/cost-{system}.jsonl"):
        r = json.loads(line)
        cost[(system, r["op"])] = r
        for m in ("client_cpu_ms", "server_cpu_ms", "wall_ms"):
            csv.append(f"mlflow,{r['op']} cpu,{system},{m},{r[m]},ms")
md += ["", "### CPU per call, and the ceiling it sets", "",
       "One client, calls back to back (bench/mlflow/cpu_cost.py): CPU milliseconds per call in",
       "MLflow's client and in each server (the server's process tree, from /proc), and the wall",
       "time per call. CPU time is what the call costs whatever else runs on the machine. With",
       "one client waiting on each answer, modelvault's req/s over MLflow's is at most",
       "(client + MLflow server) / client CPU: the ratio if modelvault took no time at all.", "",
       "| operation | client CPU ms (vs modelvault / vs MLflow) | modelvault server CPU ms | "
       "MLflow server CPU ms | wall ms modelvault / MLflow | CPU ratio | ceiling |",
       "|---|---|---|---|---|---|---|"]
for op in label:
    a, b = cost[("modelvault", op)], cost[("mlflow", op)]
    ca, cb = a["client_cpu_ms"], b["client_cpu_ms"]
    ratio = (cb + b["server_cpu_ms"]) / max(1e-9, ca + a["server_cpu_ms"])
    ceiling = (cb + b["server_cpu_ms"]) / max(1e-9, cb)
    md.append(f"| {label[op].split(' (')[0]} | {ca:.2f} / {cb:.2f} | {a['server_cpu_ms']:.2f} "
              f"| {b['server_cpu_ms']:.2f} | {a['wall_ms']:.2f} / {b['wall_ms']:.2f} "
              f"| {ratio:.1f}x | {ceiling:.1f}x |")
open(f"{out}/mlflow.md", "w").write("\n".join(md) + "\n")
open(f"{out}/mlflow.csv", "w").write("\n".join(csv) + "\n")
PY
echo "mlflow: wrote $OUT/mlflow.md" >&2
