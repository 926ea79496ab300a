#include "api/request_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mv::api {
namespace {

RequestLogEntry Entry() {
  RequestLogEntry e;
  e.unix_ms = 1796605323456;  // 2026-12-07T01:02:03.456Z
  e.request_id = "abc-1";
  e.method = "GET";
  e.route = "/api/v1/models/{m}";
  e.status = 200;
  e.bytes_in = 0;
  e.bytes_out = 123;
  e.duration_us = 412;
  e.actor = "ci \"bot\"";
  return e;
}

TEST(RequestLogTest, JsonLineHasEveryField) {
  std::string line = FormatRequestLog(Entry(), LogFormat::kJson);
  ASSERT_EQ(line.back(), '\n');
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-12-07T01:02:03.456Z");
  EXPECT_EQ(j["request_id"], "abc-1");
  EXPECT_EQ(j["route"], "/api/v1/models/{m}");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes_out"], 123);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 0.412);
  EXPECT_EQ(j["actor"], "ci \"bot\"");
}

TEST(RequestLogTest, TextLineIsOneLine) {
  std::string line = FormatRequestLog(Entry(), LogFormat::kText);
  EXPECT_EQ(line,
            "2026-12-07T01:02:03.456Z GET /api/v1/models/{m} 200 0.412ms in=0 out=123 "
            "id=abc-1 actor=ci \"bot\"\n");
}

TEST(RequestLogTest, RequestIdsAreAdoptedOnlyWhenSane) {
  EXPECT_TRUE(IsSaneRequestId("ci-run-42.step:1_a"));
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId("with space"));
  EXPECT_FALSE(IsSaneRequestId("new\nline"));
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
  EXPECT_NE(NewRequestId(), NewRequestId());
  EXPECT_TRUE(IsSaneRequestId(NewRequestId()));
}

TEST(RequestLogTest, ParsesTheFlag) {
  EXPECT_EQ(*ParseLogFormat("json", true), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("auto", true), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("auto", false), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", false).ok());
}

}  // namespace
}  // namespace mv::api
