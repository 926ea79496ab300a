// Where an ONNX model keeps tensors as external data. Serving hands ONNX Runtime the files
// its main graph's initializers name (the ones the inspection lists); a tensor stored
// externally anywhere else would be looked up by ONNX Runtime on disk, relative to the
// working directory, so such a model is not served.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace mv::formats::onnx {

// Tensors stored as external data outside the main graph's initializers: in subgraphs
// (If/Loop/Scan bodies, at any depth), in node attributes (Constant), in sparse
// initializers and in model-local functions. DataLoss when `model` is not a ModelProto.
// Thread-safe (no state).
Result<int64_t> ExternalTensorsBeyondInitializers(std::string_view model);

}  // namespace mv::formats::onnx
