#include "util/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace mv {
namespace {

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(HexTest, EncodesLowerCase) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
  EXPECT_EQ(HexEncode("abc"), "616263");
}

TEST(HexTest, RoundTripsEveryByte) {
  const std::string bytes = AllBytes();
  auto back = HexDecode(HexEncode(bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
}

TEST(HexTest, DecodesEitherCase) {
  auto upper = HexDecode("ABCDEF");
  auto lower = HexDecode("abcdef");
  ASSERT_TRUE(upper.ok());
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*upper, "\xab\xcd\xef");
  EXPECT_EQ(*upper, *lower);
  auto empty = HexDecode("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(HexTest, RejectsMalformedInput) {
  for (const char* bad : {"a", "abc", "zz", "0g", "g0", "0x12", "12 3", "--"}) {
    auto r = HexDecode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

// RFC 4648 section 10 test vectors: every padding case.
const std::pair<const char*, const char*> kBase64Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kBase64Vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded) << plain;
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, plain) << encoded;
  }
}

TEST(Base64Test, RoundTripsBinaryOfEveryLengthRemainder) {
  const std::string all = AllBytes();
  for (size_t len = 0; len <= 10; ++len) {
    std::string bytes = all.substr(250 - len, len);  // high bytes, including 0xff
    std::string enc = Base64Encode(bytes);
    EXPECT_EQ(enc.size() % 4, 0u);
    auto back = Base64Decode(enc);
    ASSERT_TRUE(back.ok()) << enc;
    EXPECT_EQ(*back, bytes) << enc;
  }
  auto back = Base64Decode(Base64Encode(all));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(Base64Test, UsesTheStandardAlphabet) {
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf"), "+/+/");
  auto std_alpha = Base64Decode("+/+/");
  ASSERT_TRUE(std_alpha.ok());
  EXPECT_EQ(*std_alpha, "\xfb\xff\xbf");
  EXPECT_FALSE(Base64Decode("-_-_").ok());  // the URL-safe alphabet is not accepted
}

TEST(Base64Test, RejectsMalformedInput) {
  for (const char* bad : {
           "Zg=",       // length not a multiple of 4
           "Zg",        // unpadded
           "Z===",      // padding too early in the quantum
           "====",      // nothing but padding
           "Zg=a",      // data after padding
           "Zg==Zg==",  // padding in a quantum that is not the last
           "Zm9v====",  // a whole quantum of padding
           "Zm9 ",      // space
           "Zm9v\n",    // newline
           "Zm9*",      // character outside the alphabet
       }) {
    auto r = Base64Decode(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' decoded";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(Rfc3339Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339Ms(1'709'164'800'000), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

TEST(Rfc3339Test, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatRfc3339Ms(-1001), "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(FormatRfc3339Ms(-14'182'940'000), "1969-07-20T20:17:40.000Z");
}

TEST(Rfc3339Test, ParsesZuluAndFractions) {
  const std::pair<const char*, int64_t> cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2023-11-14T22:13:20Z", 1'700'000'000'000},
      {"2023-11-14T22:13:20.123Z", 1'700'000'000'123},
      {"2023-11-14T22:13:20.1Z", 1'700'000'000'100},
      {"2023-11-14T22:13:20.12Z", 1'700'000'000'120},
      {"2023-11-14T22:13:20.123456789Z", 1'700'000'000'123},  // truncated to ms
      {"2023-11-14t22:13:20z", 1'700'000'000'000},
      {"2023-11-14 22:13:20Z", 1'700'000'000'000},
      {"2024-02-29T00:00:00Z", 1'709'164'800'000},
      {"1969-07-20T20:17:40Z", -14'182'940'000},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseRfc3339Ms(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_EQ(*r, want) << text;
  }
}

TEST(Rfc3339Test, ParsesNumericOffsets) {
  const std::pair<const char*, int64_t> cases[] = {
      {"2023-11-14T23:13:20+01:00", 1'700'000'000'000},
      {"2023-11-14T16:43:20-05:30", 1'700'000'000'000},
      {"2023-11-15T03:58:20.500+05:45", 1'700'000'000'500},
      {"2023-11-14T22:13:20+00:00", 1'700'000'000'000},
      {"2023-11-14T22:13:20-00:00", 1'700'000'000'000},
      {"1970-01-01T00:00:00+01:00", -3'600'000},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseRfc3339Ms(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_EQ(*r, want) << text;
  }
}

TEST(Rfc3339Test, FormatThenParseRoundTrips) {
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{-1}, int64_t{-86'400'001},
                     int64_t{951'782'400'000} /* 2000-02-29 */, int64_t{1'700'000'000'123},
                     int64_t{4'102'444'800'000} /* 2100-01-01 */}) {
    auto r = ParseRfc3339Ms(FormatRfc3339Ms(ms));
    ASSERT_TRUE(r.ok()) << FormatRfc3339Ms(ms);
    EXPECT_EQ(*r, ms) << FormatRfc3339Ms(ms);
  }
}

TEST(Rfc3339Test, RejectsMalformedTimestamps) {
  for (const char* bad : {
           "",
           "2023-11-14",
           "2023-11-14T22:13:20",  // no zone
           "2023-11-14T22:13Z",    // no seconds
           "2023/11/14T22:13:20Z",
           "2023-11-14X22:13:20Z",
           "23-11-14T22:13:20Z",
           "2023-1-14T22:13:20Z",
           "2023-00-14T22:13:20Z",      // month 0
           "2023-13-14T22:13:20Z",      // month 13
           "2023-11-00T22:13:20Z",      // day 0
           "2023-11-32T22:13:20Z",      // day 32
           "2023-11-14T24:00:00Z",      // hour 24
           "2023-11-14T22:60:00Z",      // minute 60
           "2023-11-14T22:13:61Z",      // second 61
           "2023-11-14T22:13:20.Z",     // empty fraction
           "2023-11-14T22:13:20+0100",  // offset without colon
           "2023-11-14T22:13:20+01",    // truncated offset
           "2023-11-14T22:13:20+01:0",
           "2023-11-14T22:13:20Zjunk",  // trailing bytes
           "2023-11-14T22:13:20+01:00Z",
           "2023-11-14T22:13:20 Z",
           "\xff\xff\xff\xff-11-14T22:13:20Z",
       }) {
    auto r = ParseRfc3339Ms(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? *r : 0);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(Rfc3339Test, RejectsDaysTheMonthDoesNotHave) {
  // A valid-looking but impossible date must not silently become another day.
  for (const char* bad : {"2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2023-04-31T00:00:00Z",
                          "1900-02-29T00:00:00Z", "2023-11-31T12:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339Ms(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseRfc3339Ms("2000-02-29T00:00:00Z").ok());  // divisible by 400: leap
  EXPECT_TRUE(ParseRfc3339Ms("2023-01-31T00:00:00Z").ok());
  EXPECT_TRUE(ParseRfc3339Ms("2023-12-31T00:00:00Z").ok());
}

TEST(Rfc3339Test, RejectsOutOfRangeOffsets) {
  // RFC 3339 time-numoffset: hours 00-23, minutes 00-59.
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14T22:13:20+24:00").ok());
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14T22:13:20+99:00").ok());
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14T22:13:20-01:60").ok());
  EXPECT_TRUE(ParseRfc3339Ms("2023-11-14T22:13:20+23:59").ok());
}

}  // namespace
}  // namespace mv
