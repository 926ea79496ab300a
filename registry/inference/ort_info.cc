#include "registry/inference/ort_info.h"

#include <onnxruntime_c_api.h>

namespace mv::inference {

std::string OnnxRuntimeVersion() { return OrtGetApiBase()->GetVersionString(); }

}  // namespace mv::inference
