// An input's "data" array read straight from the request text into tensor bytes, one
// element at a time, with no document in between. Used by oip_codec.cc; the element rules
// are described in oip_codec.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/oip_json_cursor.h"
#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api::oip {

struct JsonData {
  int64_t given = 0;  // scalars in the array
  // Each set to the first fault of its kind, in the order DecodeInput reports them: the
  // value is not an array or is nested deeper than the shape, an element has the wrong
  // kind or is out of range.
  Status shape_error;
  Status element_error;
  std::string bytes;                 // min(given, count) elements of t's datatype
  std::vector<std::string> strings;  // BYTES
};

// Reads the value at the cursor as t's data; `t` has its name, dtype and shape, `count` is
// the shape's element count. At most `count` elements are kept; the rest are counted.
// Returns the cursor's errors (malformed JSON, depth and value limits); faults of the data
// itself are recorded in the JsonData.
// Thread-compatible: it only touches `c`.
Result<JsonData> ReadJsonData(JsonCursor& c, const Tensor& t, int64_t count);

}  // namespace mv::api::oip
