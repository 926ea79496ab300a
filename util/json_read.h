// The one reader of untrusted JSON: nlohmann's SAX parser building the document in one pass
// while it counts bytes, values and depth, so that a small input of many tiny values cannot
// make the parse allocate far more than the input. Used for request bodies (OIP, meta) and
// for the JSON inside artifacts (safetensors headers, index files, stored summaries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mv::util {

struct JsonReadLimits {
  size_t max_bytes = size_t{64} << 20;
  int max_depth = 64;
  int64_t max_values = int64_t{1} << 20;  // every value (scalars, arrays, objects) counts one
  // A key repeated within one object is an error (an artifact header that names a tensor
  // twice is ambiguous); otherwise the last value wins, as json::parse does.
  bool reject_duplicate_keys = false;
  // How errors name the text: "<what> is not valid JSON", "<what> has more than N values".
  std::string what = "the JSON";
};

// Parses `text` as one JSON value. InvalidArgument for malformed text (naming the byte),
// nesting deeper than max_depth or a repeated key (when refused); ResourceExhausted past
// max_bytes or max_values.
// Thread-safe (no shared state).
Result<nlohmann::json> ReadJson(std::string_view text, const JsonReadLimits& limits = {});
// The same, keeping the document order of object members (artifact headers, where the
// order is what the writer chose and reports list it).
Result<nlohmann::ordered_json> ReadOrderedJson(std::string_view text,
                                               const JsonReadLimits& limits = {});

// The value as an int64 when it is an integer written without fraction or exponent that
// fits one; nullopt otherwise.
std::optional<int64_t> JsonInt64(const nlohmann::json& v);
std::optional<int64_t> JsonInt64(const nlohmann::ordered_json& v);

}  // namespace mv::util
