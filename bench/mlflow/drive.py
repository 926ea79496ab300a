"""Drives one MLflow-registry server (MLflow's own or modelvault's /api/2.0/mlflow) through
MLflow's Python client and prints one JSON line per operation:
{"op", "clients", "requests", "seconds", "rps", "p50_ms", "p99_ms", "errors"}.

usage: drive.py URL MODEL CLIENTS VERSIONS REPS
Each of CLIENTS worker processes has its own MlflowClient (processes, not threads: the
client's own Python work must not serialise on one interpreter). Operations, in order:
create VERSIONS model versions (shared out between the clients), get a version, search the
model's versions by name, get-latest-versions, transition a version's stage; REPS calls
each for the last four (search: REPS // 10, it returns every version)."""
import json
import multiprocessing as mp
import os
import random
import sys
import time
import warnings

warnings.simplefilter("ignore")  # MLflow's deprecation notices for stages, on every call
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")


def _client(url):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=url, registry_uri=url)


def _work(args):
    url, model, op, count, versions, seed = args
    client = _client(url)
    rnd = random.Random(seed)
    stages = ["Staging", "None"]
    lat, errors = [], 0
    for i in range(count):
        v = str(rnd.randint(1, max(1, versions)))
        t0 = time.perf_counter()
        try:
            if op == "create_version":
                client.create_model_version(model, f"s3://bench/{model}/{seed}-{i}")
            elif op == "get_version":
                client.get_model_version(model, v)
            elif op == "search_versions":
                client.search_model_versions(f"name='{model}'", max_results=1000)
            elif op == "get_latest_versions":
                client.get_latest_versions(model, stages=["None", "Staging", "Production"])
            elif op == "transition_stage":
                client.transition_model_version_stage(model, v, stages[i % 2])
        except Exception as e:  # counted; the run is reported as failed by the caller
            errors += 1
            if errors == 1:
                print(f"{op}: {e}", file=sys.stderr)
        lat.append(time.perf_counter() - t0)
    return lat, errors


def run(url, model, op, clients, total, versions, pool):
    share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    jobs = [(url, model, op, n, versions, 1000 * c + len(op)) for c, n in enumerate(share)]
    t0 = time.perf_counter()
    results = pool.map(_work, jobs)
    seconds = time.perf_counter() - t0
    lat = sorted(x for r in results for x in r[0])
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    return {"op": op, "clients": clients, "requests": len(lat), "seconds": round(seconds, 3),
            "rps": round(len(lat) / seconds, 1), "p50_ms": round(q(0.50), 2),
            "p99_ms": round(q(0.99), 2), "errors": sum(r[1] for r in results)}


def main():
    url, model, clients, versions, reps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    client = _client(url)
    try:
        client.create_registered_model(model)
    except Exception:
        pass  # exists from the run with fewer clients
    with mp.get_context("fork").Pool(clients) as pool:
        pool.map(_client, [url] * clients)  # warm the workers' imports
        for op, total in (("create_version", versions), ("get_version", reps),
                          ("search_versions", max(clients, reps // 10)),
                          ("get_latest_versions", reps), ("transition_stage", reps)):
            print(json.dumps(run(url, model, op, clients, total, versions, pool)), flush=True)


if __name__ == "__main__":
    main()
