#include "tests/conformance/node_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace mv::conformance {
namespace {

namespace fs = std::filesystem;

std::string TypeText(const onnx::TypeProto& t) {
  switch (t.value_case()) {
    case onnx::TypeProto::kTensorType: {
      const std::string dt = OipDatatype(t.tensor_type().elem_type());
      return "tensor(" +
             (dt.empty() ? onnx::TensorProto::DataType_Name(t.tensor_type().elem_type()) : dt) +
             ")";
    }
    case onnx::TypeProto::kSequenceType:
      return "seq(" + TypeText(t.sequence_type().elem_type()) + ")";
    case onnx::TypeProto::kOptionalType:
      return "optional(" + TypeText(t.optional_type().elem_type()) + ")";
    case onnx::TypeProto::kMapType:
      return "map(" + onnx::TensorProto::DataType_Name(t.map_type().key_type()) + "," +
             TypeText(t.map_type().value_type()) + ")";
    case onnx::TypeProto::kSparseTensorType:
      return "sparse_tensor";
    default:
      return "undefined";
  }
}

IoSpec SpecOf(const onnx::ValueInfoProto& v) {
  IoSpec s;
  s.name = v.name();
  s.type_text = TypeText(v.type());
  s.is_tensor = v.type().has_tensor_type();
  if (!s.is_tensor) return s;
  const onnx::TypeProto::Tensor& t = v.type().tensor_type();
  s.datatype = OipDatatype(t.elem_type());
  s.has_shape = t.has_shape();
  for (const auto& d : t.shape().dim()) s.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return s;
}

// Loads <set_dir>/<prefix>_K.pb for every K the graph declares that has a file.
Status LoadTensors(const std::string& set_dir, const std::string& prefix,
                   const std::vector<IoSpec>& specs, std::vector<HostTensor>& out) {
  for (size_t k = 0; k < specs.size(); ++k) {
    const std::string path = set_dir + "/" + prefix + "_" + std::to_string(k) + ".pb";
    std::error_code ec;
    if (!fs::exists(path, ec)) break;  // the runner feeds only the inputs that have files
    const IoSpec& spec = specs[k];
    if (!spec.is_tensor || spec.datatype.empty()) {
      return FailedPrecondition(prefix + " '" + spec.name + "' is " + spec.type_text +
                                ": the Open Inference Protocol carries only tensors");
    }
    ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    onnx::TensorProto proto;
    if (!proto.ParseFromString(bytes)) return InvalidArgument(path + " is not a TensorProto");
    ASSIGN_OR_RETURN(HostTensor t, FromTensorProto(proto, spec.name));
    // onnx 1.12's generator wrote bfloat16 data as UINT16 tensors of the same bits.
    if (spec.datatype == "BF16" && t.datatype == "UINT16") t.datatype = "BF16";
    if (t.datatype != spec.datatype) {
      return InvalidArgument(path + " holds " + t.datatype + ", the graph declares " +
                             spec.type_text);
    }
    out.push_back(std::move(t));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ListCases(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("test_", 0) == 0 && it->is_directory(ec)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<NodeCase> LoadCase(const std::string& dir) {
  NodeCase c;
  c.dir = dir;
  c.name = fs::path(dir).filename().string();
  ASSIGN_OR_RETURN(c.model_bytes, ReadFile(dir + "/model.onnx"));
  onnx::ModelProto model;
  if (!model.ParseFromString(c.model_bytes)) {
    return InvalidArgument(dir + "/model.onnx is not an ONNX ModelProto");
  }
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  for (const auto& v : model.graph().input()) {
    c.inputs.push_back(SpecOf(v));
    c.inputs.back().has_initializer = initializers.count(v.name()) > 0;
  }
  for (const auto& v : model.graph().output()) c.outputs.push_back(SpecOf(v));
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind("test_data_set_", 0) == 0) {
      c.data_sets.push_back(it->path().string());
    }
  }
  std::sort(c.data_sets.begin(), c.data_sets.end());
  if (c.data_sets.empty()) return InvalidArgument(dir + " has no test_data_set_*");
  return c;
}

Result<DataSet> LoadDataSet(const NodeCase& c, const std::string& set_dir) {
  DataSet d;
  d.dir = set_dir;
  for (const char* prefix : {"input", "output"}) {
    const bool inputs = prefix[0] == 'i';
    Status st =
        LoadTensors(set_dir, prefix, inputs ? c.inputs : c.outputs, inputs ? d.inputs : d.outputs);
    if (st.code() == Code::kFailedPrecondition) {
      d.not_expressible = st.message();
      return d;
    }
    RETURN_IF_ERROR(st);
    d.inputs_complete = true;
  }
  if (d.outputs.size() != c.outputs.size()) {
    return InvalidArgument(set_dir + " has " + std::to_string(d.outputs.size()) +
                           " output files, the graph declares " + std::to_string(c.outputs.size()) +
                           " outputs");
  }
  return d;
}

}  // namespace mv::conformance
