#!/usr/bin/python3
"""PyTorch 1.13 eager and TorchScript latency on the benchmark's models, in process.

Run: torch_bench.py MODELS_DIR MODEL BATCH THREADS SECONDS
MODELS_DIR is make_models.py's output. torch.set_num_threads(THREADS), inference_mode, 20%
of SECONDS (at least 5 runs) to warm up, then back-to-back runs of the same batch for
SECONDS. Prints one tab-separated line per system:
  system  runs  p50_ms  p90_ms  p99_ms  mean_ms  samples_per_s
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_models import load_eager  # noqa: E402


def measure(fn, x, seconds):
    warm_until = time.perf_counter() + seconds * 0.2
    for i in range(1 << 30):
        fn(x)
        if i >= 4 and time.perf_counter() > warm_until:
            break
    times = []
    start = time.perf_counter()
    end = start + seconds
    while True:
        t0 = time.perf_counter_ns()
        fn(x)
        times.append(time.perf_counter_ns() - t0)
        if time.perf_counter() > end and len(times) >= 5:
            break
    total = time.perf_counter() - start
    return np.array(times) / 1e6, total


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    models_dir, name, batch, threads, seconds = argv[0], argv[1], int(argv[2]), int(argv[3]), \
        float(argv[4])
    torch.set_num_threads(threads)
    x = torch.from_numpy(np.load(os.path.join(models_dir, name, f"b{batch}.npy")))
    eager = load_eager(models_dir, name)
    scripted = torch.jit.load(os.path.join(models_dir, name, "traced.pt")).eval()
    for system, module in (("torch eager", eager), ("torchscript", scripted)):
        with torch.inference_mode():
            ms, total = measure(module, x, seconds)
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        print(f"{system}\t{len(ms)}\t{p50:.3f}\t{p90:.3f}\t{p99:.3f}\t{ms.mean():.3f}\t"
              f"{len(ms) * batch / total:.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
