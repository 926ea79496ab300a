// The inspectors this build knows, registered explicitly from main (never from static
// initializers: a static library would drop them).
#pragma once

#include "registry/formats/artifact_format.h"
#include "registry/formats/onnx/model_validator.h"

namespace mv::formats {

// `onnx_validator` (not owned, may be null, must outlive `registry`) validates ONNX models
// newer than the linked onnx checker reads; main passes ONNX Runtime's.
void RegisterBuiltinFormats(FormatRegistry& registry,
                            const onnx::ModelValidator* onnx_validator = nullptr);

}  // namespace mv::formats
