#!/usr/bin/env python3
"""GET version and lineage latency against one running modelvault (bench/pg_latency_bench.sh).

Loads a small registry through the HTTP API (MODELS models, a chain of PER versions each, every
version made from one dataset and from its predecessor), then times REPS sequential requests
of each kind over one keep-alive connection and prints one CSV row per kind:
backend,kind,reps,p50_ms,p90_ms,p99_ms,mean_ms
"""
import http.client
import json
import statistics
import sys
import time
import uuid

backend, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
MODELS, PER, REPS = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
conn = http.client.HTTPConnection("127.0.0.1", port)
AUTH = {"Authorization": "Bearer " + token}


def call(method, path, body=None, headers=None, expect=(200, 201)):
    conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
    res = conn.getresponse()
    data = res.read()
    if res.status not in expect:
        sys.exit(f"{method} {path}: {res.status} {data[:300]!r}")
    return data


def upload(model, meta):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="meta"\r\n'
        f"Content-Type: application/json\r\n\r\n{json.dumps(meta)}\r\n",
        f'--{boundary}\r\nContent-Disposition: form-data; name="weights.bin"; '
        f'filename="weights.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        f"{uuid.uuid4().hex}\r\n",
        f"--{boundary}--\r\n",
    ]
    call("POST", f"/api/v1/models/{model}/versions", "".join(parts).encode(),
         {"Content-Type": f"multipart/form-data; boundary={boundary}"})


for m in range(MODELS):
    name = f"model{m}"
    call("POST", "/api/v1/models", json.dumps({"name": name}),
         {"Content-Type": "application/json"})
    for v in range(1, PER + 1):
        lineage = {"dataset": f"sha256:{m:064x}"}
        if v > 1:
            lineage["parents"] = [{"model": name, "version": v - 1,
                                   "relation": "fine-tuned-from"}]
        upload(name, {"description": f"v{v}", "lineage": lineage})

mid = MODELS // 2
kinds = {
    "get_version": f"/api/v1/models/model{mid}/versions/{PER // 2}",
    "lineage_up": f"/api/v1/models/model{mid}/versions/{PER}/lineage?direction=up&depth=8",
    "downstream_dataset": f"/api/v1/lineage?dataset=sha256:{mid:064x}&limit=100",
    "downstream_transitive": f"/api/v1/lineage?parent=model{mid}:1&transitive=true&limit=100",
}
for kind, path in kinds.items():
    for _ in range(min(50, REPS)):  # warm the connection pool's prepared statements
        call("GET", path)
    ms = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        call("GET", path)
        ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
    print(f"{backend},{kind},{REPS},{q(0.5):.3f},{q(0.9):.3f},{q(0.99):.3f},"
          f"{statistics.fmean(ms):.3f}", flush=True)
