#include "registry/inference/ort_engine.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include "registry/formats/onnx/external_tensors.h"
#include "registry/inference/onnx_session.h"
#include "registry/inference/session_cache.h"

#if defined(__SANITIZE_ADDRESS__)
#define MV_LEAK_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MV_LEAK_SANITIZER 1
#endif
#endif
#ifdef MV_LEAK_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

namespace mv::inference {
namespace {

constexpr int kMaxThreads = 256;

}  // namespace

// The one Ort::Env of the process. Never destroyed: sessions must not outlive it, and a
// static destructor could run while a detached thread still holds one.
Result<const Ort::Env*> SharedEnv() {
  static const Result<const Ort::Env*> env = []() -> Result<const Ort::Env*> {
#ifdef MV_LEAK_SANITIZER
    // ONNX Runtime 1.29 loses one 14-byte block while it creates its environment (with or
    // without a later release of the Env). Ignoring this one call is narrower than an LSan
    // suppression of the whole library, which would also hide sessions or values we leak.
    __lsan::ScopedDisabler ignore_ort_init_leak;
#endif
    try {
      return static_cast<const Ort::Env*>(new Ort::Env(ORT_LOGGING_LEVEL_ERROR, "modelvault"));
    } catch (const std::exception& e) {
      return Internal(std::string("ONNX Runtime cannot start: ") + e.what());
    }
  }();
  return env;
}

namespace {

Result<std::string> LoadBytes(const ModelSource& model, int64_t max_bytes) {
  if (!model.load) return Internal("the model source has no loader");
  Result<std::string> bytes = Internal("the model loader did not run");
  try {
    bytes = model.load();
  } catch (const std::exception& e) {
    return Internal(std::string("loading the model bytes failed: ") + e.what());
  }
  if (!bytes.ok()) return bytes.status();
  if (bytes->empty()) return InvalidArgument("the model file is empty");
  if (static_cast<int64_t>(bytes->size()) > max_bytes) {
    return ResourceExhausted("the model (" + std::to_string(bytes->size()) +
                             " bytes) is larger than the session cache (" +
                             std::to_string(max_bytes) + " bytes)");
  }
  return bytes;
}

// The model's external data files; their total with the model's `model_bytes` must stay
// within `max_bytes` (the session holds a copy of every initializer).
Result<std::vector<ExternalFile>> LoadExternal(const ModelSource& model, int64_t model_bytes,
                                               int64_t max_bytes) {
  if (!model.load_external) return std::vector<ExternalFile>();
  Result<std::vector<ExternalFile>> files = Internal("the external data loader did not run");
  try {
    files = model.load_external();
  } catch (const std::exception& e) {
    return Internal(std::string("loading the external data failed: ") + e.what());
  }
  if (!files.ok()) return files.status();
  int64_t total = model_bytes;
  for (const ExternalFile& f : *files) total += static_cast<int64_t>(f.bytes.size());
  if (total > max_bytes) {
    return ResourceExhausted("the model with its external data (" + std::to_string(total) +
                             " bytes) is larger than the session cache (" +
                             std::to_string(max_bytes) + " bytes)");
  }
  return files;
}

}  // namespace

Result<std::unique_ptr<OrtEngine>> OrtEngine::Create(const OrtEngineOptions& options) {
  if (options.max_sessions < 1 || options.max_session_bytes < 1 || options.max_output_bytes < 1) {
    return InvalidArgument("the session and output limits must be at least 1");
  }
  if (options.intra_op_threads < 0 || options.intra_op_threads > kMaxThreads) {
    return InvalidArgument("intra_op_threads must be 0 (all cores) to " +
                           std::to_string(kMaxThreads));
  }
  RETURN_IF_ERROR(SharedEnv().status());
  OrtEngineOptions resolved = options;
  if (resolved.intra_op_threads == 0) {
    resolved.intra_op_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  return std::unique_ptr<OrtEngine>(new OrtEngine(resolved));
}

OrtEngine::OrtEngine(const OrtEngineOptions& options)
    : options_(options),
      cache_(std::make_unique<SessionCache>(options.max_sessions, options.max_session_bytes)) {}

OrtEngine::~OrtEngine() = default;

Result<std::unique_ptr<OnnxSession>> OrtEngine::Build(const ModelSource& model,
                                                      bool optimized) const {
  ASSIGN_OR_RETURN(const Ort::Env* env, SharedEnv());
  ASSIGN_OR_RETURN(std::string bytes, LoadBytes(model, options_.max_session_bytes));
  ASSIGN_OR_RETURN(
      std::vector<ExternalFile> external,
      LoadExternal(model, static_cast<int64_t>(bytes.size()), options_.max_session_bytes));
  if (!external.empty()) {
    // With buffers, ORT would look for other external tensors on disk (see external_tensors.h).
    Result<int64_t> beyond = formats::onnx::ExternalTensorsBeyondInitializers(bytes);
    if (!beyond.ok()) return InvalidArgument(beyond.status().message());
    if (*beyond > 0) {
      return InvalidArgument("not supported: " + std::to_string(*beyond) +
                             " tensors stored as external data outside the main graph's "
                             "initializers (in subgraphs, Constant nodes or functions)");
    }
  }
  SessionConfig config;
  config.optimized = optimized;
  config.max_output_bytes = options_.max_output_bytes;
  // The graph-as-written sessions serve parity checks, not latency: one thread, so that
  // they do not compete with the serving pools.
  config.intra_op_threads = optimized ? options_.intra_op_threads : 1;
  config.allow_spinning = optimized && options_.allow_spinning;
  // ORT keeps its own copy of the graph and of the external initializers.
  return OnnxSession::Create(*env, bytes, external, config);
}

Result<std::shared_ptr<OnnxSession>> OrtEngine::Cached(const ModelSource& model) {
  if (model.key.empty()) return InvalidArgument("the model source has no key");
  return cache_->GetOrBuild(model.key, model.size, [&]() -> Result<SessionCache::Built> {
    ASSIGN_OR_RETURN(std::unique_ptr<OnnxSession> session, Build(model, /*optimized=*/true));
    // A model whose zero inputs fail (a Reshape fed its own data, ...) still serves real ones.
    static_cast<void>(session->Warm());
    SessionCache::Built built;
    built.bytes = session->model_bytes();
    built.session = std::move(session);
    return built;
  });
}

Result<ModelSignature> OrtEngine::Signature(const ModelSource& model) {
  ASSIGN_OR_RETURN(std::shared_ptr<OnnxSession> session, Cached(model));
  return session->signature();
}

Result<std::vector<Tensor>> OrtEngine::Run(const ModelSource& model,
                                           const std::vector<Tensor>& inputs,
                                           const RunOptions& options) {
  if (!options.optimized) {
    ASSIGN_OR_RETURN(std::unique_ptr<OnnxSession> session, Build(model, /*optimized=*/false));
    return session->Run(inputs, options.outputs);
  }
  // The shared_ptr keeps the session alive if it is evicted while this run is under way.
  ASSIGN_OR_RETURN(std::shared_ptr<OnnxSession> session, Cached(model));
  return session->Run(inputs, options.outputs);
}

bool OrtEngine::Loaded(const std::string& key) const { return cache_->Contains(key); }

size_t OrtEngine::CachedSessions() const { return cache_->size(); }

int64_t OrtEngine::CachedBytes() const { return cache_->bytes(); }

SessionCacheCounts OrtEngine::CacheCounts() const {
  SessionCache::Counts c = cache_->counts();
  return SessionCacheCounts{c.hits, c.misses, c.evictions};
}

}  // namespace mv::inference
