#include "registry/names.h"

#include <gtest/gtest.h>

#include <string>

namespace mv {
namespace {

bool ValidName(std::string_view n) { return ValidateName(n, "model name").ok(); }

TEST(ValidateNameTest, AcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(ValidName("a"));
  EXPECT_TRUE(ValidName("Z"));
  EXPECT_TRUE(ValidName("7"));
  EXPECT_TRUE(ValidName("resnet18"));
  EXPECT_TRUE(ValidName("model.v2_final-B"));
  EXPECT_TRUE(ValidName("a.."));  // dots after the first character are fine
  EXPECT_TRUE(ValidName("a-"));
}

TEST(ValidateNameTest, LengthLimitIs128) {
  EXPECT_TRUE(ValidName(std::string(127, 'a')));
  EXPECT_TRUE(ValidName(std::string(128, 'a')));
  EXPECT_FALSE(ValidName(std::string(129, 'a')));
  EXPECT_FALSE(ValidName(std::string(10000, 'a')));
}

TEST(ValidateNameTest, RejectsEmptyAndDotNames) {
  EXPECT_FALSE(ValidName(""));
  EXPECT_FALSE(ValidName("."));
  EXPECT_FALSE(ValidName(".."));
  EXPECT_FALSE(ValidName(".hidden"));
  EXPECT_FALSE(ValidName("-a"));
  EXPECT_FALSE(ValidName("_a"));
}

TEST(ValidateNameTest, RejectsPathAndSpecialCharacters) {
  EXPECT_FALSE(ValidName("a/b"));
  EXPECT_FALSE(ValidName("/a"));
  EXPECT_FALSE(ValidName("a/"));
  EXPECT_FALSE(ValidName("../etc"));
  EXPECT_FALSE(ValidName("a\\b"));
  EXPECT_FALSE(ValidName("a b"));
  EXPECT_FALSE(ValidName("a%2Fb"));
  EXPECT_FALSE(ValidName("a?b"));
  EXPECT_FALSE(ValidName("a\nb"));
  EXPECT_FALSE(ValidName(std::string_view("a\0b", 3)));
}

TEST(ValidateNameTest, RejectsNonAscii) {
  EXPECT_FALSE(ValidName("mod\xc3\xa8le"));             // "modèle" in UTF-8
  EXPECT_FALSE(ValidName("\xc3\xa9t\xc3\xa9"));         // starts with a multi-byte character
  EXPECT_FALSE(ValidName("\xe6\xa8\xa1\xe5\x9e\x8b"));  // CJK
}

TEST(ValidateNameTest, ErrorNamesWhatWasValidated) {
  Status s = ValidateName("", "artifact name");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("artifact name"), std::string::npos) << s.message();
}

TEST(ValidateSha256HexTest, OnlyLowerCase64HexDigits) {
  const std::string good(64, 'a');
  EXPECT_TRUE(ValidateSha256Hex(good).ok());
  EXPECT_TRUE(
      ValidateSha256Hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").ok());
  EXPECT_EQ(ValidateSha256Hex(std::string(63, 'a')).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSha256Hex(std::string(65, 'a')).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSha256Hex(std::string(64, 'A')).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSha256Hex(std::string(63, 'a') + "g").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSha256Hex("").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateSha256Hex("../../" + std::string(58, 'a')).code(), Code::kInvalidArgument);
}

TEST(ParseVersionNumberTest, AcceptsPositiveIntegers) {
  for (auto [text, want] : {std::pair<const char*, int64_t>{"1", 1},
                            {"42", 42},
                            {"9007199254740992", int64_t{1} << 53}}) {
    auto v = ParseVersionNumber(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.status().ToString();
    EXPECT_EQ(*v, want) << text;
  }
}

TEST(ParseVersionNumberTest, LeadingZerosAreTheSameNumber) {
  // std::from_chars reads "01" as 1; the code does not insist on a canonical spelling.
  auto v = ParseVersionNumber("01");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1);
}

TEST(ParseVersionNumberTest, RejectsEverythingElse) {
  for (const char* text :
       {"", "0", "00", "-1", "+1", " 1", "1 ", "1e3", "1.0", "0x10", "abc", "1a",
        "9007199254740993", "9223372036854775807", "99999999999999999999999", "-0"}) {
    auto v = ParseVersionNumber(text);
    EXPECT_FALSE(v.ok()) << "'" << text << "' parsed as " << (v.ok() ? *v : 0);
    EXPECT_EQ(v.status().code(), Code::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace mv
