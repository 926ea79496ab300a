#include "util/json_read.h"

#include <gtest/gtest.h>

#include <string>

namespace mv::util {
namespace {

using nlohmann::json;

JsonReadLimits Strict() {
  JsonReadLimits limits;
  limits.reject_duplicate_keys = true;
  return limits;
}

TEST(JsonReadTest, ParsesValues) {
  Result<json> v = ReadJson(R"( {"a":[1,-2,3.5e2,true,false,null],"b":"x"} )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const json& a = (*v)["a"];
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(JsonInt64(a[0]), 1);
  EXPECT_EQ(JsonInt64(a[1]), -2);
  EXPECT_FALSE(JsonInt64(a[2]).has_value());
  EXPECT_EQ(a[2].get<double>(), 350.0);
  EXPECT_TRUE(a[3].get<bool>());
  EXPECT_TRUE(a[5].is_null());
  EXPECT_EQ((*v)["b"], "x");
  EXPECT_FALSE(v->contains("c"));
}

TEST(JsonReadTest, DecodesEscapes) {
  Result<json> v = ReadJson(R"("a\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->get<std::string>(), "a\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(JsonReadTest, RejectsMalformedText) {
  for (const char* bad : {"",
                          "{",
                          "[1,]",
                          "{\"a\":1,}",
                          "01",
                          "1.",
                          "-",
                          "1e",
                          "tru",
                          "\"\\x\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "\"a\nb\"",
                          "{\"a\" 1}",
                          "{1:2}",
                          "[1] 2",
                          "'a'",
                          "\"unterminated",
                          "+1",
                          "NaN",
                          "\"\\u12\""}) {
    Result<json> r = ReadJson(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_NE(ReadJson("[1,]").status().message().find("not valid JSON (at byte 3)"),
            std::string::npos)
      << ReadJson("[1,]").status().message();
}

TEST(JsonReadTest, DuplicateKeysRefusedWhenAsked) {
  EXPECT_EQ(ReadJson("{\"a\":1,\"a\":2}", Strict()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ReadJson("{\"x\":{\"a\":1,\"a\":2}}", Strict()).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(ReadJson("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", Strict()).ok());
  Result<json> lenient = ReadJson("{\"a\":1,\"a\":2}");
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ((*lenient)["a"], 2);  // the last wins, as json::parse does
}

TEST(JsonReadTest, BoundsBytesDepthAndValueCount) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(ReadJson(deep).status().code(), Code::kInvalidArgument);
  EXPECT_NE(ReadJson(deep).status().message().find("nested deeper than 64"), std::string::npos);
  JsonReadLimits limits;
  limits.max_values = 3;
  EXPECT_TRUE(ReadJson("[1,2]", limits).ok());
  EXPECT_EQ(ReadJson("[1,2,3]", limits).status().code(), Code::kResourceExhausted);
  limits.max_bytes = 4;
  EXPECT_EQ(ReadJson("[1,2]", limits).status().code(), Code::kResourceExhausted);
  limits.what = "the header";
  EXPECT_NE(ReadJson("[1,2]", limits).status().message().find("the header is larger than 4"),
            std::string::npos);
}

TEST(JsonReadTest, HugeIntegersAreNotInt64) {
  Result<json> v = ReadJson("[9223372036854775807,9223372036854775808,-9223372036854775808]");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(JsonInt64((*v)[0]), INT64_MAX);
  EXPECT_FALSE(JsonInt64((*v)[1]).has_value());
  EXPECT_EQ(JsonInt64((*v)[2]), INT64_MIN);
}

}  // namespace
}  // namespace mv::util
