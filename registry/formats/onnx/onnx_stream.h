// Reads a ModelProto too large to hold, field by field, keeping everything except tensor
// payloads (raw_data and the typed data fields), so a multi-GB model is inspected in
// bounded memory.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "onnx/onnx_pb.h"
#include "registry/blob_store.h"
#include "util/status.h"

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

// Where one payload field of an initializer lies in the file; its bytes are not read.
struct PayloadSpan {
  uint32_t field = 0;      // TensorProto field: 4 float_data, 5 int32_data, 6 string_data,
                           // 7 int64_data, 9 raw_data, 10 double_data, 11 uint64_data
  uint32_t wire_type = 0;  // 2: bytes or packed values; 0, 1, 5: one unpacked value
  int64_t offset = 0;      // the value's first byte (after the tag and any length)
  int64_t length = 0;
};

// An initializer as ForEachInitializer sees it.
struct InitializerRef {
  ::onnx::TensorProto tensor;        // every field except the payloads
  std::vector<PayloadSpan> payload;  // in file order, at most kMaxPayloadSpans
  bool fragmented = false;           // more spans than that (unpacked values): not located
  bool trimmed = false;              // a non-payload field over kMaxTensorFieldBytes skipped
};

inline constexpr size_t kMaxPayloadSpans = 4096;
inline constexpr int64_t kMaxTensorFieldBytes = 1 << 20;

// Calls `visit` for each initializer of the main graph, in file order, holding one
// initializer's metadata at a time (never the model or a payload). Visits at most
// `max_items` and returns how many initializers the graph holds (counting stops at
// max_items + 1). DataLoss for malformed protobuf; the reader's or visit's error.
Result<int64_t> ForEachInitializer(BlobReader& bytes, int64_t max_items,
                                   const std::function<Status(const InitializerRef&)>& visit);

}  // namespace mv::formats::onnx
