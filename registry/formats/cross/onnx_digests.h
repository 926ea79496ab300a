// Digests of an ONNX model's initializers, the model streamed once (never parsed whole,
// payloads read in chunks): raw_data, the typed data fields (float_data, int32_data, ...)
// rendered as the little-endian bytes raw_data would hold, and external data.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "registry/blob_store.h"
#include "registry/formats/cross/slice_match.h"
#include "registry/formats/cross/tensor_digest.h"
#include "util/status.h"

namespace mv::formats::cross {

// Opens the file an external-data `location` names (an artifact of the same version);
// NotFound when there is none.
using ExternalOpener = std::function<Result<std::unique_ptr<BlobReader>>(const std::string&)>;

// Hashes each initializer of the main graph whose bytes fit `*budget` (decremented by
// what is hashed). Absurd shapes, string tensors, payloads that do not match their shape
// and unresolvable external data are listed with `why_not`; nothing is ever sized by a
// declared shape. DataLoss for malformed protobuf; the reader's error when it fails.
// Thread-safe (no state).
Result<TensorDigests> DigestOnnxInitializers(BlobReader& bytes, const DigestLimits& limits,
                                             int64_t* budget, const ExternalOpener& external);

// The rows of the initializers `views` name (indices in the order DigestOnnxInitializers
// lists them), the model streamed once more; each one up to kMaxTransposedBytes is held
// whole while its rows (or its transpose's) are keyed, one at a time. A view that cannot be
// read gets no rows. Errors as DigestOnnxInitializers. Thread-safe (no state).
Result<std::vector<RowDigests>> DigestOnnxRows(BlobReader& bytes, const DigestLimits& limits,
                                               const ExternalOpener& external,
                                               const std::vector<RowView>& views);

}  // namespace mv::formats::cross
