#include "cli/args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv::cli {
namespace {

TEST(ExitCodeTest, FollowsTheDocumentedMap) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(NotFound("x")), 3);
  EXPECT_EQ(ExitCodeFor(FailedPrecondition("x")), 4);
  EXPECT_EQ(ExitCodeFor(AlreadyExists("x")), 4);
  EXPECT_EQ(ExitCodeFor(Aborted("x")), 4);
  EXPECT_EQ(ExitCodeFor(InvalidArgument("x")), 1);
  EXPECT_EQ(ExitCodeFor(Unavailable("x")), 1);
  EXPECT_EQ(ExitCodeFor(DataLoss("x")), 1);
  EXPECT_EQ(ExitCodeFor(Internal("x")), 1);
}

TEST(StatusFromHttpTest, MapsStatusesAndKeepsTheServerMessage) {
  const std::string body = R"({"error":{"code":"not_found","message":"model 'x' does not exist"}})";
  Status s = StatusFromHttp(404, body);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "model 'x' does not exist (HTTP 404 not_found)");
  for (int http : {409, 412, 423}) {
    EXPECT_EQ(ExitCodeFor(StatusFromHttp(http, "{}")), 4) << http;
  }
  for (int http : {400, 401, 403, 405, 413, 416, 500, 502, 503, 507}) {
    EXPECT_EQ(ExitCodeFor(StatusFromHttp(http, "")), 1) << http;
  }
}

TEST(StatusFromHttpTest, NonJsonBodiesStillSayTheStatus) {
  EXPECT_EQ(StatusFromHttp(502, "<html>bad gateway</html>").message(),
            "the server answered HTTP 502");
  EXPECT_EQ(StatusFromHttp(500, R"({"error":"flat"})").message(), "the server answered HTTP 500");
  EXPECT_EQ(StatusFromHttp(500, R"({"error":{"message":42}})").code(), Code::kInternal);
}

TEST(ParseVersionRefTest, Forms) {
  auto r = ParseVersionRef("resnet:3", "latest");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "resnet");
  EXPECT_EQ(r->ref, "3");
  r = ParseVersionRef("resnet", "latest");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ref, "latest");
  r = ParseVersionRef("resnet", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ref, "");
  r = ParseVersionRef("resnet@champion", "latest");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "resnet");
  EXPECT_EQ(r->ref, "@champion");
  r = ParseVersionRef("resnet:@champion", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ref, "@champion");
  r = ParseVersionRef("resnet:production", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ref, "production");
}

TEST(ParseVersionRefTest, RejectsEmptyParts) {
  for (const char* bad : {"", ":3", "resnet:", "@x", "resnet@", "resnet:@"}) {
    EXPECT_FALSE(ParseVersionRef(bad, "latest").ok()) << bad;
  }
}

TEST(ParseArtifactSpecTest, BasenameOrExplicitName) {
  auto s = ParseArtifactSpec("out/export/model.onnx");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "model.onnx");
  EXPECT_EQ(s->path, "out/export/model.onnx");
  s = ParseArtifactSpec("weights.pt=ckpt/epoch-9.pt");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "weights.pt");
  EXPECT_EQ(s->path, "ckpt/epoch-9.pt");
  s = ParseArtifactSpec("a=b=c");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "a");
  EXPECT_EQ(s->path, "b=c");
  for (const char* bad : {"", "dir/", "=file", "name=", "name=dir/"}) {
    EXPECT_FALSE(ParseArtifactSpec(bad).ok()) << bad;
  }
}

TEST(ParseServerUrlTest, OriginAndPrefix) {
  auto u = ParseServerUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->origin, "http://127.0.0.1:8080");
  EXPECT_EQ(u->prefix, "");
  u = ParseServerUrl("https://registry.example.com/mv/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->origin, "https://registry.example.com");
  EXPECT_EQ(u->prefix, "/mv");
  u = ParseServerUrl("http://host:9000/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->prefix, "");
  for (const char* bad :
       {"", "127.0.0.1:8080", "ftp://host", "http://", "http://:8080", "http:///x"}) {
    EXPECT_FALSE(ParseServerUrl(bad).ok()) << bad;
  }
}

TEST(UrlEncodeTest, EncodesAllButUnreserved) {
  EXPECT_EQ(UrlEncode("abc-._~XYZ019"), "abc-._~XYZ019");
  EXPECT_EQ(UrlEncode("stage = 'production'"), "stage%20%3D%20%27production%27");
  EXPECT_EQ(UrlEncode("2024-01-01T00:00:00+02:00"), "2024-01-01T00%3A00%3A00%2B02%3A00");
  EXPECT_EQ(UrlEncode("a/b?c&d#e"), "a%2Fb%3Fc%26d%23e");
  EXPECT_EQ(UrlEncode("@champion"), "%40champion");
  EXPECT_EQ(UrlEncode("@champion", /*keep_at=*/true), "@champion");
  EXPECT_EQ(UrlEncode("\xc3\xa9"), "%C3%A9");
}

TEST(ExpandShortFlagsTest, OutputAndHelp) {
  std::vector<std::string> in = {"m:1", "-o", "dir", "-odir2", "-h", "--json", "-x"};
  std::vector<std::string> want = {"m:1",    "--output", "dir", "--output=dir2",
                                   "--help", "--json",   "-x"};
  EXPECT_EQ(ExpandShortFlags(in), want);
}

TEST(IsSafeFileNameTest, RejectsPathsAndDots) {
  EXPECT_TRUE(IsSafeFileName("model.onnx"));
  EXPECT_TRUE(IsSafeFileName("..weights"));
  const std::vector<std::string> bad_names = {
      "", ".", "..", "../x", "a/b", "/etc/passwd", std::string("a\0b", 3)};
  for (const std::string& bad : bad_names) {
    EXPECT_FALSE(IsSafeFileName(bad)) << bad;
  }
}

TEST(FormatBytesTest, Units) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(150 << 20), "150.0 MiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 40), "3.0 TiB");
  EXPECT_EQ(FormatBytes(int64_t{5000} << 40), "5000.0 TiB");
}

}  // namespace
}  // namespace mv::cli
