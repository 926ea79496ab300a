#include "api/transfer_headers.h"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>

namespace mv::api {
namespace {

// SHA-256("abc") as hex and as RFC 9530 base64.
constexpr char kAbcHex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kAbcB64[] = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
// SHA-256("") as hex.
constexpr char kEmptyHex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Digest(const std::string& b64) { return "sha-256=:" + b64 + ":"; }

// --- Range ------------------------------------------------------------------------------

::testing::AssertionResult RangeIs(const std::string& header, int64_t size, int64_t start,
                                   int64_t length) {
  auto r = ParseRange(header, size);
  if (!r.ok()) return ::testing::AssertionFailure() << header << " -> " << r.status().ToString();
  if (!r->has_value()) return ::testing::AssertionFailure() << header << " -> ignored";
  if ((*r)->start != start || (*r)->length != length) {
    return ::testing::AssertionFailure()
           << header << " -> start " << (*r)->start << " length " << (*r)->length;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RangeIgnored(const std::string& header, int64_t size) {
  auto r = ParseRange(header, size);
  if (!r.ok()) return ::testing::AssertionFailure() << header << " -> " << r.status().ToString();
  if (r->has_value()) {
    return ::testing::AssertionFailure()
           << header << " -> start " << (*r)->start << " length " << (*r)->length;
  }
  return ::testing::AssertionSuccess();
}

Code RangeCode(const std::string& header, int64_t size) {
  return ParseRange(header, size).status().code();
}

TEST(ParseRangeTest, FirstAndLastPosition) {
  EXPECT_TRUE(RangeIs("bytes=0-9", 100, 0, 10));
  EXPECT_TRUE(RangeIs("bytes=0-0", 100, 0, 1));
  EXPECT_TRUE(RangeIs("bytes=99-99", 100, 99, 1));
  EXPECT_TRUE(RangeIs("bytes=90-200", 100, 90, 10));  // last clamped to the end
  EXPECT_TRUE(RangeIs("bytes=0-99", 100, 0, 100));
  EXPECT_TRUE(RangeIs("  bytes=0-9  ", 100, 0, 10));
  EXPECT_TRUE(RangeIs("bytes= 5 - 6 ", 100, 5, 2));
}

TEST(ParseRangeTest, OpenEnded) {
  EXPECT_TRUE(RangeIs("bytes=10-", 100, 10, 90));
  EXPECT_TRUE(RangeIs("bytes=0-", 100, 0, 100));
  EXPECT_TRUE(RangeIs("bytes=99-", 100, 99, 1));
}

TEST(ParseRangeTest, Suffix) {
  EXPECT_TRUE(RangeIs("bytes=-5", 100, 95, 5));
  EXPECT_TRUE(RangeIs("bytes=-100", 100, 0, 100));
  EXPECT_TRUE(RangeIs("bytes=-500", 100, 0, 100));  // larger than the resource: all of it
  EXPECT_TRUE(RangeIs("bytes=-1", 1, 0, 1));
}

TEST(ParseRangeTest, UnsatisfiableIsOutOfRange) {
  EXPECT_EQ(RangeCode("bytes=100-", 100), Code::kOutOfRange);
  EXPECT_EQ(RangeCode("bytes=100-200", 100), Code::kOutOfRange);
  EXPECT_EQ(RangeCode("bytes=5000-", 100), Code::kOutOfRange);
  EXPECT_EQ(RangeCode("bytes=-0", 100), Code::kOutOfRange);
}

TEST(ParseRangeTest, ZeroSizeResourceSatisfiesNoRange) {
  EXPECT_EQ(RangeCode("bytes=0-", 0), Code::kOutOfRange);
  EXPECT_EQ(RangeCode("bytes=0-0", 0), Code::kOutOfRange);
  EXPECT_EQ(RangeCode("bytes=-5", 0), Code::kOutOfRange);
  EXPECT_TRUE(RangeIgnored("", 0));
}

TEST(ParseRangeTest, IgnoredHeaders) {
  for (const char* h : {
           "",               // absent
           "bytes=0-1,5-6",  // several ranges: we send the whole resource
           "bytes=0-1, 5-6",
           "items=0-9",  // not bytes
           "bytes 0-9",
           "bytes=",
           "bytes=-",
           "bytes=abc",
           "bytes=5",    // no dash
           "bytes=9-5",  // last before first
           "bytes=x-5",
           "bytes=0-9x",
           "bytes=--5",
           "bytes=-+5",
           "bytes=+1-5",
           "bytes=1-2-3",
           "bytes=0x10-",
           "bytes=99999999999999999999-",  // overflow
           "bytes=0-99999999999999999999",
       }) {
    EXPECT_TRUE(RangeIgnored(h, 100));
  }
}

// --- digests ----------------------------------------------------------------------------

Result<std::optional<std::string>> Expected(const std::string& cd, const std::string& x) {
  return ExpectedSha256(cd, x);
}

TEST(ExpectedSha256Test, NeitherHeaderMeansNoExpectation) {
  auto r = Expected("", "");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(ExpectedSha256Test, ContentDigestSha256) {
  auto r = Expected(Digest(kAbcB64), "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, kAbcHex);
}

TEST(ExpectedSha256Test, ContentDigestWithSeveralAlgorithms) {
  const std::string sha512 = "sha-512=:WZZ6Jp3oGX1A4ylRCG2kCkwRAM0KG+S3jvSlb8BXjHHzVQ0wk6ak6w==:";
  for (const std::string& header :
       {sha512 + ", " + Digest(kAbcB64), Digest(kAbcB64) + ", " + sha512,
        "unixsum=30637, " + Digest(kAbcB64) + ",id-sha-256=:abc:",
        "  SHA-256 = :" + std::string(kAbcB64) + ":  "}) {
    auto r = Expected(header, "");
    ASSERT_TRUE(r.ok()) << header << ": " << r.status().ToString();
    ASSERT_TRUE(r->has_value()) << header;
    EXPECT_EQ(**r, kAbcHex) << header;
  }
  // Only algorithms we do not check: no expectation, not an error.
  auto other = Expected(sha512, "");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST(ExpectedSha256Test, XChecksumSha256) {
  auto r = Expected("", kAbcHex);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, kAbcHex);

  std::string upper = kAbcHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto u = Expected("", upper);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(**u, kAbcHex);  // normalized to lower case
}

TEST(ExpectedSha256Test, BothHeadersMustAgree) {
  auto same = Expected(Digest(kAbcB64), kAbcHex);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(**same, kAbcHex);
  auto differ = Expected(Digest(kAbcB64), kEmptyHex);
  EXPECT_EQ(differ.status().code(), Code::kInvalidArgument);
}

TEST(ExpectedSha256Test, MalformedValuesAreInvalidArgument) {
  for (const std::string& cd : {
           std::string("sha-256=") + kAbcB64,         // no colons
           std::string("sha-256=:") + kAbcB64,        // unterminated
           std::string("sha-256=:!!!!:"),             // not base64
           std::string("sha-256=::"),                 // empty
           std::string("sha-256=:") + "YWJj" + ":",   // base64 of 3 bytes, not 32
           std::string("sha-256=:") + kAbcHex + ":",  // hex where base64 belongs
       }) {
    EXPECT_EQ(Expected(cd, "").status().code(), Code::kInvalidArgument) << cd;
  }
  for (const std::string& x : {std::string("abc"), std::string(kAbcHex) + "0", std::string(kAbcB64),
                               std::string(63, 'a') + "g"}) {
    EXPECT_EQ(Expected("", x).status().code(), Code::kInvalidArgument) << x;
  }
}

TEST(DigestHeaderValueTest, RoundTripsThroughExpectedSha256) {
  EXPECT_EQ(DigestHeaderValue(kAbcHex), Digest(kAbcB64));
  auto r = Expected(DigestHeaderValue(kEmptyHex), "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, kEmptyHex);
}

TEST(NormalizeSha256Test, AcceptsPrefixCaseAndSpaces) {
  std::string upper = kAbcHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& in : {std::string(kAbcHex), "sha256:" + std::string(kAbcHex),
                                "SHA256:" + upper, "  " + std::string(kAbcHex) + "\t", upper}) {
    auto r = NormalizeSha256(in);
    ASSERT_TRUE(r.ok()) << in;
    EXPECT_EQ(*r, kAbcHex) << in;
  }
}

TEST(NormalizeSha256Test, RejectsOtherShapes) {
  for (const std::string& in :
       {std::string(""), std::string("sha256:"), "sha512:" + std::string(kAbcHex),
        "sha-256:" + std::string(kAbcHex), std::string(kAbcHex).substr(1),
        "sha256: " + std::string(kAbcHex) + "x", std::string(kAbcB64)}) {
    EXPECT_EQ(NormalizeSha256(in).status().code(), Code::kInvalidArgument) << in;
  }
}

}  // namespace
}  // namespace mv::api
