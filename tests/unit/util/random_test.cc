#include "util/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mv::util {
namespace {

TEST(RandomTest, BytesAreFreshEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto b = RandomBytes(32);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 32u);
    seen.insert(*b);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomBytes(0).value(), "");
}

TEST(RandomTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(RandomTest, Base64UrlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

}  // namespace
}  // namespace mv::util
