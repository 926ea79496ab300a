#include "util/json_escape.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace mv::util {

void AppendJsonString(std::string& out, std::string_view s) {
  // Names, stages and most messages are printable ASCII: they need no escaping. Anything else
  // takes nlohmann's escaping, so that the text is the same as a tree's dump.
  const bool plain = std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    using nlohmann::json;
    out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  out.append(s);
  out += '"';
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

}  // namespace mv::util
