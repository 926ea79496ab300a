// Tensors as whole .npy files (one tensor), for the predict routes; their safetensors
// bodies use the registry's one codec (registry/inference/safetensors_io.h).
//
// npy: versions 1.0, 2.0 and 3.0 are read (the header is parsed by registry/formats/npy,
// which never evaluates it); little-endian or byte-order-free dtypes b1, i1..i8, u1..u8,
// f2, f4, f8 and fixed-width bytes S<n> (as BYTES, trailing NULs dropped, as numpy does);
// C order only. Fortran order, object, structured, unicode and big-endian arrays are
// refused. Written as numpy 1.24 writes it (version 1.0 unless the header needs 2.0),
// BF16 widened to float32 (npy has no bfloat16) and BYTES as S<longest>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api {

// The one array in `bytes`, named `name`. InvalidArgument saying what is wrong (bad
// magic or header, refused dtype or order, data size against shape).
Result<Tensor> DecodeNpy(std::string_view bytes, const std::string& name);
// InvalidArgument when the tensor's data does not match its shape.
Result<std::string> EncodeNpy(const Tensor& t);

}  // namespace mv::api
