// Facts about the linked ONNX Runtime. Inference itself arrives with the inference engine.
#pragma once

#include <string>

namespace mv::inference {

// The ONNX Runtime version string of the loaded library ("1.29.0").
std::string OnnxRuntimeVersion();

}  // namespace mv::inference
