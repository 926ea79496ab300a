// Tensor elements in the Open Inference Protocol's binary tensor data extension, and
// output elements as JSON. Used by oip_codec.cc; the rules are described there. JSON
// input data is read by oip_json_data.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api::oip {

// Fills t from binary bytes; `count` is the element count of t.shape. InvalidArgument when
// the size does not match, a BOOL byte is not 0 or 1, or BYTES elements do not add up.
Status DecodeBinaryData(std::string_view bytes, int64_t count, Tensor& t);

// Appends t's elements as a flat JSON array. Internal when the data does not match the
// shape.
Status AppendJsonData(const Tensor& t, std::string& out);

// Appends t's elements in binary form. Internal when the data does not match the shape.
Status AppendBinaryData(const Tensor& t, std::string& out);

// Bytes AppendBinaryData would append.
size_t BinarySize(const Tensor& t);

}  // namespace mv::api::oip
