// ServingService: which stored version answers an inference request, and running it.
// It resolves a model name and a version reference to a servable version (sealed, not a
// tombstone, with an ONNX artifact that is neither quarantined nor unsafe) and forwards to
// the InferenceEngine, which checks tensors against the model's signature. Protocol-free:
// the HTTP codecs (OIP JSON, npy, safetensors) live in api/.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"
#include "registry/types.h"
#include "registry/version_service.h"

namespace mv {

struct ServingOptions {
  // ONNX artifacts above this are not loaded (the whole file is read into memory once, when
  // no session is cached for it). Protobuf cannot parse more than 2 GiB anyway.
  int64_t max_model_bytes = int64_t{2} << 30;
};

// A model name and a version reference as VersionService::Resolve takes it.
struct ModelRef {
  std::string model;
  std::string ref;
};

// A resolved, servable version and where its ONNX bytes come from.
struct ServedVersion {
  std::string model;
  int64_t number = 0;
  Artifact artifact;   // the ONNX artifact served (see ServedOnnxArtifact)
  ModelSource source;  // key = artifact SHA-256; load reads the blob
  // Dynamic batching: meta.serving's policy when the version's parity `batch` check passed,
  // else max_batch 0 (see BatchingOf).
  BatchPolicy batching;
};

// The ONNX artifact a version serves: the one named "model.onnx" when there is one, else
// the first ONNX artifact by name (kind "onnx" by the upload's sniffing or its
// inspection). Null when the version has none. The parity checks must judge this same
// artifact.
const Artifact* ServedOnnxArtifact(const Version& v);

// How a version is batched: meta.serving's policy when its parity report's `batch` check
// passed, max_batch 0 otherwise (no or malformed meta.serving, the check failed, skipped or
// not run). `final` is false while the parity report is missing or pending (the answer may
// still change). Reads v.reports, which must be loaded.
struct Batching {
  BatchPolicy policy;
  bool final = true;
};
Batching BatchingOf(const Version& v);

class ServingService {
 public:
  // Both must outlive the service.
  ServingService(VersionService& versions, InferenceEngine& engine, ServingOptions options = {});

  // Splits the model segment of an Open Inference Protocol URL: "m" names m's production
  // version; "m@staging", "m@production", "m@archived" and "m@latest" name that reference;
  // any other "m@x" names alias x (so "m@3" is the alias "3"; numbers go in /versions/3).
  // InvalidArgument for an empty part.
  static Result<ModelRef> ParseModelSegment(std::string_view segment);

  // The servable version `ref` names (an integer, latest, a stage or @alias). NotFound when
  // the model, the stage holder, the alias or the version does not exist or the version is
  // a tombstone; FailedPrecondition for a draft, a version without an ONNX artifact, an
  // artifact that is quarantined, unsafe or larger than max_model_bytes. Thread-safe.
  // A stage, an alias or latest is looked up on every call; the version it names is read
  // only the first time (see served_).
  Result<ServedVersion> Resolve(const std::string& model, const std::string& ref);

  // The model's declared inputs and outputs; loads the model into the engine when it is not
  // cached. InvalidArgument when the artifact is not a model the engine can run. Thread-safe.
  Result<ModelSignature> Signature(const ServedVersion& v);

  // Runs the model, with the version's batching policy (an engine that batches coalesces
  // concurrent single-item runs). The engine checks the tensors against the signature
  // (InvalidArgument naming the input or output and what was expected); Internal when it
  // fails. Thread-safe.
  Result<std::vector<Tensor>> Run(const ServedVersion& v, const std::vector<Tensor>& inputs,
                                  const RunOptions& options);

  // Whether the engine holds a session for the version's artifact.
  bool Loaded(const ServedVersion& v) const;

  // Called after each Run with the version, whether it succeeded and how long it took
  // (metrics). Set before serving; runs on the request's thread and must be thread-safe.
  using RunHook = std::function<void(const ServedVersion&, bool ok, int64_t duration_us)>;
  void OnRun(RunHook hook) { on_run_ = std::move(hook); }

 private:
  Result<Version> ServableVersion(const std::string& model, const Result<int64_t>& number);
  std::optional<ServedVersion> Served(const std::string& model, int64_t number) const;
  void RememberServed(const ServedVersion& v);

  VersionService& versions_;
  InferenceEngine& engine_;
  ServingOptions options_;
  RunHook on_run_;
  // Servable versions by "model/number", so that the hot path (a stage or an alias per
  // request) costs one lookup instead of reading the whole version with its artifacts and
  // reports again. Sound because what a sealed version serves never changes (its artifacts,
  // their inspection and quarantine are fixed when it is sealed) and a stage, an alias or
  // latest never names a draft or a deleted version (staging and aliases need a live sealed
  // version; deleting one clears its stage and aliases). A version named by its number is
  // read every time: it may have been deleted since. Bounded: cleared when full.
  mutable std::mutex served_mu_;
  std::unordered_map<std::string, ServedVersion> served_;
};

}  // namespace mv
