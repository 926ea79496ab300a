// Tensor elements in the Open Inference Protocol's two forms: JSON values and the binary
// tensor data extension's bytes. Used by oip_codec.cc; the rules are described there.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api::oip {

// Scalars in `data` (an array, flat or nested). InvalidArgument, naming the input, for a
// non-array or nesting deeper than `max_depth`.
Result<int64_t> CountJsonElements(const nlohmann::json& data, size_t max_depth,
                                  const std::string& input);

// Fills t.data (or t.strings for BYTES) from `data`; t.name, dtype and shape are set and
// the element count was checked by the caller. InvalidArgument naming the input and the
// element for a value of the wrong kind or out of range.
Status DecodeJsonData(const nlohmann::json& data, Tensor& t);

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
