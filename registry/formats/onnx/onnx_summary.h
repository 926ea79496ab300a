// What an ONNX model holds, as a Summary: IR version, opsets, producer, graph inputs and
// outputs with element types and dims, initializers by dtype, op histogram, metadata and
// external-data references.
#pragma once

#include <cstdint>
#include <string>

#include "onnx/onnx_pb.h"
#include "registry/formats/summary.h"

namespace mv::formats::onnx {

// Tensors with more elements than this are "absurd" (2^40: a 4 TiB float tensor).
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

// Elements of a tensor with these dims; -1 when a dim is negative, the product overflows
// or exceeds kMaxTensorElements.
int64_t CheckedElements(const google::protobuf::RepeatedField<int64_t>& dims);

// Bytes per element of an ONNX TensorProto data type, or 0 (STRING, UNDEFINED, unknown).
int64_t ElementSize(int32_t data_type);

// "FLOAT", "INT64", ... or "TYPE_<n>" for a number this onnx version does not name.
std::string ElementTypeName(int32_t data_type);

// Whether the tensor keeps its data outside the model file.
bool IsExternal(const ::onnx::TensorProto& t);

// The summary of a parsed model. Works on a model whose tensor payloads were skipped
// (sizes come from dims and data types).
Summary SummarizeModel(const ::onnx::ModelProto& model);

}  // namespace mv::formats::onnx
