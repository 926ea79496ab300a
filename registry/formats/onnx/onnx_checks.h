// Findings for the mistakes ONNX exports make most, and the onnx library's own checker.
#pragma once

#include "onnx/onnx_pb.h"
#include "registry/formats/artifact_format.h"

namespace mv::formats::onnx {

// Default-domain opsets above this are "opset-too-new" (what the bundled runtime runs).
inline constexpr int64_t kMaxSupportedOpset = 21;
// The newest IR version Debian's onnx 1.12 checker understands.
inline constexpr int64_t kMaxCheckedIrVersion = 8;

// "fixed-batch-dim", "training-mode-op", "opset-too-new" and "absurd-tensor-shape"
// findings; `file_size` bounds what embedded initializers may declare. Returns false when
// a tensor shape is absurd (nothing may size buffers by it).
bool AddModelFindings(const ::onnx::ModelProto& model, int64_t file_size, Inspection& out);

// Runs onnx::checker::check_model and shape inference (which edits `model`) when the IR
// version allows; every exception becomes a "checker-failed" error finding. Sets
// summary "checker" to "passed", "failed" or "skipped".
void RunChecker(::onnx::ModelProto& model, Inspection& out);

}  // namespace mv::formats::onnx
