// Reads a ModelProto too large to hold, field by field, keeping everything except tensor
// payloads (raw_data and the typed data fields), so a multi-GB model is inspected in
// bounded memory.
#pragma once

#include <cstdint>

#include "onnx/onnx_pb.h"
#include "registry/blob_store.h"
#include "registry/status.h"

namespace mv::formats::onnx {

// Payloads up to this size are kept (small constants such as Dropout's training_mode).
inline constexpr int64_t kKeptPayloadBytes = 64;

struct StreamedModel {
  ::onnx::ModelProto model;
  int64_t skipped_payload_bytes = 0;  // tensor data not read
  int64_t skipped_fields = 0;         // fields dropped because the memory budget ran out
};

// Walks `bytes` as a ModelProto holding at most `budget` bytes of fields. DataLoss for
// malformed protobuf; the reader's error when it cannot read. Not thread-safe per reader.
Result<StreamedModel> ReadModelStreaming(BlobReader& bytes, int64_t budget);

}  // namespace mv::formats::onnx
