#include "api/router.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mv::api {
namespace {

// Records which route ran and with what parameters.
struct Hit {
  std::string route;
  std::map<std::string, std::string> params;
  std::string method;
};

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("GET", "/api/v1/models");
    Add("POST", "/api/v1/models");
    Add("GET", "/api/v1/models/{m}");
    Add("PATCH", "/api/v1/models/{m}");
    Add("GET", "/api/v1/models/{m}/versions/{v}");
    Add("POST", "/api/v1/models/{m}/versions/{v}/commit");
    Add("PUT", "/api/v1/models/{m}/versions/{v}/artifacts/{name}");
    Add("GET", "/api/v1/models/{m}/versions/{v}/artifacts/{name}");
    Add("DELETE", "/api/v1/models/{m}/versions/{v}/artifacts/{name}");
    Add("GET", "/");
    router_.Add("GET", "/fail", Access::kRead, [](Ctx&) { return Unavailable("busy"); });
  }

  void Add(const std::string& method, const std::string& pattern) {
    router_.Add(method, pattern, Access::kRead, [this, method, pattern](Ctx& ctx) {
      hits_.push_back(Hit{method + " " + pattern, ctx.params, ctx.req.method});
      ctx.res.status = 200;
      return Status::Ok();
    });
  }

  Status Dispatch(const std::string& method, const std::string& path) {
    req_ = httplib::Request();
    res_ = httplib::Response();
    req_.method = method;
    req_.path = path;
    Ctx ctx(req_, res_);
    Status st = router_.Dispatch(ctx);
    route_ = ctx.route ? *ctx.route : "";
    route_index_ = ctx.route_index;
    return st;
  }

  Router router_;
  std::vector<Hit> hits_;
  std::string route_;  // the pattern the last Dispatch named in the Ctx
  int route_index_ = -1;
  httplib::Request req_;
  httplib::Response res_;
};

TEST_F(RouterTest, MatchesLiteralRoutesByMethod) {
  ASSERT_TRUE(Dispatch("GET", "/api/v1/models").ok());
  ASSERT_TRUE(Dispatch("POST", "/api/v1/models").ok());
  ASSERT_EQ(hits_.size(), 2u);
  EXPECT_EQ(hits_[0].route, "GET /api/v1/models");
  EXPECT_EQ(hits_[1].route, "POST /api/v1/models");
  EXPECT_TRUE(hits_[0].params.empty());
}

TEST_F(RouterTest, CapturesParameters) {
  ASSERT_TRUE(Dispatch("PUT", "/api/v1/models/resnet/versions/3/artifacts/model.onnx").ok());
  ASSERT_EQ(hits_.size(), 1u);
  EXPECT_EQ(hits_[0].route, "PUT /api/v1/models/{m}/versions/{v}/artifacts/{name}");
  EXPECT_EQ(hits_[0].params, (std::map<std::string, std::string>{
                                 {"m", "resnet"}, {"v", "3"}, {"name", "model.onnx"}}));
}

TEST_F(RouterTest, RootPath) {
  ASSERT_TRUE(Dispatch("GET", "/").ok());
  ASSERT_EQ(hits_.size(), 1u);
  EXPECT_EQ(hits_[0].route, "GET /");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  for (const char* path : {"/api/v1/nope", "/api/v1/models/m/versions", "/api/v2/models",
                           "/api/v1/models/m/versions/1/artifacts/a/extra", "/api"}) {
    Status s = Dispatch("GET", path);
    EXPECT_EQ(s.code(), Code::kNotFound) << path;
  }
  EXPECT_TRUE(hits_.empty());
}

TEST_F(RouterTest, EmptySegmentsDoNotMatch) {
  EXPECT_EQ(Dispatch("GET", "/api/v1//models").code(), Code::kNotFound);
  EXPECT_EQ(Dispatch("GET", "/api/v1/models//versions/1").code(), Code::kNotFound);
  EXPECT_EQ(Dispatch("GET", "/api/v1/models/m/versions//artifacts/a").code(), Code::kNotFound);
  EXPECT_TRUE(hits_.empty());
}

TEST_F(RouterTest, TrailingSlashIsIgnored) {
  ASSERT_TRUE(Dispatch("GET", "/api/v1/models/").ok());
  ASSERT_TRUE(Dispatch("GET", "/api/v1/models/m/").ok());
  ASSERT_EQ(hits_.size(), 2u);
  EXPECT_EQ(hits_[0].route, "GET /api/v1/models");
  EXPECT_EQ(hits_[1].route, "GET /api/v1/models/{m}");
  EXPECT_EQ(hits_[1].params.at("m"), "m");
}

TEST_F(RouterTest, HeadRunsTheGetRoute) {
  ASSERT_TRUE(Dispatch("HEAD", "/api/v1/models/m/versions/1/artifacts/w.bin").ok());
  ASSERT_EQ(hits_.size(), 1u);
  EXPECT_EQ(hits_[0].route, "GET /api/v1/models/{m}/versions/{v}/artifacts/{name}");
  EXPECT_EQ(hits_[0].method, "HEAD");  // the handler can tell HEAD from GET
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Status s = Dispatch("DELETE", "/api/v1/models");
  EXPECT_TRUE(s.ok()) << "the router answers 405 itself";
  EXPECT_TRUE(hits_.empty());
  EXPECT_EQ(res_.status, 405);
  EXPECT_EQ(res_.get_header_value("Allow"), "GET, HEAD, POST");
  auto body = nlohmann::json::parse(res_.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << res_.body;
  EXPECT_EQ(body["error"]["code"], "method_not_allowed");
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_NE(res_.get_header_value("Content-Type").find("application/json"), std::string::npos);
}

TEST_F(RouterTest, AllowListsEveryMethodOfThePath) {
  ASSERT_TRUE(Dispatch("POST", "/api/v1/models/m/versions/1/artifacts/a").ok());
  EXPECT_EQ(res_.status, 405);
  EXPECT_EQ(res_.get_header_value("Allow"), "DELETE, GET, HEAD, PUT");

  ASSERT_TRUE(Dispatch("GET", "/api/v1/models/m/versions/1/commit").ok());
  EXPECT_EQ(res_.status, 405);
  EXPECT_EQ(res_.get_header_value("Allow"), "POST");  // no GET route: no HEAD either

  ASSERT_TRUE(Dispatch("HEAD", "/api/v1/models/m/versions/1/commit").ok());
  EXPECT_EQ(res_.status, 405);
  EXPECT_EQ(res_.get_header_value("Allow"), "POST");
  EXPECT_TRUE(hits_.empty());
}

TEST_F(RouterTest, HandlerErrorsPropagate) {
  EXPECT_EQ(Dispatch("GET", "/fail").code(), Code::kUnavailable);
}

TEST(SplitPathTest, Segments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitPath("/a/b/c"), (V{"a", "b", "c"}));
  EXPECT_EQ(SplitPath("/a/b/"), (V{"a", "b"}));
  EXPECT_EQ(SplitPath("/a//b"), (V{"a", "", "b"}));
  EXPECT_EQ(SplitPath("/"), (V{""}));
  EXPECT_EQ(SplitPath(""), (V{""}));
  EXPECT_EQ(SplitPath("a/b"), (V{"a", "b"}));
}

TEST_F(RouterTest, NamesTheMatchedPatternForLogsAndMetrics) {
  ASSERT_TRUE(Dispatch("GET", "/api/v1/models/resnet/versions/3").ok());
  EXPECT_EQ(route_, "/api/v1/models/{m}/versions/{v}");
  ASSERT_GE(route_index_, 0);
  EXPECT_EQ(router_.Pattern(static_cast<size_t>(route_index_)), route_);
  EXPECT_EQ(router_.Method(static_cast<size_t>(route_index_)), "GET");
  ASSERT_FALSE(Dispatch("GET", "/nowhere").ok());
  EXPECT_EQ(route_, "");
  EXPECT_EQ(route_index_, -1);
}

TEST_F(RouterTest, ListsEveryRoute) {
  std::vector<std::string> all = router_.List();
  ASSERT_EQ(all.size(), router_.size());
  EXPECT_EQ(all.front(), "GET /api/v1/models");
  EXPECT_EQ(all.back(), "GET /fail");
}

}  // namespace
}  // namespace mv::api
