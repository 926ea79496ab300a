"""The Python SDK (clients/python) against the real server."""
import hashlib
import os

import numpy as np
import pytest

from modelvault import ConflictError, DigestMismatchError, ModelvaultError, NotFoundError
from onnx_models import add_fp32, register


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


def test_create_and_get_model(registry):
    m = registry.create_model("sdk-model", description="d", tags={"team": "a"})
    assert m["name"] == "sdk-model"
    assert registry.model("sdk-model")["tags"] == {"team": "a"}
    assert any(x["name"] == "sdk-model" for x in registry.models("name = 'sdk-model'"))


def test_errors_carry_code_and_message(registry):
    with pytest.raises(NotFoundError) as e:
        registry.model("no-such-model")
    assert e.value.status == 404 and e.value.code == "not_found" and e.value.message
    registry.create_model("dup")
    with pytest.raises(ConflictError) as e:
        registry.create_model("dup")
    assert e.value.code == "already_exists"
    with pytest.raises(ModelvaultError) as e:
        registry.search("nonsense ===")
    assert e.value.status == 400 and e.value.code == "invalid_argument"


def test_push_one_shot_and_pull(registry, tmp_path):
    registry.create_model("oneshot")
    a = write(tmp_path / "a.bin", os.urandom(1000))
    b = write(tmp_path / "b.txt", b"hello")
    v = registry.push("oneshot", [a, b], meta={"description": "first", "tags": {"k": "v"}},
                      lineage={"run": "run-1"})
    assert v["version"] == 1 and v["state"] == "sealed"
    assert sorted(x["name"] for x in v["artifacts"]) == ["a.bin", "b.txt"]
    out = tmp_path / "out"
    paths = registry.pull("oneshot", "latest", out)
    assert sorted(os.path.basename(p) for p in paths) == ["a.bin", "b.txt"]
    assert open(out / "a.bin", "rb").read() == open(a, "rb").read()
    assert os.listdir(out) == ["a.bin", "b.txt"] or sorted(os.listdir(out)) == ["a.bin", "b.txt"]


def test_push_draft_streamed(registry, tmp_path):
    registry.create_model("drafted")
    data = os.urandom(3 << 20)
    f = write(tmp_path / "big.bin", data)
    v = registry.push("drafted", {"weights.bin": f}, one_shot_max_bytes=0)
    assert v["state"] == "sealed"
    [art] = v["artifacts"]
    assert art["name"] == "weights.bin" and art["sha256"] == hashlib.sha256(data).hexdigest()


def _blob_path(data_dir, sha):
    for root, _, files in os.walk(data_dir):
        for name in files:
            if sha in name or sha in os.path.join(root, name).replace(os.sep, ""):
                return os.path.join(root, name)
    raise AssertionError(f"blob {sha} not found under {data_dir}")


def test_pull_mismatch_leaves_nothing(registry, server, tmp_path):
    registry.create_model("corrupt")
    data = b"x" * 4096
    v = registry.push("corrupt", [write(tmp_path / "w.bin", data), write(tmp_path / "ok.txt", b"ok")])
    sha = hashlib.sha256(data).hexdigest()
    blob = _blob_path(server.data_dir, sha)
    os.chmod(blob, 0o644)
    with open(blob, "r+b") as f:
        f.write(b"y")
    out = tmp_path / "pulled"
    with pytest.raises(DigestMismatchError):
        registry.pull("corrupt", v["version"], out)
    assert os.listdir(out) == []


def test_versions_search_promote_alias_history_lineage(registry, tmp_path):
    registry.create_model("life")
    f = write(tmp_path / "f.bin", b"1")
    v1 = registry.push("life", [f], meta={"tags": {"kind": "base"}})
    v2 = registry.push("life", [f], meta={"tags": {"kind": "tuned"},
                                         "parity": {"skip": "a test blob, not a model"}},
                       lineage={"parents": [{"model": "life", "version": v1["version"],
                                             "relation": "fine-tuned-from"}]})
    assert [x["version"] for x in registry.versions("life")] == [2, 1]
    hits = registry.search("model = 'life' AND tags.kind = 'tuned'")
    assert [x["version"] for x in hits] == [2]
    assert registry.promote("life", 2, "staging")["stage"] == "staging"
    registry.promote("life", 2, "production")
    assert registry.get("life", "production")["version"] == 2
    registry.alias("life", "champion", 1)
    assert registry.alias("life", "champion")["version"] == 1
    assert registry.get("life", "@champion")["version"] == 1
    registry.alias("life", "champion", delete=True)
    with pytest.raises(NotFoundError):
        registry.alias("life", "champion")
    timeline = registry.history("life")["timeline"]
    assert timeline[-1]["version"] == 2
    graph = registry.lineage("life", v2["version"])
    assert any(n.get("version") == 1 for n in graph["nodes"])


def test_predict_binary(registry, tmp_path):
    register(registry, "adder", add_fp32, tmp_path)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones((2, 3), dtype=np.float32)
    out = registry.predict("adder", "production", {"a": a, "b": b})
    np.testing.assert_array_equal(out["sum"], a + b)
    np.testing.assert_array_equal(out["diff"], a - b)
    with pytest.raises(ModelvaultError) as e:
        registry.predict("adder", "production", {"a": a, "b": np.ones((2, 4), np.float32)})
    assert e.value.status == 400


def test_register_torch(registry):
    import torch
    from modelvault import register_torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    result = register_torch(registry, net, "torch-mlp", torch.randn(5, 4),
                            lineage={"run": "run-torch"}, parity_timeout=240)
    v = result["version"]
    assert sorted(a["name"] for a in v["artifacts"]) == [
        "model.onnx", "reference.safetensors", "traced.pt", "weights.pt"]
    assert v["meta"]["env"]["torch"] == torch.__version__
    assert result["parity"]["status"] == "passed", result["parity"]
    x = np.random.rand(3, 4).astype(np.float32)
    out = registry.predict("torch-mlp", v["version"], {"x": x})
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out["y"], want, rtol=1e-4, atol=1e-5)
