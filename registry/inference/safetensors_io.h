// safetensors in and out (the JSON header is read with util's bounded reader): the one
// codec of the project, for the predict routes' bodies, the reference data of a version and the files exchanged with the TorchScript
// worker process. Layout: an 8-byte little-endian header length, a JSON object mapping
// each tensor name to {"dtype","shape","data_offsets"} (plus an ignored "__metadata__"),
// then the data, which the offsets must cover exactly (no overlap, no holes). Dtypes BOOL,
// U8..U64, I8..I64, F16, BF16, F32, F64; BYTES tensors cannot be stored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::inference {

struct SafetensorsLimits {
  size_t max_tensors = 1024;
  int64_t max_header_bytes = int64_t{16} << 20;
};

// The tensors in the order of the header (for files this codec wrote, also the order of
// their data). InvalidArgument saying what is wrong for a malformed file (header length,
// JSON, dtype, shape against offsets, holes or overlaps); ResourceExhausted above `limits`.
// Copies the data; `bytes` may be discarded afterwards.
Result<std::vector<Tensor>> DecodeSafetensors(std::string_view bytes,
                                              const SafetensorsLimits& limits = {});

// The file holding `tensors`, data in the given order, the header padded with spaces to a
// multiple of 8 bytes. InvalidArgument for BYTES, an empty, reserved or repeated name, or
// data whose size does not match the shape.
Result<std::string> EncodeSafetensors(const std::vector<Tensor>& tensors);

// The safetensors name of a dtype ("F32", "BOOL", ...); nullptr for BYTES.
const char* SafetensorsDTypeName(DType t);

}  // namespace mv::inference
