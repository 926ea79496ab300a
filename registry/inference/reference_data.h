// Reference data a version carries for the parity checks: `reference.safetensors` or
// `reference.npz` holding the inputs as "input.<name>" and the training framework's outputs
// as "output.<name>".
#pragma once

#include <cstdint>
#include <string>

#include "registry/blob_store.h"
#include "registry/inference/parity_checks.h"
#include "util/status.h"

namespace mv::inference {

inline constexpr int64_t kMaxReferenceBytes = int64_t{512} << 20;

// Whether an artifact name is reference data ("reference.safetensors", "reference.npz").
bool IsReferenceName(const std::string& name);

// Reads the tensors (copying at most `max_bytes` of tensor data). InvalidArgument naming
// the problem for a malformed file, an unsupported dtype (big-endian, object, structured)
// or a tensor that is neither input.* nor output.*; DataLoss when the bytes cannot be read.
Result<ReferenceData> LoadReference(BlobReader& bytes, const std::string& name,
                                    int64_t max_bytes = kMaxReferenceBytes);

// numpy's dtype string ("<f4", "|b1", ...) as a DType; nullopt when unsupported.
std::optional<DType> DTypeFromNpyDescr(const std::string& descr);

}  // namespace mv::inference
