#!/usr/bin/python3
"""Writes the seed corpus of each fuzz target into OUT/<target>/.

Seeds are the repository's fixtures (tests/fixtures/**) routed by kind, plus small
hand-made inputs (valid, hostile and truncated) built here with the standard library only.
Nothing is ever unpickled: pickle.dumps only writes references to globals such as
os.system. Usage: make_seeds.py OUT (run by tests/fuzz/run_fuzzers.sh).
"""
import collections
import io
import json
import os
import pathlib
import pickle
import struct
import sys
import tarfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


class Reduce:
    """Pickles as a call to os.system; used only to produce hostile bytes."""

    def __reduce__(self):
        return (os.system, ("true",))


def safetensors_file(header, data=b""):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    ok = safetensors_file(
        {"__metadata__": {"format": "pt"},
         "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
         "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]}},
        bytes(24))
    index = json.dumps({"metadata": {"total_size": 24},
                        "weight_map": {"a": "model-00001-of-00002.safetensors",
                                       "b": "model-00002-of-00002.safetensors"}}).encode()
    return {
        "ok.safetensors": ok,
        "bf16_scalar.safetensors": safetensors_file(
            {"s": {"dtype": "BF16", "shape": [], "data_offsets": [0, 2]}}, bytes(2)),
        "overlap.safetensors": safetensors_file(
            {"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
             "b": {"dtype": "U8", "shape": [8], "data_offsets": [4, 12]}}, bytes(12)),
        "len_past_end.safetensors": struct.pack("<Q", 1 << 40) + b"{}",
        "not_json.safetensors": struct.pack("<Q", 5) + b"{abc]",
        "truncated.safetensors": ok[: len(ok) // 2],
        "model.safetensors.index.json": index,
    }


def npy_bytes(descr="<f4", shape=(2, 3), fortran=False, version=1, data=None):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, fortran, repr(tuple(shape)))
    size_len = 2 if version == 1 else 4
    pad = 64 - (10 + (size_len - 2) + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    fmt = "<H" if version == 1 else "<I"
    out = b"\x93NUMPY" + bytes([version, 0]) + struct.pack(fmt, len(header)) + header
    if data is None:
        count = 1
        for d in shape:
            count *= d
        data = bytes(count * 4)
    return out + data


def zip_bytes(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def npy_seeds():
    ok = npy_bytes()
    return {
        "ok.npy": ok,
        "v2_fortran.npy": npy_bytes(fortran=True, version=2),
        "scalar.npy": npy_bytes(shape=(), data=bytes(4)),
        "object.npy": npy_bytes(descr="|O", shape=(1,), data=b"\x80\x02N."),
        "struct.npy": npy_bytes(descr="[('a', '<f4')]", shape=(1,)),
        "truncated.npy": ok[:40],
        "ok.npz": zip_bytes([("x.npy", ok), ("y.npy", npy_bytes(descr="<i8", shape=(3,),
                                                                   data=bytes(24)))]),
        "deflated.npz": zip_bytes([("x.npy", ok)], zipfile.ZIP_DEFLATED),
    }


def tar_bytes():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in [("saved_model/saved_model.pb", b"\x08\x01"),
                           ("../escape.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("saved_model/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link)
    return buf.getvalue()


def zip_seeds():
    link = zipfile.ZipInfo("link")
    link.external_attr = 0o120777 << 16  # a symlink entry
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("dir/ok.txt", b"hello")
        z.writestr(link, b"/etc/passwd")
    return {
        "ok.zip": zip_bytes([("saved_model/saved_model.pb", b"\x08\x01"),
                             ("saved_model/variables/variables.index", b"")]),
        "dotdot.zip": zip_bytes([("../../evil.sh", b"#!/bin/sh\n"), ("/abs", b"")]),
        "bomb.zip": zip_bytes([("zeros", bytes(1 << 20))], zipfile.ZIP_DEFLATED),
        "symlink.zip": buf.getvalue(),
        "entries.tar": tar_bytes(),
    }


def pickle_seeds():
    objects = {
        "dict": {"a": [1, 2.5, "s", b"b", None, True], "b": (1, (2, (3,)))},
        "ordered": collections.OrderedDict([("w", [1, 2]), ("x", {"y": 1 << 80})]),
        "sets": [{1, 2}, frozenset({3}), bytearray(b"ab"), -1, 1 << 40, "é" * 3],
    }
    seeds = {}
    for name, obj in objects.items():
        for proto in range(0, 6):
            seeds["%s_p%d.pkl" % (name, proto)] = pickle.dumps(obj, protocol=proto)
    for proto in range(0, 6):
        seeds["reduce_p%d.pkl" % proto] = pickle.dumps(Reduce(), protocol=proto)
    seeds.update({
        "global_reduce.pkl": b"cos\nsystem\n(S'true'\ntR.",
        "inst.pkl": b"(S'true'\nios\nsystem\n.",
        "obj.pkl": b"\x80\x02(cos\nsystem\nS'true'\no.",
        "memo.pkl": b"\x80\x02cos\nsystem\nq\x00h\x00(S'x'\ntR.",
        "nested_loads.pkl": b"\x80\x02c_pickle\nloads\nC\x0ecos\nsystem\n.\x85R.",
        "ext.pkl": b"\x80\x02\x82\x01\x83\x02\x00\x84\x03\x00\x00\x00\x87.",
        "two_pickles.pkl": pickle.dumps(1, protocol=2) + pickle.dumps([2], protocol=2),
    })
    return seeds


def torch_zip_seeds():
    malicious = zip_bytes([("archive/data.pkl", pickle.dumps(Reduce(), protocol=2)),
                           ("archive/version", b"3\n")])
    return {"malicious_data_pkl.pt": malicious}


def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def field(number, payload):
    """A protobuf field: varint for ints, length-delimited for bytes."""
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def onnx_seeds():
    # ModelProto{ir_version=8, opset_import={version=13}, graph={initializer=[t]}} where t
    # declares 10^12 FLOAT elements with no data, then one with external data.
    huge = field(1, 1000000) + field(1, 1000000) + field(2, 1) + field(8, b"huge")
    external = (field(1, 4) + field(2, 1) + field(8, b"ext") +
                field(13, field(1, b"location") + field(2, b"weights.bin")) + field(14, 1))
    graph = field(1, field(1, b"x") + field(2, b"y") + field(4, b"Relu")) + field(2, b"g")
    model = field(1, 8) + field(8, field(2, 13))
    return {
        "huge_tensor.onnx": model + field(7, graph + field(5, huge)),
        "external.onnx": model + field(7, graph + field(5, external)),
    }


def fixture_files(*suffixes):
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in suffixes:
            yield path.name, path.read_bytes()


def zip_members(suffixes, member_suffix):
    """Members of the fixture zips whose names end with member_suffix (torch's data.pkl)."""
    for name, data in fixture_files(*suffixes):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for member in z.namelist():
                    if member.endswith(member_suffix):
                        flat = member.replace("/", "_")
                        yield "%s_%s" % (name, flat), z.read(member)
        except zipfile.BadZipFile:
            continue


def filter_seeds():
    """The search filter language (registry/search/filter.h), as the docs show it."""
    texts = ["name = 'resnet18'", "stage = 'production' AND tags.team = 'vision'",
             "metrics.acc >= 0.9 OR NOT (params.lr < 1e-3)", "model LIKE 'res%'",
             "version IN (1, 2, 3)", "alias NOT IN ('champion')", "created_at > '2024-01-01'",
             "((name != 'a'))", "tags.`odd key` = 'x'", "description NOT LIKE '%tmp%'"]
    return {"filter_%d" % i: t.encode() for i, t in enumerate(texts)}


def range_seeds():
    """size\nRange\nContent-Digest\nX-Checksum-Sha256 (tests/fuzz/fuzz_api_targets.h)."""
    hexd = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    b64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    cases = ["1000\nbytes=0-99\n\n", "1000\nbytes=-10\nsha-256=:%s:\n" % b64,
             "1000\nbytes=900-\n\n%s" % hexd, "10\nbytes=20-30\n\nsha256:%s" % hexd,
             "0\nbytes=0-0\nsha-512=:AAAA:, sha-256=:%s:\n%s" % (b64, hexd),
             "5\nbytes=1-2,3-4\n\n"]
    return {"range_%d" % i: c.encode() for i, c in enumerate(cases)}


def oip_seeds():
    """Inference-Header-Content-Length\nbody: JSON and binary infer requests."""
    plain = json.dumps({"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32",
                                    "data": [0.5, -1, 2, 0]}]})
    nested = json.dumps({"id": "r1", "inputs": [
        {"name": "a", "shape": [2, 2], "datatype": "INT64", "data": [[1, 2], [3, 4]]},
        {"name": "b", "shape": [2], "datatype": "BOOL", "data": [True, False]},
        {"name": "s", "shape": [1], "datatype": "BYTES", "data": ["hi"]}],
        "outputs": [{"name": "y", "parameters": {"binary_data": True}}]})
    head = json.dumps({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP16",
                                   "parameters": {"binary_data_size": 4}}],
                       "parameters": {"binary_data_output": True}}).encode()
    binary = str(len(head)).encode() + b"\n" + head + struct.pack("<2e", 1.5, -2.0)
    return {"oip_plain": b"\n" + plain.encode(), "oip_nested": b"\n" + nested.encode(),
            "oip_binary": binary}


def oip_json_seeds():
    """OIP JSON infer bodies (no binary part): every datatype, nested and flat data, members
    in any order, escapes, numbers at the edges of their types."""
    def body(*inputs, **rest):
        return json.dumps(dict({"inputs": list(inputs)}, **rest)).encode()

    def one(dtype, shape, data, **extra):
        return dict({"name": "x", "shape": shape, "datatype": dtype, "data": data}, **extra)

    seeds = {
        "fp32_flat": body(one("FP32", [1, 4], [0.1, -1.5e-7, 3.4028234663852886e38, 0])),
        "fp32_nested": body(one("FP32", [2, 2], [[1, 2.5], [-0.0, 1e-40]])),
        "fp64": body(one("FP64", [3], [0.1, 1e308, -5e-324])),
        "fp16_bf16": body(one("FP16", [2], [65504, -0.1]),
                          dict(one("BF16", [2], [1.5, -2]), name="y")),
        "ints": body(one("INT8", [2], [-128, 127]), dict(one("UINT8", [1], [255]), name="u8"),
                     dict(one("INT64", [2], [-9223372036854775808, 9223372036854775807]),
                          name="i64"),
                     dict(one("UINT64", [1], [18446744073709551615]), name="u64"),
                     dict(one("INT16", [1, 1, 1], [[[-7]]]), name="i16")),
        "bool": body(one("BOOL", [2, 2], [[True, False], [1, 0]])),
        "bytes": body(one("BYTES", [3], ["a\"b", "\u00e9\ud83d\ude00", ""])),
        "data_first": json.dumps({"inputs": [{"data": [[1, 2], [3, 4]], "shape": [2, 2],
                                              "datatype": "INT32", "name": "late"}]}).encode(),
        "wrong_kind": body(one("INT32", [3], [1, 2.5, "3"])),
        "count_mismatch": body(one("FP32", [2, 3], [1, 2, 3])),
        "too_deep": body(one("FP32", [2], [[1], [2]])),
        "head": body(one("FP32", [1], [7]), id="r-1",
                     parameters={"binary_data_output": True},
                     outputs=[{"name": "y", "parameters": {"binary_data": False}}]),
        "spaces": b' { "inputs" : [ { "name" : "x" , "shape" : [ 2 ] , "datatype" : "FP32" ,'
                  b' "data" : [ 1 , 2 ] } ] } \n',
        "repeated": b'{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],'
                    b'"data":[2]}],"inputs":[{"name":"x","shape":[1],"datatype":"FP64",'
                    b'"data":[3]}]}',
        "empty": body(),
    }
    return seeds


def json_seeds():
    """Version meta objects as the README and docs/http-api.md show them."""
    metas = [{"description": "first export", "lineage": {"run": "r-42", "commit": "9f1c2e7"}},
             {"tags": {"team": "vision"}, "params": {"lr": 0.001}, "metrics": {"acc": 0.91}},
             {"lineage": {"parents": [{"model": "resnet18", "version": 3,
                                       "relation": "fine-tuned-from"}],
                          "datasets": [{"name": "imagenet", "digest": "sha256:" + "ab" * 32}],
                          "commit": {"repo": "git@x:y.git", "sha": "9f1c2e7"},
                          "run": {"id": "r-1", "url": "https://ci/1"}}},
             {"checksums": {"model.onnx": "sha256:" + "00" * 32}, "env": {"torch": "1.13"},
              "parity": {"atol": 1e-2, "rtol": 1e-2}}]
    return {"meta_%d" % i: json.dumps(m).encode() for i, m in enumerate(metas)}


def multipart_seeds():
    """Parts separated by \\x01, each "name\\tfilename\\n" and data (fuzz_multipart.cc)."""
    meta = json.dumps({"description": "d", "lineage": {"run": "r"}}).encode()
    return {"parts_meta_and_file": b"meta\t\n" + meta + b"\x01model.onnx\tmodel.onnx\n" +
            b"\x08\x07" * 40,
            "parts_generic": b"file\tweights.pt\nPK\x03\x04\x01files\tx.npy\n\x93NUMPY",
            "parts_many": b"\x01".join(b"a%d\t\nxx" % i for i in range(6)),
            "parts_bad_names": b"../etc\t\nx\x01\tnofield\ny\x01meta\t\n{}\x01meta\t\n{}"}


def main():
    out = pathlib.Path(sys.argv[1])
    targets = {
        "fuzz_safetensors": dict(safetensors_seeds(), **dict(fixture_files(".safetensors"))),
        "fuzz_npy": dict(npy_seeds(), **dict(fixture_files(".npy", ".npz"))),
        "fuzz_onnx": dict(onnx_seeds(), **dict(fixture_files(".onnx"))),
        "fuzz_zip": dict(zip_seeds(), **dict(fixture_files(".zip", ".tar", ".npz", ".pt"))),
        "fuzz_pickle": dict(pickle_seeds(), **dict(fixture_files(".pkl", ".pickle")),
                            **dict(zip_members([".pt"], ".pkl"))),
        "fuzz_torch_zip": dict(torch_zip_seeds(), **dict(fixture_files(".pt"))),
        "fuzz_filter": filter_seeds(),
        "fuzz_range": range_seeds(),
        "fuzz_oip": oip_seeds(),
        "fuzz_oip_json": oip_json_seeds(),
        "fuzz_json": json_seeds(),
        "fuzz_multipart": multipart_seeds(),
    }
    # Legacy (non-zip) torch files are pickles.
    for name, data in fixture_files(".pt"):
        if not data.startswith(b"PK"):
            targets["fuzz_pickle"][name] = data
    for target, seeds in targets.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (folder / name).write_bytes(data)
        print("%s: %d seeds" % (target, len(seeds)))


if __name__ == "__main__":
    main()
