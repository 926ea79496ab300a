"""Where a call's time goes: CPU per call in MLflow's client and in the server, measured as
CPU time (not wall time), so the split holds on a busy machine too.

usage: cpu_cost.py URL MODEL SERVER_PID REPS
One client process calls each operation REPS times (search: REPS // 10) against a server
that already holds MODEL with its versions (drive.py made them), and prints one JSON line
per operation: {"op", "calls", "client_cpu_ms", "server_cpu_ms", "wall_ms"}, the first two
per call. The client's CPU is this process's time.process_time(); the server's is the
utime + stime of SERVER_PID and every live descendant (MLflow's server runs worker
processes), read from /proc before and after.

Why it matters: through the same client, modelvault / MLflow in req/s is at most
(client + MLflow) / client when one client runs calls back to back, however fast
modelvault answers; the report prints that ceiling beside the measured ratio."""
import json
import os
import random
import sys
import time
import warnings

warnings.simplefilter("ignore")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])  # ppid, utime + stime (ticks)


def tree_cpu_seconds(root):
    """CPU seconds of `root` and its live descendants."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                procs[int(name)] = _stat(name)
            except (OSError, IndexError, ValueError):
                pass  # exited while listed
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
            todo.extend(children.get(pid, []))
    return total / TICK


def main():
    url, model, server_pid, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    versions = len(client.search_model_versions(f"name='{model}'", max_results=1000))
    rnd = random.Random(7)
    calls = {
        "get_version": lambda i: client.get_model_version(model, str(rnd.randint(1, versions))),
        "search_versions": lambda i: client.search_model_versions(f"name='{model}'",
                                                                  max_results=1000),
        "get_latest_versions": lambda i: client.get_latest_versions(
            model, stages=["None", "Staging", "Production"]),
        "transition_stage": lambda i: client.transition_model_version_stage(
            model, str(rnd.randint(1, versions)), ["Staging", "None"][i % 2]),
        "create_version": lambda i: client.create_model_version(model, f"s3://cost/{i}"),
    }
    for op, call in calls.items():
        n = max(1, reps // 10) if op == "search_versions" else reps
        call(0)  # warm
        s0, c0, w0 = tree_cpu_seconds(server_pid), time.process_time(), time.perf_counter()
        for i in range(n):
            call(i)
        w1, c1, s1 = time.perf_counter(), time.process_time(), tree_cpu_seconds(server_pid)
        print(json.dumps({"op": op, "calls": n,
                          "client_cpu_ms": round((c1 - c0) * 1000 / n, 3),
                          "server_cpu_ms": round((s1 - s0) * 1000 / n, 3),
                          "wall_ms": round((w1 - w0) * 1000 / n, 3)}), flush=True)


if __name__ == "__main__":
    main()
