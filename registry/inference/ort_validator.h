// OrtModelValidator: validates an ONNX model by ONNX Runtime's own loading (a session
// built with graph optimizations off, never run), for models newer than the onnx checker
// linked into the inspectors reads (IR 9 and 10). It runs in the process that inspects the
// upload: the inspector hands it only models it read whole within InspectLimits (so the
// session holds at most one more copy of a bounded model), and one validation runs at a
// time, so concurrent uploads cannot multiply that memory.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "registry/formats/onnx/model_validator.h"

namespace mv::inference {

class OrtModelValidator final : public formats::onnx::ModelValidator {
 public:
  std::string name() const override;
  // Valid when a session can be created from `model`; invalid with ONNX Runtime's message
  // (an undefined input, an op unknown at its opset, a type mismatch, ...). ResourceExhausted
  // when it ran out of memory, Internal when the runtime cannot start. Thread-safe
  // (serialized).
  Result<formats::onnx::Validation> Validate(std::string_view model) const override;

 private:
  mutable std::mutex mu_;
};

}  // namespace mv::inference
