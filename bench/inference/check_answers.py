#!/usr/bin/python3
"""Checks the server's answers to one request body before it is benchmarked: each response
must hold PyTorch eager's output for the batch (b<N>.out.npy from make_models.py) within
1e-3. Exits non-zero, saying which answer is wrong, otherwise prints nothing.

Run: check_answers.py MODEL_DIR BATCH OIP_JSON_RESPONSE OIP_BINARY_RESPONSE HEADER_LENGTH
                      NPY_RESPONSE
"""
import io
import json
import sys

import numpy as np

ATOL = 1e-3


def oip_output(body, header_length=None):
    head = json.loads(body[:header_length] if header_length is not None else body)
    out = head["outputs"][0]
    if header_length is None:
        return np.asarray(out["data"], dtype=np.float32).reshape(out["shape"])
    size = out["parameters"]["binary_data_size"]
    raw = body[header_length:header_length + size]
    return np.frombuffer(raw, dtype="<f4").reshape(out["shape"])


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    model_dir, batch, json_path, bin_path, hlen, npy_path = argv
    want = np.load(f"{model_dir}/b{batch}.out.npy")
    with open(json_path, "rb") as f:
        got_json = oip_output(f.read())
    with open(bin_path, "rb") as f:
        got_bin = oip_output(f.read(), int(hlen))
    with open(npy_path, "rb") as f:
        got_npy = np.load(io.BytesIO(f.read()))
    bad = []
    for what, got in (("OIP JSON", got_json), ("OIP binary", got_bin), ("npy", got_npy)):
        if got.shape != want.shape:
            bad.append(f"{what}: shape {got.shape}, want {want.shape}")
        elif not np.allclose(got, want, atol=ATOL, rtol=0):
            bad.append(f"{what}: max abs diff {np.abs(got - want).max():.3g} > {ATOL}")
    if bad:
        sys.exit(f"{model_dir} b{batch}: " + "; ".join(bad))


if __name__ == "__main__":
    main(sys.argv[1:])
