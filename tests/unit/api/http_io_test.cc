#include "api/http_io.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

namespace mv::api {
namespace {

class HttpIoTest : public ::testing::Test {
 protected:
  Ctx MakeCtx(const httplib::ContentReader* reader = nullptr) { return Ctx(req_, res_, reader); }

  // A ContentReader that hands `body` to the receiver in chunks of `chunk` bytes.
  static httplib::ContentReader ReaderOf(const std::string& body, size_t chunk) {
    return httplib::ContentReader(
        [body, chunk](httplib::ContentReceiver receiver) {
          for (size_t i = 0; i < body.size(); i += chunk) {
            size_t n = std::min(chunk, body.size() - i);
            if (!receiver(body.data() + i, n)) return false;
          }
          return true;
        },
        [](httplib::MultipartContentHeader, httplib::ContentReceiver) { return false; });
  }

  httplib::Request req_;
  httplib::Response res_;
};

TEST_F(HttpIoTest, ReadBodyWithinLimit) {
  auto reader = ReaderOf("hello world", 3);
  Ctx ctx = MakeCtx(&reader);
  auto body = ReadBody(ctx, 11);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "hello world");
  EXPECT_TRUE(ctx.body_read);
}

TEST_F(HttpIoTest, ReadBodyOverLimitIsResourceExhausted) {
  auto reader = ReaderOf("hello world", 3);
  Ctx ctx = MakeCtx(&reader);
  EXPECT_EQ(ReadBody(ctx, 10).status().code(), Code::kResourceExhausted);
}

TEST_F(HttpIoTest, ReadBodyWithoutReaderIsEmpty) {
  Ctx ctx = MakeCtx();
  auto body = ReadBody(ctx, 10);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "");
  EXPECT_FALSE(ctx.body_read);
}

TEST_F(HttpIoTest, ReadJsonObject) {
  auto reader = ReaderOf(R"({"name":"m","n":1})", 4);
  Ctx ctx = MakeCtx(&reader);
  auto j = ReadJsonObject(ctx);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["name"], "m");
}

TEST(ParseJsonObjectTest, Shapes) {
  auto blank = ParseJsonObject(" \n\t", "body");
  ASSERT_TRUE(blank.ok());
  EXPECT_TRUE(blank->is_object());
  EXPECT_TRUE(blank->empty());
  EXPECT_TRUE(ParseJsonObject(R"({"a":[1,2]})", "body").ok());
  for (const char* bad : {"[1,2]", "\"s\"", "42", "null", "{", "{\"a\":}", "{} {}"}) {
    auto r = ParseJsonObject(bad, "meta");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("meta"), std::string::npos);
    }
  }
}

TEST_F(HttpIoTest, QueryParameters) {
  req_.params.emplace("limit", "25");
  req_.params.emplace("bad", "2x");
  req_.params.emplace("empty", "");
  req_.params.emplace("draft", "true");
  req_.params.emplace("off", "0");
  req_.params.emplace("flag", "");
  req_.params.emplace("maybe", "yes");
  Ctx ctx = MakeCtx();

  auto limit = QueryInt(ctx, "limit", 100);
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(*limit, 25);
  auto absent = QueryInt(ctx, "nope", 100);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, 100);
  EXPECT_EQ(QueryInt(ctx, "bad", 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(QueryInt(ctx, "empty", 0).status().code(), Code::kInvalidArgument);

  auto draft = QueryBool(ctx, "draft", false);
  ASSERT_TRUE(draft.ok());
  EXPECT_TRUE(*draft);
  auto off = QueryBool(ctx, "off", true);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(*off);
  auto flag = QueryBool(ctx, "flag", false);  // "?flag" alone means true
  ASSERT_TRUE(flag.ok());
  EXPECT_TRUE(*flag);
  auto dflt = QueryBool(ctx, "nope", true);
  ASSERT_TRUE(dflt.ok());
  EXPECT_TRUE(*dflt);
  EXPECT_EQ(QueryBool(ctx, "maybe", false).status().code(), Code::kInvalidArgument);

  EXPECT_EQ(QueryString(ctx, "limit"), "25");
  EXPECT_EQ(QueryString(ctx, "nope"), "");
}

TEST(OptionalStringTest, Shapes) {
  auto obj = nlohmann::json::parse(R"({"s":"x","n":1,"z":null})");
  auto s = OptionalString(obj, "s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "x");
  auto z = OptionalString(obj, "z");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(*z, "");
  auto missing = OptionalString(obj, "missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, "");
  EXPECT_EQ(OptionalString(obj, "n").status().code(), Code::kInvalidArgument);
}

TEST_F(HttpIoTest, SendJsonSetsStatusAndContentType) {
  Ctx ctx = MakeCtx();
  SendJson(ctx, 201, nlohmann::json{{"name", "m\xff"}});
  EXPECT_EQ(res_.status, 201);
  EXPECT_NE(res_.get_header_value("Content-Type").find("application/json"), std::string::npos);
  auto j = nlohmann::json::parse(res_.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << res_.body;  // invalid UTF-8 replaced, not thrown
}

}  // namespace
}  // namespace mv::api
