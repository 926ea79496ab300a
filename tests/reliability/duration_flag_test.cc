// Flags::GetDurationMs, the parser behind --grace, --drafts-older-than and --shutdown-grace.
#include <gtest/gtest.h>

#include "api/flags.h"

namespace mv::api {
namespace {

Result<int64_t> Parse(const std::string& value) {
  auto f = Flags::Parse({"--d", value}, {{"d", true}});
  EXPECT_TRUE(f.ok());
  return f->GetDurationMs("d", -1);
}

TEST(DurationFlagTest, AcceptsEveryUnit) {
  EXPECT_EQ(*Parse("0"), 0);
  EXPECT_EQ(*Parse("250ms"), 250);
  EXPECT_EQ(*Parse("30s"), 30'000);
  EXPECT_EQ(*Parse("15m"), 900'000);
  EXPECT_EQ(*Parse("1h"), 3'600'000);
  EXPECT_EQ(*Parse("7d"), 604'800'000);
}

TEST(DurationFlagTest, AbsentGivesTheFallback) {
  auto f = Flags::Parse({}, {{"d", true}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->GetDurationMs("d", 42), 42);
}

TEST(DurationFlagTest, RefusesMalformedAndHugeValues) {
  for (const char* bad : {"", "h", "1", "1x", "-1h", "1.5h", "1 h", "99999999999999d", "1hh"}) {
    EXPECT_EQ(Parse(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace mv::api
