#include "util/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mv::util {
namespace {

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Histogram h({0.001, 0.01});
  h.ObserveMicros(500);     // <= 1 ms
  h.ObserveMicros(1000);    // == 1 ms: the bound is inclusive
  h.ObserveMicros(5000);    // <= 10 ms
  h.ObserveMicros(200000);  // +Inf
  std::string out;
  h.Render(out, "x_seconds", "route=\"/a\"");
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.001\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.01\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_count{route=\"/a\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_sum{route=\"/a\"} 0.2065\n"), std::string::npos) << out;
}

TEST(MetricsTest, CountersAddFromManyThreads) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000u);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(LabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  std::string out;
  RenderSample(out, "n", "", 3);
  EXPECT_EQ(out, "n 3\n");
}

}  // namespace
}  // namespace mv::util
