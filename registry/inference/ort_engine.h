// OrtEngine: the InferenceEngine on ONNX Runtime's CPU provider. Sessions are cached by the
// model's key (the artifact's SHA-256), built lazily from the bytes the ModelSource loads,
// optimised with ORT_ENABLE_ALL and warmed once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::inference {

class SessionCache;
class OnnxSession;

struct OrtEngineOptions {
  // Sessions kept loaded; beyond it the least recently used one is dropped (in-flight runs
  // on it finish first).
  size_t max_sessions = 16;
  // Bound on the sum of the cached models' sizes in bytes (the ONNX file; a session's memory
  // is about that plus its activations). A larger model alone is refused (ResourceExhausted).
  int64_t max_session_bytes = int64_t{1} << 30;
  // Threads of each session's intra-op pool, the calling thread included; 0 means
  // std::thread::hardware_concurrency().
  int intra_op_threads = 0;
  // Whether idle intra-op threads spin before they block. Off by default: a server shares
  // its cores with HTTP workers, parity checks and other sessions' pools, and spinning
  // threads burn those cores between requests (measure before turning it on: it can lower
  // batch-1 latency on otherwise idle cores).
  bool allow_spinning = false;
  // Bound on the bytes of one run's outputs (ResourceExhausted beyond it).
  int64_t max_output_bytes = int64_t{256} << 20;
};

struct SessionCacheCounts {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

class OrtEngine final : public InferenceEngine {
 public:
  // InvalidArgument for out-of-range options (max_sessions and the byte limits >= 1,
  // intra_op_threads 0..256); Internal when ONNX Runtime cannot start. All engines share one
  // process-wide Ort::Env, created by the first and never destroyed.
  static Result<std::unique_ptr<OrtEngine>> Create(const OrtEngineOptions& options);
  ~OrtEngine() override;

  // See InferenceEngine. Signature loads the model into the cache. A sequence, map or
  // optional input/output is listed with its innermost element type and an empty shape;
  // Run answers InvalidArgument "not supported: ..." for it (for an output only when it is
  // selected: all outputs are selected when RunOptions.outputs is empty).
  // ResourceExhausted when the model is larger than max_session_bytes; Unavailable when the
  // cache is full of models still loading. Thread-safe.
  Result<ModelSignature> Signature(const ModelSource& model) override;
  // Run with RunOptions.optimized = false builds a session of its own with ORT_DISABLE_ALL
  // and one thread, calls model.load() for it, and drops it afterwards.
  Result<std::vector<Tensor>> Run(const ModelSource& model, const std::vector<Tensor>& inputs,
                                  const RunOptions& options) override;
  bool Loaded(const std::string& key) const override;

  // The options in effect (intra_op_threads resolved).
  const OrtEngineOptions& options() const { return options_; }
  size_t CachedSessions() const;
  int64_t CachedBytes() const;
  // The session cache's hits, misses and evictions (for /metrics). Thread-safe.
  SessionCacheCounts CacheCounts() const;

 private:
  explicit OrtEngine(const OrtEngineOptions& options);
  Result<std::shared_ptr<OnnxSession>> Cached(const ModelSource& model);
  Result<std::unique_ptr<OnnxSession>> Build(const ModelSource& model, bool optimized) const;

  OrtEngineOptions options_;
  std::unique_ptr<SessionCache> cache_;
};

}  // namespace mv::inference
