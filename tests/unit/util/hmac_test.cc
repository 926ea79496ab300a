#include "util/hmac.h"

#include <gtest/gtest.h>

namespace mv::util {
namespace {

// RFC 4231 test case 2.
TEST(HmacTest, MatchesRfc4231) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacTest, RawIsTheHexDigestsBytes) {
  const std::string raw = HmacSha256Raw("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(raw.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x5b);
  EXPECT_EQ(static_cast<unsigned char>(raw[31]), 0x43);
}

}  // namespace
}  // namespace mv::util
