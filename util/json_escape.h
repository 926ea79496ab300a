// The one JSON string writer of the project: every hand-written JSON answer, report and
// worker message quotes its strings through here.
#pragma once

#include <string>
#include <string_view>

namespace mv::util {

// Appends `s` as a quoted JSON string, byte for byte as nlohmann's dump() writes it with
// error_handler_t::replace: control characters escaped, invalid UTF-8 bytes become U+FFFD.
// Thread-safe (no state).
void AppendJsonString(std::string& out, std::string_view s);

// The quoted string alone.
std::string JsonString(std::string_view s);

}  // namespace mv::util
