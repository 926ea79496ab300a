// OnnxFormat (kind "onnx"): a ModelProto parsed with protobuf, summarized, checked with
// the onnx library where its version allows (IR <= 8) and by the ModelValidator above it.
// ONNX holds no code: a model that parses is safe to load.
#pragma once

#include "registry/formats/artifact_format.h"
#include "registry/formats/onnx/model_validator.h"

namespace mv::formats::onnx {

// Thread-safe.
class OnnxFormat : public ArtifactFormat {
 public:
  // `validator` (not owned, may be null, must outlive this) validates models above IR 8
  // (see ValidateWithRuntime); without one they get a "not-validated" warning.
  explicit OnnxFormat(const ModelValidator* validator = nullptr) : validator_(validator) {}
  std::string_view kind() const override { return "onnx"; }
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  // Files up to limits.max_read_bytes are parsed whole and checked; larger ones are walked
  // field by field without their tensor payloads (and not checked). A model with more
  // than limits.max_items nodes, initializers, inputs, outputs or value_info entries gets
  // a "too-many-items" error and only its header is summarized.
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;

 private:
  const ModelValidator* validator_;
};

}  // namespace mv::formats::onnx
