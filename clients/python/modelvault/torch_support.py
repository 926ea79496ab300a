"""register_torch: a PyTorch module registered as one version in one call. torch is
imported when the function runs, never when the SDK is imported."""
from __future__ import annotations

import os
import platform
import sys
import tempfile
from typing import Any, Dict, Optional, Sequence

from .client import Registry
from .errors import ConflictError
from .safetensors import write_safetensors


def _as_tuple(example_inputs: Any) -> tuple:
    return tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)


def environment() -> Dict[str, str]:
    """What made the artifacts: interpreter, torch, numpy and platform versions."""
    import numpy
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "platform": platform.platform(),
            "executable": sys.executable}


def register_torch(registry: Registry, model: Any, name: str, example_inputs: Any,
                   input_names: Optional[Sequence[str]] = None,
                   output_names: Optional[Sequence[str]] = None,
                   meta: Optional[Dict[str, Any]] = None,
                   lineage: Optional[Dict[str, Any]] = None,
                   opset: int = 13, parity_timeout: float = 300.0,
                   wait: bool = True) -> Dict[str, Any]:
    """Registers ``model`` (a torch.nn.Module) as a new version of ``name`` (created when
    missing) and returns ``{"version": <version>, "parity": <report or None>}``.

    The version holds ``weights.pt`` (the state dict), ``traced.pt`` (a TorchScript trace on
    ``example_inputs``), ``model.onnx`` (exported with a dynamic first axis on every input
    and output) and ``reference.safetensors`` (``input.<name>``/``output.<name>``: the
    module's own outputs on ``example_inputs``, which the server's parity checks compare
    ONNX Runtime and TorchScript against). ``meta["env"]`` records the environment. With
    ``wait``, returns once the parity verdict is in (TimeoutError after ``parity_timeout``).
    """
    import torch

    inputs = _as_tuple(example_inputs)
    in_names = list(input_names or ([f"x{i}" for i in range(len(inputs))] if len(inputs) > 1 else ["x"]))
    model = model.eval()
    with torch.no_grad():
        outputs = model(*inputs)
    outs = _as_tuple(outputs)
    out_names = list(output_names or ([f"y{i}" for i in range(len(outs))] if len(outs) > 1 else ["y"]))
    if len(in_names) != len(inputs) or len(out_names) != len(outs):
        raise ValueError("input_names/output_names must name every input/output")

    meta = dict(meta or {})
    meta.setdefault("env", environment())
    with tempfile.TemporaryDirectory(prefix="modelvault-torch-") as tmp:
        files = {n: os.path.join(tmp, n) for n in
                 ("weights.pt", "traced.pt", "model.onnx", "reference.safetensors")}
        torch.save(model.state_dict(), files["weights.pt"])
        with torch.no_grad():
            torch.jit.trace(model, inputs).save(files["traced.pt"])
        axes = {n: {0: "batch"} for n in in_names + out_names}
        torch.onnx.export(model, inputs, files["model.onnx"], input_names=in_names,
                          output_names=out_names, dynamic_axes=axes, opset_version=opset)
        ref = {f"input.{n}": t.detach().cpu().numpy() for n, t in zip(in_names, inputs)}
        ref.update({f"output.{n}": t.detach().cpu().numpy() for n, t in zip(out_names, outs)})
        write_safetensors(files["reference.safetensors"], ref)
        try:
            registry.create_model(name)
        except ConflictError:
            pass
        version = registry.push(name, files, meta=meta, lineage=lineage)
    parity = None
    if wait:
        parity = registry.wait_for_parity(name, version["version"], timeout=parity_timeout)
    return {"version": version, "parity": parity}
