// OnnxSession: one ONNX Runtime session with its signature. Internal to registry/inference/
// (it includes the ORT headers); the rest of the program sees InferenceEngine.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::inference {

// The one ONNX Runtime environment of the process (made on first use, never destroyed).
// Internal when the runtime cannot start. Thread-safe.
Result<const Ort::Env*> SharedEnv();

struct SessionConfig {
  int intra_op_threads = 1;
  bool allow_spinning = false;
  bool optimized = true;  // ORT_ENABLE_ALL, else ORT_DISABLE_ALL
  int64_t max_output_bytes = int64_t{256} << 20;
};

class OnnxSession {
 public:
  // Builds a session from the whole ONNX file in `model` and the files its external data
  // names (`external`, by location; copied by ONNX Runtime, which never opens a file for
  // them). InvalidArgument when ONNX Runtime refuses the bytes (the message says why: a
  // location not among `external`, data past a file's end...) or an input or output has an
  // element type without a DType; Internal when the runtime itself fails. `env` must outlive
  // the session.
  static Result<std::unique_ptr<OnnxSession>> Create(const Ort::Env& env, const std::string& model,
                                                     const std::vector<ExternalFile>& external,
                                                     const SessionConfig& config);
  static Result<std::unique_ptr<OnnxSession>> Create(const Ort::Env& env, const std::string& model,
                                                     const SessionConfig& config) {
    return Create(env, model, {}, config);
  }

  // Inputs and outputs as declared. A sequence, map or optional is listed with its innermost
  // element type and an empty shape; Run refuses it (see NonTensorKind).
  const ModelSignature& signature() const { return signature_; }
  // Size of the ONNX file the session was built from, with its external data.
  int64_t model_bytes() const { return model_bytes_; }

  // Validates `inputs` against the signature (InvalidArgument naming the input and what was
  // expected), runs, and copies the selected outputs (all when `outputs` is empty).
  // ResourceExhausted when the outputs exceed max_output_bytes; Internal when the runtime
  // fails. Thread-safe: ONNX Runtime allows concurrent runs on one session.
  Result<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs,
                                  const std::vector<std::string>& outputs);

  // One run with zero-filled inputs, dynamic dims set to 1, so that the first request does
  // not pay for lazy allocations. Skipped (Ok) when an input is not a tensor or the inputs
  // would be large; the error when the run fails (the session stays usable).
  Status Warm();

 private:
  OnnxSession(Ort::Session session, SessionConfig config);
  Status ReadSignature();
  // Runs checked inputs; every ORT exception becomes a Status here. `quiet` keeps ORT from
  // logging a failure.
  Result<std::vector<Tensor>> Execute(const std::vector<Tensor>& inputs,
                                      const std::vector<size_t>& outputs, bool quiet);

  Ort::Session session_;
  SessionConfig config_;
  int64_t model_bytes_ = 0;
  ModelSignature signature_;
  // "" for a tensor; otherwise what the input/output is ("sequence<tensor(FP32)>").
  std::vector<std::string> input_kinds_;
  std::vector<std::string> output_kinds_;
  Ort::MemoryInfo cpu_;
};

}  // namespace mv::inference
