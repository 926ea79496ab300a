// Builders for the cross-artifact tests: torch.save-shaped zips holding chosen tensors (any
// dtype, shape, stride, offset) and ONNX models with chosen initializers, all in memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "onnx/onnx_pb.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::formats::test {

struct FakeTensor {
  std::string name;
  std::string key;                             // storage key: its bytes are data/<key>
  std::string storage_class = "FloatStorage";  // torch.<class>
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;  // empty: contiguous
  int64_t offset = 0;           // in elements
  int64_t storage_numel = 0;    // 0: the tensor's element count
};

inline std::string Le32(int64_t v) {
  auto u = static_cast<uint32_t>(v);
  std::string s(4, '\0');
  for (int k = 0; k < 4; ++k) s[k] = static_cast<char>(u >> (8 * k));
  return s;
}

inline std::string IntTuple(const std::vector<int64_t>& values) {
  std::string s = "(";
  for (int64_t v : values) s += "J" + Le32(v);
  return s + "t";
}

inline std::vector<int64_t> ContiguousStride(const std::vector<int64_t>& shape) {
  std::vector<int64_t> stride(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) stride[d - 1] = stride[d] * shape[d];
  return stride;
}

inline int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// data.pkl of an OrderedDict {name: tensor} in the order given, as torch.save writes it.
inline std::string StateDictPickleOf(const std::vector<FakeTensor>& tensors) {
  std::string out = "\x80\x02" + PickleGlobal("collections", "OrderedDict") + ")R(";
  for (const FakeTensor& t : tensors) {
    std::vector<int64_t> stride = t.stride.empty() ? ContiguousStride(t.shape) : t.stride;
    int64_t numel = t.storage_numel > 0 ? t.storage_numel : Numel(t.shape);
    out += PickleStr(t.name) + PickleGlobal("torch._utils", "_rebuild_tensor_v2") + "((" +
           PickleStr("storage") + PickleGlobal("torch", t.storage_class) + PickleStr(t.key) +
           PickleStr("cpu") + "J" + Le32(numel) + "tQJ" + Le32(t.offset) + IntTuple(t.shape) +
           IntTuple(stride) + "\x89" + PickleGlobal("collections", "OrderedDict") + ")RtR";
  }
  return out + "u.";
}

// A torch.save zip: data.pkl, one data/<key> entry per storage, version.
inline std::string TorchZipOf(const std::vector<FakeTensor>& tensors,
                              const std::vector<std::pair<std::string, std::string>>& storages) {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"archive/data.pkl", StateDictPickleOf(tensors)}};
  for (const auto& [key, bytes] : storages) entries.push_back({"archive/data/" + key, bytes});
  entries.push_back({"archive/version", "3\n"});
  return MakeZip(entries);
}

inline std::string FloatBytes(const std::vector<float>& values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.data(), s.size());  // the tests run on little-endian hosts
  return s;
}

// A model whose graph holds `inits` (and one Identity node so it is a graph at all).
inline ::onnx::ModelProto ModelWith(const std::vector<::onnx::TensorProto>& inits) {
  ::onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("pytorch");
  m.set_producer_version("1.13.0");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("x");
  n->add_output("y");
  for (const auto& t : inits) *g->add_initializer() = t;
  return m;
}

inline ::onnx::TensorProto RawInit(const std::string& name, int32_t dtype,
                                   const std::vector<int64_t>& dims, const std::string& raw) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(dtype);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(raw);
  return t;
}

inline ::onnx::TensorProto FloatInit(const std::string& name, const std::vector<int64_t>& dims,
                                     const std::vector<float>& values) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  for (float v : values) t.add_float_data(v);
  return t;
}

}  // namespace mv::formats::test
