// Digests of the tensors of a torch.save zip (state dict or checkpoint), each storage entry
// streamed once, never held whole.
#pragma once

#include "registry/blob_store.h"
#include "registry/formats/cross/slice_match.h"
#include "registry/formats/cross/tensor_digest.h"
#include "util/status.h"

namespace mv::formats::cross {

// Walks data.pkl (never executing it) and hashes every contiguous tensor whose bytes fit
// `*budget` (decremented by what is hashed). Non-contiguous tensors, unknown dtypes,
// big-endian files and storages too short are listed with `why_not`. DataLoss when the
// bytes are not a torch zip with a walkable data.pkl; the reader's error when it fails.
// Thread-safe (no state).
Result<TensorDigests> DigestTorchZip(BlobReader& bytes, const DigestLimits& limits,
                                     int64_t* budget);

// The rows of the tensors `views` name (indices into what DigestTorchZip returns for the same
// bytes), the zip streamed once more; a view that cannot be read (not contiguous, storage
// short) gets fewer rows than asked. Errors as DigestTorchZip. Thread-safe (no state).
Result<std::vector<RowDigests>> DigestTorchRows(BlobReader& bytes, const DigestLimits& limits,
                                                const std::vector<RowView>& views);

}  // namespace mv::formats::cross
