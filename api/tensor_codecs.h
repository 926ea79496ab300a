// Tensors as whole files, for the predict routes: numpy's .npy (one tensor) and
// safetensors (named tensors).
//
// npy: versions 1.0, 2.0 and 3.0 are read (the header is parsed by registry/formats/npy,
// which never evaluates it); little-endian or byte-order-free dtypes b1, i1..i8, u1..u8,
// f2, f4, f8 and fixed-width bytes S<n> (as BYTES, trailing NULs dropped, as numpy does);
// C order only. Fortran order, object, structured, unicode and big-endian arrays are
// refused. Written as numpy 1.24 writes it (version 1.0 unless the header needs 2.0),
// BF16 widened to float32 (npy has no bfloat16) and BYTES as S<longest>.
// safetensors: an 8-byte little-endian header length, a JSON header mapping each name to
// {"dtype","shape","data_offsets"} (plus an ignored "__metadata__"), then the data, which
// the offsets must cover exactly (no overlap, no holes). Dtypes BOOL, U8..U64, I8..I64,
// F16, BF16, F32, F64; BYTES cannot be written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api {

struct TensorCodecLimits {
  size_t max_tensors = 256;
  int64_t max_header_bytes = int64_t{16} << 20;  // the safetensors JSON header
};

// The one array in `bytes`, named `name`. InvalidArgument saying what is wrong (bad
// magic or header, refused dtype or order, data size against shape).
Result<Tensor> DecodeNpy(std::string_view bytes, const std::string& name);
// InvalidArgument when the tensor's data does not match its shape.
Result<std::string> EncodeNpy(const Tensor& t);

// The tensors in header order. InvalidArgument for a malformed file; ResourceExhausted
// above the limits.
Result<std::vector<Tensor>> DecodeSafetensors(std::string_view bytes,
                                              const TensorCodecLimits& limits = {});
// Data in the given order; the header's keys are sorted. InvalidArgument for BYTES, a
// duplicate name or data that does not match a shape.
Result<std::string> EncodeSafetensors(const std::vector<Tensor>& tensors);

}  // namespace mv::api
