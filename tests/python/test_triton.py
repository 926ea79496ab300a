"""Triton's own HTTP client (tritonclient[http], pinned) against modelvault's /v2 routes."""
import numpy as np
import pytest
import tritonclient.http as th
from tritonclient.utils import InferenceServerException

from onnx_models import add_fp32, mixed_types, register


@pytest.fixture(scope="module")
def triton(server, registry, tmp_path_factory):
    register(registry, "tr-add", add_fp32, tmp_path_factory.mktemp("add"))
    register(registry, "tr-mixed", mixed_types, tmp_path_factory.mktemp("mixed"))
    client = th.InferenceServerClient(url=server.host_port)
    # A fresh dict per call: the client adds Inference-Header-Content-Length to the dict it
    # is given, which would leak into the next request.
    yield client, server.headers
    client.close()


def test_server_health_and_metadata(triton):
    c, h = triton
    assert c.is_server_live(headers=h())
    assert c.is_server_ready(headers=h())
    meta = c.get_server_metadata(headers=h())
    assert meta["name"] == "modelvault" and "binary_tensor_data" in meta["extensions"]


def test_model_metadata_and_ready(triton):
    c, h = triton
    assert c.is_model_ready("tr-add", headers=h())
    meta = c.get_model_metadata("tr-add", headers=h())
    assert meta["name"] == "tr-add"
    assert {i["name"]: (i["datatype"], i["shape"]) for i in meta["inputs"]} == {
        "a": ("FP32", [-1, 3]), "b": ("FP32", [-1, 3])}
    assert sorted(o["name"] for o in meta["outputs"]) == ["diff", "sum"]


@pytest.mark.parametrize("binary_in,binary_out", [(False, False), (True, True), (True, False),
                                                  (False, True)])
def test_infer_fp32_two_outputs(triton, binary_in, binary_out):
    c, h = triton
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.full((2, 3), 0.5, dtype=np.float32)
    inputs = [th.InferInput("a", [2, 3], "FP32"), th.InferInput("b", [2, 3], "FP32")]
    inputs[0].set_data_from_numpy(a, binary_data=binary_in)
    inputs[1].set_data_from_numpy(b, binary_data=binary_in)
    outputs = [th.InferRequestedOutput("sum", binary_data=binary_out),
               th.InferRequestedOutput("diff", binary_data=binary_out)]
    res = c.infer("tr-add", inputs, outputs=outputs, headers=h())
    np.testing.assert_array_equal(res.as_numpy("sum"), a + b)
    np.testing.assert_array_equal(res.as_numpy("diff"), a - b)


@pytest.mark.parametrize("binary", [False, True])
def test_infer_fp16_int64_bool(triton, binary):
    c, h = triton
    hv = np.array([[1.5, -2.0], [0.25, 8.0]], dtype=np.float16)
    iv = np.array([[1, -2], [1 << 40, 7]], dtype=np.int64)
    fv = np.array([[True, False], [False, True]])
    inputs = [th.InferInput("h", [2, 2], "FP16"), th.InferInput("i", [2, 2], "INT64"),
              th.InferInput("flag", [2, 2], "BOOL")]
    for inp, arr in zip(inputs, (hv, iv, fv)):
        inp.set_data_from_numpy(arr, binary_data=binary)
    outputs = [th.InferRequestedOutput(n, binary_data=binary) for n in ("h_out", "i_out", "flag_out")]
    res = c.infer("tr-mixed", inputs, outputs=outputs, headers=h())
    np.testing.assert_array_equal(res.as_numpy("h_out"), hv + hv)
    assert res.as_numpy("h_out").dtype == np.float16
    np.testing.assert_array_equal(res.as_numpy("i_out"), iv + iv)
    np.testing.assert_array_equal(res.as_numpy("flag_out"), ~fv)


def test_infer_without_requested_outputs(triton):
    c, h = triton
    a = np.ones((1, 3), dtype=np.float32)
    inputs = [th.InferInput("a", [1, 3], "FP32"), th.InferInput("b", [1, 3], "FP32")]
    for i in inputs:
        i.set_data_from_numpy(a)
    res = c.infer("tr-add", inputs, headers=h())
    np.testing.assert_array_equal(res.as_numpy("sum"), a + a)


def test_wrong_shape(triton):
    c, h = triton
    inputs = [th.InferInput("a", [2, 4], "FP32"), th.InferInput("b", [2, 4], "FP32")]
    for i in inputs:
        i.set_data_from_numpy(np.ones((2, 4), dtype=np.float32), binary_data=True)
    with pytest.raises(InferenceServerException) as e:
        c.infer("tr-add", inputs, headers=h())
    assert e.value.status() == "400" and e.value.message()


def test_unknown_model(triton):
    c, h = triton
    assert not c.is_model_ready("no-such-model", headers=h())
    with pytest.raises(InferenceServerException) as e:
        c.get_model_metadata("no-such-model", headers=h())
    assert e.value.status() == "404"
    inputs = [th.InferInput("a", [1, 3], "FP32")]
    inputs[0].set_data_from_numpy(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(InferenceServerException) as e:
        c.infer("no-such-model", inputs, headers=h())
    assert e.value.status() == "404" and e.value.message()
