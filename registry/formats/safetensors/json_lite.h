// A small, strict, bounded JSON parser for the headers of safetensors files and their
// index files (registry code may not use a JSON library). RFC 8259 grammar; duplicate
// object keys, trailing bytes, excessive depth and excessive value counts are errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mv::formats::safetensors {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Defined in the .cc, where JsonValue is complete: clang with libstdc++ rejects the
  // implicit ones (the vector<pair<string, JsonValue>> member needs a complete JsonValue).
  JsonValue();
  ~JsonValue();
  JsonValue(const JsonValue&);
  JsonValue(JsonValue&&) noexcept;
  JsonValue& operator=(const JsonValue&);
  JsonValue& operator=(JsonValue&&) noexcept;

  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  bool is_integer = false;  // written without fraction or exponent and fits int64
  int64_t integer = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  // The member named `key` of an object, or nullptr.
  const JsonValue* Find(std::string_view key) const;
};

struct JsonLimits {
  int max_depth = 64;
  int64_t max_values = 1 << 20;  // every value (scalars, arrays, objects) counts one
};

// Parses `text` as one JSON value. InvalidArgument with the byte offset for malformed
// text; ResourceExhausted when a limit is exceeded.
Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits = {});

}  // namespace mv::formats::safetensors
