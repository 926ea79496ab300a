#include "registry/formats/onnx/external_tensors.h"

#include "onnx/onnx_pb.h"

namespace mv::formats::onnx {
namespace {

using ::onnx::AttributeProto;
using ::onnx::GraphProto;
using ::onnx::NodeProto;
using ::onnx::SparseTensorProto;
using ::onnx::TensorProto;

// Deeper nesting is counted as one external tensor: it is not looked into.
constexpr int kMaxDepth = 64;

int64_t External(const TensorProto& t) {
  return t.data_location() == TensorProto::EXTERNAL ? 1 : 0;
}

int64_t External(const SparseTensorProto& s) {
  return External(s.values()) + External(s.indices());
}

int64_t InGraph(const GraphProto& g, bool main, int depth);

int64_t InNodes(const google::protobuf::RepeatedPtrField<NodeProto>& nodes, int depth) {
  int64_t n = 0;
  for (const NodeProto& node : nodes) {
    for (const AttributeProto& a : node.attribute()) {
      if (a.has_t()) n += External(a.t());
      for (const TensorProto& t : a.tensors()) n += External(t);
      if (a.has_sparse_tensor()) n += External(a.sparse_tensor());
      for (const SparseTensorProto& s : a.sparse_tensors()) n += External(s);
      if (a.has_g()) n += InGraph(a.g(), false, depth + 1);
      for (const GraphProto& sub : a.graphs()) n += InGraph(sub, false, depth + 1);
    }
  }
  return n;
}

int64_t InGraph(const GraphProto& g, bool main, int depth) {
  if (depth > kMaxDepth) return 1;
  int64_t n = 0;
  if (!main) {
    for (const TensorProto& t : g.initializer()) n += External(t);
  }
  for (const SparseTensorProto& s : g.sparse_initializer()) n += External(s);
  return n + InNodes(g.node(), depth);
}

}  // namespace

Result<int64_t> ExternalTensorsBeyondInitializers(std::string_view model) {
  ::onnx::ModelProto m;
  if (!m.ParseFromArray(model.data(), static_cast<int>(model.size()))) {
    return DataLoss("the model is not an ONNX ModelProto");
  }
  int64_t n = InGraph(m.graph(), /*main=*/true, 0);
  for (const auto& f : m.functions()) n += InNodes(f.node(), 0);
  return n;
}

}  // namespace mv::formats::onnx
