#include "registry/inference/ort_validator.h"

#include <onnxruntime_cxx_api.h>
#include <onnxruntime_session_options_config_keys.h>

#include <new>

#include "registry/inference/onnx_session.h"
#include "registry/inference/ort_info.h"

namespace mv::inference {
namespace {

constexpr size_t kMaxMessageChars = 2000;

Ort::SessionOptions ValidationOptions() {
  Ort::SessionOptions o;
  o.SetIntraOpNumThreads(1);
  o.SetInterOpNumThreads(1);
  o.SetExecutionMode(ORT_SEQUENTIAL);
  // Loading, not optimizing: the verdict is about the model as written, and optimizations
  // (constant folding) would run parts of it.
  o.SetGraphOptimizationLevel(ORT_DISABLE_ALL);
  o.DisableCpuMemArena();
  o.DisableMemPattern();
  // The inspector turns external initializers into graph inputs before validating; any
  // path left in the model must still never reach the filesystem.
  o.AddConfigEntry(kOrtSessionOptionsModelExternalInitializersFileFolderPath,
                   "/nonexistent/modelvault-external-data-is-not-supported");
  return o;
}

}  // namespace

std::string OrtModelValidator::name() const { return "onnxruntime " + OnnxRuntimeVersion(); }

Result<formats::onnx::Validation> OrtModelValidator::Validate(std::string_view model) const {
  ASSIGN_OR_RETURN(const Ort::Env* env, SharedEnv());
  std::lock_guard<std::mutex> lock(mu_);
  formats::onnx::Validation v;
  try {
    Ort::Session session(*env, model.data(), model.size(), ValidationOptions());
    v.valid = true;
  } catch (const Ort::Exception& e) {
    if (e.GetOrtErrorCode() == ORT_ENGINE_ERROR || e.GetOrtErrorCode() == ORT_EP_FAIL) {
      return Internal(std::string("ONNX Runtime failed: ") + e.what());
    }
    v.message = std::string(e.what()).substr(0, kMaxMessageChars);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while ONNX Runtime loaded the model");
  } catch (const std::exception& e) {
    return Internal(std::string("ONNX Runtime failed: ") + e.what());
  }
  return v;
}

}  // namespace mv::inference
