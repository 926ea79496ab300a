"""Small ONNX models made at test time with Debian's python3-onnx (onnx.helper)."""
import os

import onnx
from onnx import TensorProto, helper

IR_VERSION = 8  # what Debian's onnx 1.12 checker accepts
OPSET = 13


def _save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="modelvault-tests")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def add_fp32(path):
    """sum = a + b, diff = a - b on FP32 [batch, 3]."""
    t = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", 3])
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"]), helper.make_node("Sub", ["a", "b"], ["diff"])],
        "add_fp32", [t("a"), t("b")], [t("sum"), t("diff")])
    return _save(graph, path)


def mixed_types(path):
    """h = h16 + h16 (FP16), i = i64 + i64 (INT64), flag = NOT flag (BOOL); [batch, 2]."""
    v = lambda n, ty: helper.make_tensor_value_info(n, ty, ["batch", 2])
    graph = helper.make_graph(
        [helper.make_node("Add", ["h", "h"], ["h_out"]),
         helper.make_node("Add", ["i", "i"], ["i_out"]),
         helper.make_node("Not", ["flag"], ["flag_out"])],
        "mixed", [v("h", TensorProto.FLOAT16), v("i", TensorProto.INT64), v("flag", TensorProto.BOOL)],
        [v("h_out", TensorProto.FLOAT16), v("i_out", TensorProto.INT64),
         v("flag_out", TensorProto.BOOL)])
    return _save(graph, path)


def register(registry, name, make, tmp_path):
    """Creates model `name` with one version holding the ONNX model made by `make`; promotes
    it to production (once its parity checks are done: the gate waits for them) and returns
    the version."""
    path = make(os.path.join(str(tmp_path), "model.onnx"))
    registry.create_model(name)
    v = registry.push(name, [path])
    registry.wait_for_parity(name, v["version"], timeout=120)
    registry.promote(name, v["version"], "production")
    return v
