#include "registry/formats/onnx/onnx_summary.h"

#include <limits>
#include <map>
#include <set>

namespace mv::formats::onnx {
namespace {

constexpr size_t kMaxDocChars = 1024;
constexpr int kMaxGraphDepth = 16;

Summary DimsSummary(const ::onnx::TensorShapeProto& shape) {
  Summary dims = Summary::MakeArray();
  for (const auto& d : shape.dim()) {
    if (d.has_dim_value()) {
      dims.Push(static_cast<int64_t>(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      dims.Push(d.dim_param());
    } else {
      dims.Push(Summary());
    }
  }
  return dims;
}

Summary ValueSummary(const ::onnx::ValueInfoProto& v) {
  Summary s = Summary::MakeObject();
  s.Set("name", v.name());
  const ::onnx::TypeProto& type = v.type();
  if (type.has_tensor_type()) {
    const auto& t = type.tensor_type();
    s.Set("elem_type", ElementTypeName(t.elem_type()));
    s.Set("shape", t.has_shape() ? DimsSummary(t.shape()) : Summary());
  } else {
    const char* kind = type.has_sequence_type()        ? "sequence"
                       : type.has_map_type()           ? "map"
                       : type.has_optional_type()      ? "optional"
                       : type.has_sparse_tensor_type() ? "sparse_tensor"
                                                       : "unknown";
    s.Set("type", kind);
  }
  return s;
}

void CountOps(const ::onnx::GraphProto& g, int depth, std::map<std::string, int64_t>& ops,
              int64_t& nodes) {
  if (depth > kMaxGraphDepth) return;
  for (const auto& n : g.node()) {
    ++nodes;
    bool standard = n.domain().empty() || n.domain() == "ai.onnx";
    ++ops[standard ? n.op_type() : n.domain() + "." + n.op_type()];
    for (const auto& a : n.attribute()) {
      if (a.has_g()) CountOps(a.g(), depth + 1, ops, nodes);
      for (const auto& sub : a.graphs()) CountOps(sub, depth + 1, ops, nodes);
    }
  }
}

Summary ExternalRef(const ::onnx::TensorProto& t) {
  Summary s = Summary::MakeObject();
  s.Set("tensor", t.name());
  for (const auto& e : t.external_data()) {
    if (e.key() == "location" || e.key() == "offset" || e.key() == "length" ||
        e.key() == "checksum") {
      s.Set(e.key(), e.value());
    }
  }
  return s;
}

// Initializer statistics: count, bytes by dtype, parameters, external references.
void Initializers(const ::onnx::GraphProto& g, Summary& out) {
  std::map<std::string, int64_t> bytes_by_dtype;
  int64_t bytes = 0, params = 0;
  Summary external = Summary::MakeArray();
  for (const auto& t : g.initializer()) {
    int64_t n = CheckedElements(t.dims());
    int64_t size = ElementSize(t.data_type());
    if (n >= 0) {
      params += n;
      bytes += n * size;
      bytes_by_dtype[ElementTypeName(t.data_type())] += n * size;
    }
    if (IsExternal(t)) external.Push(ExternalRef(t));
  }
  Summary by_dtype = Summary::MakeObject();
  for (const auto& [k, v] : bytes_by_dtype) by_dtype.Set(k, v);
  out.Set("initializer_count", static_cast<int64_t>(g.initializer_size()))
      .Set("initializer_bytes", bytes)
      .Set("initializer_bytes_by_dtype", std::move(by_dtype))
      .Set("parameter_count", params)
      .Set("external_data", std::move(external));
}

Summary GraphSummary(const ::onnx::GraphProto& g) {
  Summary s = Summary::MakeObject();
  s.Set("name", g.name());
  std::set<std::string> init_names;
  for (const auto& t : g.initializer()) init_names.insert(t.name());
  Summary inputs = Summary::MakeArray(), outputs = Summary::MakeArray();
  for (const auto& v : g.input()) {
    if (init_names.count(v.name()) == 0) inputs.Push(ValueSummary(v));  // IR < 4 lists them
  }
  for (const auto& v : g.output()) outputs.Push(ValueSummary(v));
  s.Set("inputs", std::move(inputs)).Set("outputs", std::move(outputs));
  Initializers(g, s);
  std::map<std::string, int64_t> ops;
  int64_t nodes = 0;
  CountOps(g, 0, ops, nodes);
  Summary hist = Summary::MakeObject();
  for (const auto& [op, n] : ops) hist.Set(op, n);
  s.Set("node_count", nodes).Set("op_histogram", std::move(hist));
  return s;
}

}  // namespace

int64_t CheckedElements(const google::protobuf::RepeatedField<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d != 0 && n > kMaxTensorElements / d) return -1;
    n *= d;
  }
  return n;
}

int64_t ElementSize(int32_t data_type) {
  using T = ::onnx::TensorProto;
  switch (data_type) {
    case T::BOOL:
    case T::INT8:
    case T::UINT8:
      return 1;
    case T::INT16:
    case T::UINT16:
    case T::FLOAT16:
    case T::BFLOAT16:
      return 2;
    case T::INT32:
    case T::UINT32:
    case T::FLOAT:
      return 4;
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE:
    case T::COMPLEX64:
      return 8;
    case T::COMPLEX128:
      return 16;
    case 17:
    case 18:
    case 19:
    case 20:
      return 1;  // the float8 types of onnx >= 1.14
    default:
      return 0;
  }
}

std::string ElementTypeName(int32_t data_type) {
  if (::onnx::TensorProto_DataType_IsValid(data_type)) {
    return ::onnx::TensorProto_DataType_Name(static_cast<::onnx::TensorProto_DataType>(data_type));
  }
  static const char* const kNewer[] = {"FLOAT8E4M3FN",   "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                       "FLOAT8E5M2FNUZ", "UINT4",          "INT4"};
  if (data_type >= 17 && data_type <= 22) return kNewer[data_type - 17];
  return "TYPE_" + std::to_string(data_type);
}

bool IsExternal(const ::onnx::TensorProto& t) {
  return t.data_location() == ::onnx::TensorProto::EXTERNAL;
}

Summary SummarizeModel(const ::onnx::ModelProto& m) {
  Summary s = Summary::MakeObject();
  s.Set("ir_version", static_cast<int64_t>(m.ir_version()));
  Summary opsets = Summary::MakeObject();
  for (const auto& o : m.opset_import()) {
    opsets.Set(o.domain().empty() ? "ai.onnx" : o.domain(), static_cast<int64_t>(o.version()));
  }
  std::string doc = m.doc_string().substr(0, kMaxDocChars);
  s.Set("opset_import", std::move(opsets))
      .Set("producer_name", m.producer_name())
      .Set("producer_version", m.producer_version())
      .Set("domain", m.domain())
      .Set("model_version", static_cast<int64_t>(m.model_version()))
      .Set("doc_string", doc)
      .Set("doc_string_truncated", m.doc_string().size() > kMaxDocChars);
  Summary meta = Summary::MakeObject();
  for (const auto& p : m.metadata_props()) meta.Set(p.key(), p.value());
  s.Set("metadata_props", std::move(meta));
  s.Set("graph", GraphSummary(m.graph()));
  return s;
}

}  // namespace mv::formats::onnx
