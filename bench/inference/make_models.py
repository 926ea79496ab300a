#!/usr/bin/python3
"""Writes the inference benchmark's models and request bodies into OUTDIR:

  OUTDIR/<model>/  model.onnx (dynamic batch axis), traced.pt, weights.pt,
                   reference.safetensors, meta.json: one version, uploaded as is
                   b<N>.npy       the input batch of N (float32, seeded)
                   b<N>.json      the same batch as an Open Inference Protocol JSON body
                   b<N>.bin       ... as an OIP binary tensor body (binary output asked for),
                   b<N>.bin.hlen  its Inference-Header-Content-Length
                   b<N>.out.npy   PyTorch eager's answer, to check the server's against

Models (random weights, seeded): "mlp" 64-256-256-10 with ReLU (86k parameters) and
"resnet18" (torchvision, 3x224x224), the latter exported exactly as the parity fixture is.
bench/batching_bench.sh also uses "mlp-wide", 512-2048-2048-10 with ReLU (5.3M parameters,
21 MB of weights: a run of it costs more than the HTTP request around it), via
make_wide_mlp().
Run: /usr/bin/python3 bench/inference/make_models.py OUTDIR [--batches 1,8]
Needs Debian's python3-torch 1.13, python3-torchvision and python3-onnx.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures", "parity"))
import make_parity_fixtures as fixtures  # noqa: E402  (export, safetensors and ResNet-18)

SEED = 20241124
# Linear layer widths of the MLPs, ReLU between the layers.
MLP_WIDTHS = {"mlp": (64, 256, 256, 10), "mlp-wide": (512, 2048, 2048, 10)}
INPUT_SHAPES = {"mlp": (64,), "resnet18": (3, 224, 224), "mlp-wide": (512,)}


class BenchMlp(nn.Module):
    def __init__(self, widths):
        super().__init__()
        layers = []
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            if i:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(a, b))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def export_mlp(out, name, meta, traced):
    torch.manual_seed(SEED)
    widths = MLP_WIDTHS[name]
    mlp = BenchMlp(widths).eval()
    d = fixtures.case_dir(out, name)
    example = torch.zeros(1, widths[0])
    fixtures.export_onnx(mlp, example, os.path.join(d, "model.onnx"))
    if traced:
        with torch.no_grad():
            torch.jit.trace(mlp, example).save(os.path.join(d, "traced.pt"))
    torch.save(mlp.state_dict(), os.path.join(d, "weights.pt"))
    x = torch.randn(4, widths[0])
    with torch.no_grad():
        fixtures.write_safetensors(os.path.join(d, "reference.safetensors"),
                                   fixtures.reference(x, mlp(x)))
    fixtures.write_json(os.path.join(d, "meta.json"), meta)


def make_mlp(out):
    export_mlp(out, "mlp", {"description": "inference bench: MLP 64-256-256-10"}, traced=True)


def make_wide_mlp(out):
    # Sums over 2048 products: ONNX Runtime's and PyTorch's orders differ in the last bits.
    export_mlp(out, "mlp-wide", {"description": "batching bench: MLP 512-2048-2048-10",
                                 "parity": {"atol": 1e-4, "rtol": 1e-4}}, traced=False)


def load_eager(models_dir, name):
    """The model as PyTorch eager runs it, with the weights that were exported."""
    if name in MLP_WIDTHS:
        net = BenchMlp(MLP_WIDTHS[name])
    else:
        import torchvision
        net = torchvision.models.resnet18(weights=None)
    net.load_state_dict(torch.load(os.path.join(models_dir, name, "weights.pt")))
    return net.eval()


def write_bodies(out, name, batch):
    d = os.path.join(out, name)
    rng = np.random.default_rng(SEED + batch)
    x = rng.standard_normal((batch,) + INPUT_SHAPES[name]).astype(np.float32)
    np.save(os.path.join(d, f"b{batch}.npy"), x)
    with torch.no_grad():
        y = load_eager(out, name)(torch.from_numpy(x)).numpy()
    np.save(os.path.join(d, f"b{batch}.out.npy"), y)
    # What a Python client sends: tolist() prints each float32 as the double it is.
    tensor = {"name": "x", "shape": list(x.shape), "datatype": "FP32"}
    with open(os.path.join(d, f"b{batch}.json"), "w") as f:
        json.dump({"inputs": [dict(tensor, data=x.ravel().tolist())]}, f, separators=(",", ":"))
    raw = x.astype("<f4").tobytes()
    head = json.dumps({"inputs": [dict(tensor, parameters={"binary_data_size": len(raw)})],
                       "parameters": {"binary_data_output": True}},
                      separators=(",", ":")).encode()
    with open(os.path.join(d, f"b{batch}.bin"), "wb") as f:
        f.write(head + raw)
    with open(os.path.join(d, f"b{batch}.bin.hlen"), "w") as f:
        f.write(f"{len(head)}\n")


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit("usage: make_models.py OUTDIR [--batches 1,8]")
    out = argv[0]
    batches = [1, 8]
    if len(argv) == 3 and argv[1] == "--batches":
        batches = [int(b) for b in argv[2].split(",")]
    elif len(argv) != 1:
        sys.exit("usage: make_models.py OUTDIR [--batches 1,8]")
    torch.set_num_threads(1)  # the same float sums on every machine
    os.makedirs(out, exist_ok=True)
    make_mlp(out)
    fixtures.make_resnet18(out)  # the parity fixture: atol/rtol 1e-4 in its meta.json
    for name in ("mlp", "resnet18"):
        for b in batches:
            write_bodies(out, name, b)


if __name__ == "__main__":
    main(sys.argv[1:])
