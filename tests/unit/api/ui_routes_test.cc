// The web page's routes: deep links answer index.html, assets answer with their embedded
// bytes, ETag and headers, and the embedded bytes are the files in web/.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <string>

#include "api/router.h"
#include "api/routes.h"
#include "util/sha256.h"
#include "web/assets.h"

namespace mv::api {
namespace {

class UiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterUiRoutes(router_, services_); }

  Status Get(const std::string& path, const std::string& if_none_match = "") {
    req_ = httplib::Request();
    res_ = httplib::Response();
    req_.method = "GET";
    req_.path = path;
    if (!if_none_match.empty()) req_.set_header("If-None-Match", if_none_match);
    Ctx ctx(req_, res_);
    return router_.Dispatch(ctx);
  }

  Router router_;
  Services services_{};
  httplib::Request req_;
  httplib::Response res_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(UiRoutesTest, DeepLinksAnswerThePage) {
  const std::string index = ReadFile(std::string(MV_WEB_DIR) + "/index.html");
  ASSERT_FALSE(index.empty());
  for (const char* path : {"/ui", "/ui/", "/ui/models/resnet18", "/ui/models/resnet18/versions/3",
                           "/ui/models/m/versions/@champion"}) {
    ASSERT_TRUE(Get(path).ok()) << path;
    EXPECT_EQ(res_.status, 200) << path;
    EXPECT_EQ(res_.body, index) << path;
    EXPECT_EQ(res_.get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res_.get_header_value("Content-Security-Policy"),
              "default-src 'self'; frame-ancestors 'none'");
    EXPECT_EQ(res_.get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res_.get_header_value("Cache-Control"), "no-cache");
  }
}

TEST_F(UiRoutesTest, AssetsAnswerTheirBytesTypeAndEtag) {
  ASSERT_TRUE(Get("/ui/assets/app.js").ok());
  EXPECT_EQ(res_.status, 200);
  EXPECT_EQ(res_.body, ReadFile(std::string(MV_WEB_DIR) + "/assets/app.js"));
  EXPECT_EQ(res_.get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(res_.get_header_value("ETag"), "\"" + util::Sha256Hex(res_.body) + "\"");
  EXPECT_EQ(res_.get_header_value("X-Content-Type-Options"), "nosniff");
  ASSERT_TRUE(Get("/ui/assets/style.css").ok());
  EXPECT_EQ(res_.get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(UiRoutesTest, MatchingEtagAnswers304WithoutABody) {
  ASSERT_TRUE(Get("/ui/assets/app.js").ok());
  const std::string etag = res_.get_header_value("ETag");
  ASSERT_TRUE(Get("/ui/assets/app.js", etag).ok());
  EXPECT_EQ(res_.status, 304);
  EXPECT_TRUE(res_.body.empty());
  EXPECT_EQ(res_.get_header_value("ETag"), etag);
  ASSERT_TRUE(Get("/ui/assets/app.js", "\"other\"").ok());
  EXPECT_EQ(res_.status, 200);
}

TEST_F(UiRoutesTest, UnknownFilesAndPagesAreNotFound) {
  EXPECT_EQ(Get("/ui/assets/nope.js").code(), Code::kNotFound);
  EXPECT_EQ(Get("/ui/assets/..%2Findex.html").code(), Code::kNotFound);
  EXPECT_EQ(Get("/ui/other").code(), Code::kNotFound);
  EXPECT_EQ(Get("/ui/models/m/versions/1/extra").code(), Code::kNotFound);
}

// Every embedded file is the file in web/, byte for byte, with its SHA-256 as the ETag.
TEST(WebAssetsTest, EmbeddedBytesAreTheFiles) {
  ASSERT_GE(web::Assets().size(), 5u);
  for (const web::Asset& a : web::Assets()) {
    const std::string bytes(reinterpret_cast<const char*>(a.data), a.size);
    EXPECT_EQ(bytes, ReadFile(std::string(MV_WEB_DIR) + "/" + a.path)) << a.path;
    EXPECT_EQ(std::string(a.etag), "\"" + util::Sha256Hex(bytes) + "\"") << a.path;
    EXPECT_EQ(web::FindAsset(a.path), &a);
  }
  EXPECT_EQ(web::FindAsset("missing.js"), nullptr);
}

}  // namespace
}  // namespace mv::api
