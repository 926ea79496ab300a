#include "cli/progress.h"

#include <gtest/gtest.h>

namespace mv::cli {
namespace {

TEST(RenderProgressTest, BarPercentBytesAndRate) {
  EXPECT_EQ(RenderProgress("pushing a", 0, 1024 * 1024, 0),
            "pushing a [........................] 0% 0 B / 1.0 MiB");
  EXPECT_EQ(RenderProgress("pushing a", 512 * 1024, 1024 * 1024, 1.0),
            "pushing a [############............] 50% 512.0 KiB / 1.0 MiB  512.0 KiB/s");
  EXPECT_EQ(RenderProgress("x", 10, 10, 0), "x [########################] 100% 10 B / 10 B");
}

TEST(RenderProgressTest, NeverOverflowsTheBar) {
  EXPECT_EQ(RenderProgress("x", 20, 10, 0), "x [########################] 100% 20 B / 10 B");
}

TEST(RenderProgressTest, UnknownTotal) {
  EXPECT_EQ(RenderProgress("x", 2048, 0, 2.0), "x [........................] 2.0 KiB  1.0 KiB/s");
}

TEST(ProgressBarTest, DisabledDrawsNothing) {
  testing::internal::CaptureStderr();
  ProgressBar bar("x", 100, /*enabled=*/false);
  bar.Update(50);
  bar.Finish();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(ProgressBarTest, EnabledEndsWithTheFinalStateAndANewline) {
  testing::internal::CaptureStderr();
  ProgressBar bar("x", 100, /*enabled=*/true);
  bar.Update(100);
  bar.Finish();
  bar.Finish();  // a second Finish does nothing
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("\rx [########################] 100%"), std::string::npos) << err;
  EXPECT_EQ(err.back(), '\n');
  EXPECT_EQ(err.find('\n'), err.size() - 1);
}

}  // namespace
}  // namespace mv::cli
