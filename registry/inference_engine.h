// InferenceEngine: how the registry runs a stored model. The registry owns this interface;
// registry/inference/ implements it with ONNX Runtime (the only folder that sees ORT).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace mv {

// Element types, named as the Open Inference Protocol names them (BOOL, INT8..UINT64, FP16,
// FP32, FP64, BYTES); BF16 is carried through but has no OIP name of its own.
enum class DType {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kFloat16,
  kBFloat16,
  kFloat32,
  kFloat64,
  kBytes,  // ONNX string tensors
};

// "FP32", "INT64", ...; "BF16" for kBFloat16.
const char* DTypeName(DType t);
std::optional<DType> DTypeFromName(std::string_view name);
// Bytes per element; 0 for kBytes.
size_t DTypeSize(DType t);

// A dense, row-major, little-endian tensor. For kBytes the elements live in `strings` and
// `data` is empty.
struct Tensor {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::string data;
  std::vector<std::string> strings;

  // Product of the dims (1 for a scalar); nullopt when a dim is negative or it overflows.
  std::optional<int64_t> ElementCount() const;
};

// One declared input or output. Dynamic dims are -1; `dim_names` holds the symbolic name
// ("batch") or "" for each dim.
struct TensorSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;
};

struct ModelSignature {
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

// One file holding a model's external data: the `location` its initializers name and the
// file's bytes.
struct ExternalFile {
  std::string location;
  std::string bytes;
};

// Where a model's bytes come from. `key` (the artifact's SHA-256, with its data files'
// digests when it has external data) names the cached session; `load` is called only when
// no session for `key` exists and returns the whole ONNX file; `load_external`, when set, is
// called with it and returns the external data files (an engine gives them to the runtime
// in memory, never as paths).
struct ModelSource {
  std::string key;
  int64_t size = 0;
  std::function<Result<std::string>()> load;
  std::function<Result<std::vector<ExternalFile>>()> load_external;
};

// Dynamic batching of one served version (its meta.serving): concurrent single-item runs
// are coalesced along the first axis, up to max_batch rows, a run waiting at most
// max_delay_us for companions. max_batch < 2 runs alone.
struct BatchPolicy {
  int max_batch = 0;
  int64_t max_delay_us = 0;
};

struct RunOptions {
  // Output names to return; empty means every output, in declaration order.
  std::vector<std::string> outputs;
  // false runs the graph as written (no graph optimisation, in a session of its own that
  // is not cached): parity checks use it because optimisers remove training-mode Dropout.
  bool optimized = true;
  // Honoured by an engine that batches (inference::Batcher); others ignore it.
  BatchPolicy batch;
};

class InferenceEngine {
 public:
  virtual ~InferenceEngine() = default;
  // The declared inputs and outputs; loads the model when it is not cached.
  // InvalidArgument when the bytes are not a model the engine can run (the message says
  // why), ResourceExhausted/Unavailable when the cache cannot hold it. Thread-safe.
  virtual Result<ModelSignature> Signature(const ModelSource& model) = 0;
  // Runs the model. InvalidArgument naming the input when a name, type or shape does not
  // match the signature; Internal when the runtime fails. Thread-safe: concurrent runs on
  // one model share its session.
  virtual Result<std::vector<Tensor>> Run(const ModelSource& model,
                                          const std::vector<Tensor>& inputs,
                                          const RunOptions& options) = 0;
  // Whether a session for `key` is loaded (OIP's model ready).
  virtual bool Loaded(const std::string& key) const = 0;
};

}  // namespace mv
