#include "util/json_escape.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace mv::util {
namespace {

using nlohmann::json;

TEST(JsonEscapeTest, StringsAreEscapedAsNlohmannDoes) {
  const std::string bad_utf8 = "caf\xc3";  // cut inside a two-byte sequence
  for (const std::string& s :
       {std::string("plain-name_1.0"), std::string(""), std::string("q\"uote\\back"),
        std::string("tab\tnl\n\x01"), std::string("caf\xc3\xa9 \xe2\x82\xac"), bad_utf8,
        std::string("sha256:abc/../x?y=1&z")}) {
    std::string out = "x";
    AppendJsonString(out, s);
    EXPECT_EQ(out, "x" + json(s).dump(-1, ' ', false, json::error_handler_t::replace)) << s;
    EXPECT_TRUE(json::accept(out.substr(1))) << s;
  }
}

TEST(JsonEscapeTest, JsonStringQuotes) {
  EXPECT_EQ(JsonString("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(JsonString("bad \xff byte"), "\"bad \xEF\xBF\xBD byte\"");
}

}  // namespace
}  // namespace mv::util
