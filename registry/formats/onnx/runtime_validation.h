// Validation of ONNX models newer than the linked onnx checker reads (IR 9 and 10) by the
// ModelValidator main wires in (ONNX Runtime's loading).
#pragma once

#include "onnx/onnx_pb.h"
#include "registry/formats/artifact_format.h"
#include "registry/formats/onnx/model_validator.h"

namespace mv::formats::onnx {

// Validates `model` with `validator` and records the outcome: summary "validation"
// ({"validator", "status": passed|failed|error|not-run, "message"?, "external_as_inputs"?})
// and a finding: "runtime-validated" (info), "validation-failed" (error: the model is
// invalid), "validator-error" (error: no verdict, the model is not vouched for), or
// "not-validated" (error when `skip` says why the model could not be handed over; a
// warning when no validator is wired, as in tools and tests that inspect without a
// runtime). Initializers stored as external data become graph inputs of the same type and
// shape first (their bytes are the references report's business), which edits `model`.
void ValidateWithRuntime(const ModelValidator* validator, const char* skip,
                         ::onnx::ModelProto& model, Inspection& out);

}  // namespace mv::formats::onnx
