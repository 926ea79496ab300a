#include <gtest/gtest.h>

#include "registry/formats/safetensors/json_lite.h"

namespace mv::formats::safetensors {
namespace {

TEST(JsonLiteTest, ParsesValues) {
  Result<JsonValue> v = ParseJson(R"( {"a":[1,-2,3.5e2,true,false,null],"b":"x"} )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const JsonValue* a = v->Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->array.size(), 6u);
  EXPECT_TRUE(a->array[0].is_integer);
  EXPECT_EQ(a->array[1].integer, -2);
  EXPECT_FALSE(a->array[2].is_integer);
  EXPECT_EQ(a->array[2].number, 350.0);
  EXPECT_TRUE(a->array[3].boolean);
  EXPECT_EQ(a->array[5].type, JsonValue::Type::kNull);
  EXPECT_EQ(v->Find("b")->string, "x");
  EXPECT_EQ(v->Find("c"), nullptr);
}

TEST(JsonLiteTest, DecodesEscapes) {
  Result<JsonValue> v = ParseJson(R"("a\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->string, "a\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(JsonLiteTest, RejectsMalformedText) {
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
                          "{\"a\":1,\"a\":2}",
                          "+1",
                          "NaN",
                          "\"\\u12\""}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
}

TEST(JsonLiteTest, BoundsDepthAndValueCount) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(ParseJson(deep).status().code(), Code::kResourceExhausted);
  JsonLimits limits;
  limits.max_values = 3;
  EXPECT_TRUE(ParseJson("[1,2]", limits).ok());
  EXPECT_EQ(ParseJson("[1,2,3]", limits).status().code(), Code::kResourceExhausted);
}

TEST(JsonLiteTest, HugeIntegersAreNotIntegers) {
  Result<JsonValue> v = ParseJson("[9223372036854775807,9223372036854775808]");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->array[0].is_integer);
  EXPECT_FALSE(v->array[1].is_integer);
}

}  // namespace
}  // namespace mv::formats::safetensors
