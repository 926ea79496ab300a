"""The Open Inference Protocol's binary tensor extension: numpy arrays in and out of one
request body (a JSON header whose length is in ``Inference-Header-Content-Length``,
followed by each tensor's little-endian, row-major bytes)."""
from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Tuple

HEADER = "Inference-Header-Content-Length"

_DTYPES = {
    "BOOL": "bool", "INT8": "<i1", "INT16": "<i2", "INT32": "<i4", "INT64": "<i8",
    "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8",
    "FP16": "<f2", "FP32": "<f4", "FP64": "<f8",
}


def datatype_of(array: Any) -> str:
    """The protocol's datatype name for a numpy array; ValueError for unsupported dtypes."""
    import numpy as np

    for name, code in _DTYPES.items():
        if np.dtype(code) == array.dtype.newbyteorder("<") or (
                name == "BOOL" and array.dtype == np.bool_):
            return name
    raise ValueError(f"dtype {array.dtype} has no Open Inference Protocol datatype")


def encode_request(inputs: Mapping[str, Any]) -> Tuple[bytes, Dict[str, str]]:
    """The body and headers of an infer request asking for binary outputs."""
    import numpy as np

    header: Dict[str, Any] = {"inputs": [], "parameters": {"binary_data_output": True}}
    blobs = []
    for name, value in inputs.items():
        array = np.ascontiguousarray(value)
        dtype = datatype_of(array)
        data = array.astype(np.dtype(_DTYPES[dtype]), copy=False).tobytes()
        header["inputs"].append({"name": name, "shape": list(array.shape), "datatype": dtype,
                                 "parameters": {"binary_data_size": len(data)}})
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    headers = {HEADER: str(len(text)), "Content-Type": "application/octet-stream"}
    return text + b"".join(blobs), headers


def decode_response(body: bytes, header_length: int | None) -> Dict[str, Any]:
    """The outputs of an infer response (binary or JSON) as numpy arrays by name."""
    import numpy as np

    if header_length is None:
        header, rest = json.loads(body), b""
    else:
        header, rest = json.loads(body[:header_length]), body[header_length:]
    out: Dict[str, Any] = {}
    offset = 0
    for t in header.get("outputs", []):
        dtype = t["datatype"]
        if dtype not in _DTYPES:
            raise ValueError(f"output {t['name']}: datatype {dtype} is not supported here")
        shape = tuple(t["shape"])
        size = (t.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            arr = np.frombuffer(rest[offset:offset + size], dtype=np.dtype(_DTYPES[dtype]))
            offset += size
        else:
            arr = np.asarray(t["data"], dtype=np.dtype(_DTYPES[dtype]))
        out[t["name"]] = arr.reshape(shape)
    return out
