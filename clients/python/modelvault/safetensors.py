"""A minimal safetensors writer (numpy only), in the layout the registry's parity checks
read: u64 little-endian header length, a JSON header with keys sorted and offsets
increasing in that order, padded with spaces to 8 bytes, then the raw little-endian data."""
from __future__ import annotations

import json
import struct
from typing import Any, Mapping

_DTYPES = {"float32": "F32", "float16": "F16", "float64": "F64", "int64": "I64",
           "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}


def write_safetensors(path: str, tensors: Mapping[str, Any]) -> None:
    """Writes ``tensors`` (name -> numpy array) to ``path``; ValueError for other dtypes."""
    import numpy as np

    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype.name not in _DTYPES:
            raise ValueError(f"{name}: dtype {a.dtype} cannot be stored in safetensors here")
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _DTYPES[a.dtype.name], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
