#include "api/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace mv::api {
namespace {

nlohmann::json Parse(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << body;
  return j;
}

// The body is exactly {"error":{"code":<string>,"message":<string>}}.
void ExpectShape(const nlohmann::json& j) {
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j.size(), 1u) << j.dump();
  ASSERT_TRUE(j.contains("error"));
  const auto& e = j["error"];
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e.size(), 2u) << j.dump();
  EXPECT_TRUE(e["code"].is_string());
  EXPECT_TRUE(e["message"].is_string());
}

TEST(HttpStatusForTest, Mapping) {
  EXPECT_EQ(HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(Code::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(Code::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(Code::kOutOfRange), 416);
  EXPECT_EQ(HttpStatusFor(Code::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(Code::kStorageFull), 507);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
}

TEST(ErrorBodyTest, ClientErrorsCarryCodeAndMessage) {
  auto j = Parse(ErrorBody(NotFound("model 'x' does not exist")));
  ExpectShape(j);
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_EQ(j["error"]["message"], "model 'x' does not exist");

  auto k = Parse(ErrorBody(FailedPrecondition("version 1 of 'm' is sealed")));
  ExpectShape(k);
  EXPECT_EQ(k["error"]["code"], "failed_precondition");
  EXPECT_EQ(k["error"]["message"], "version 1 of 'm' is sealed");
}

TEST(ErrorBodyTest, QuotesAndControlCharactersAreEscaped) {
  auto j = Parse(ErrorBody(InvalidArgument("bad \"name\"\n\\ here")));
  ExpectShape(j);
  EXPECT_EQ(j["error"]["message"], "bad \"name\"\n\\ here");
}

TEST(ErrorBodyTest, InvalidUtf8StillGivesValidJson) {
  const std::string body = ErrorBody(InvalidArgument("name '\xff\xfe' is bad"));
  auto j = Parse(body);
  ExpectShape(j);
  EXPECT_EQ(j["error"]["code"], "invalid_argument");
}

TEST(ErrorBodyTest, ServerErrorsHideTheirDetail) {
  const std::string secret = "open /var/lib/modelvault/sha256/ab/cd: Permission denied";
  for (const Status& s : {Internal(secret), DataLoss(secret)}) {
    const std::string body = ErrorBody(s);
    auto j = Parse(body);
    ExpectShape(j);
    EXPECT_EQ(j["error"]["code"], CodeName(s.code()));
    EXPECT_EQ(body.find("/var/lib"), std::string::npos) << body;
    EXPECT_EQ(body.find("Permission"), std::string::npos) << body;
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  }
}

TEST(ErrorBodyTest, ActionableServerErrorsKeepTheirMessage) {
  // 503 and 507 tell the client what to do (retry later, free space): the message stays.
  auto busy = Parse(ErrorBody(Unavailable("database is busy, retry")));
  EXPECT_EQ(busy["error"]["code"], "unavailable");
  EXPECT_EQ(busy["error"]["message"], "database is busy, retry");
  auto full = Parse(ErrorBody(StorageFull("no space left on the blob store")));
  EXPECT_EQ(full["error"]["code"], "storage_full");
  EXPECT_EQ(full["error"]["message"], "no space left on the blob store");
}

TEST(ErrorBodyForHttpStatusTest, ShapesAndCodes) {
  const std::pair<int, const char*> cases[] = {
      {400, "invalid_argument"},   {404, "not_found"},        {405, "method_not_allowed"},
      {413, "resource_exhausted"}, {414, "invalid_argument"}, {416, "out_of_range"},
      {500, "internal"},           {503, "internal"},
  };
  for (const auto& [status, code] : cases) {
    auto j = Parse(ErrorBodyForHttpStatus(status));
    ExpectShape(j);
    EXPECT_EQ(j["error"]["code"], code) << status;
  }
}

}  // namespace
}  // namespace mv::api
