// ModelValidator: a second validator for ONNX models the onnx library linked here (Debian's
// 1.12, IR <= 8) cannot read. The inspector stays free of ONNX Runtime: main wires the
// runtime's implementation (inference::OrtModelValidator) into RegisterBuiltinFormats.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace mv::formats::onnx {

struct Validation {
  bool valid = false;
  std::string message;  // why not, when !valid (bounded)
};

class ModelValidator {
 public:
  virtual ~ModelValidator() = default;
  // Named in the inspection's summary ("onnxruntime 1.29.0").
  virtual std::string name() const = 0;
  // Loads the serialized ModelProto in `model` the way the runtime would and says whether
  // it is valid. A non-OK Status when the validator itself could not run (out of memory,
  // the runtime did not start); the caller does not treat that as a verdict. Thread-safe.
  virtual Result<Validation> Validate(std::string_view model) const = 0;
};

}  // namespace mv::formats::onnx
