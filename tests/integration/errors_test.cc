// Limits and robustness: body and artifact limits, routing errors, health, concurrency.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

constexpr int64_t kMiB = int64_t{1} << 20;

class ErrorsTest : public ServerTest {};

TEST_F(ErrorsTest, UnknownRoutesAre404Json) {
  EXPECT_TRUE(IsJsonError(cli().Get("/nope"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v2/models"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/models/m/versions/1/extra/deep"), 404, "not_found"));
  EXPECT_TRUE(
      IsJsonError(cli().Post("/api/v1/nothing", "{}", "application/json"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1//models"), 404, "not_found"));
}

TEST_F(ErrorsTest, WrongMethodIs405JsonWithAllow) {
  struct Case {
    httplib::Result res;
    std::string allow;
  };
  std::vector<Case> cases;
  cases.push_back({cli().Delete("/api/v1/models"), "GET, HEAD, POST"});
  cases.push_back({cli().Put("/api/v1/models/m", "{}", "application/json"), "GET, HEAD, PATCH"});
  cases.push_back({cli().Post("/healthz", "", "text/plain"), "GET, HEAD"});
  cases.push_back({cli().Get("/api/v1/models/m/versions/1/commit"), "POST"});
  cases.push_back({cli().Patch("/api/v1/models/m/versions/1/artifacts/a.bin", "x", "text/plain"),
                   "DELETE, GET, HEAD, PUT"});
  for (auto& c : cases) {
    EXPECT_TRUE(IsJsonError(c.res, 405, "method_not_allowed")) << c.allow;
    if (c.res) {
      EXPECT_EQ(c.res->get_header_value("Allow"), c.allow);
    }
  }
}

TEST_F(ErrorsTest, RangeHeadersNeverCutOrReplaceJsonBodies) {
  // A Range only means something to artifact downloads; elsewhere it is ignored, whether
  // valid, half valid or nonsense, and error bodies stay whole JSON.
  for (const char* range : {"bytes=0-1", "bytes=0-1,9-5", "items=0-5", "bytes=5-2"}) {
    auto live = cli().Get("/healthz", {{"Range", range}});
    ASSERT_TRUE(HasStatus(live, 200)) << range;
    EXPECT_EQ(BodyJson(live), json({{"status", "ok"}})) << range;
    EXPECT_TRUE(IsJsonError(cli().Get("/nope", {{"Range", range}}), 404, "not_found")) << range;
    EXPECT_TRUE(
        IsJsonError(cli().Get("/api/v1/models/ghost", {{"Range", range}}), 404, "not_found"))
        << range;
  }
}

TEST_F(ErrorsTest, HealthAndReadiness) {
  auto live = cli().Get("/healthz");
  ASSERT_TRUE(HasStatus(live, 200));
  EXPECT_EQ(BodyJson(live), json({{"status", "ok"}}));
  auto ready = cli().Get("/readyz");
  ASSERT_TRUE(HasStatus(ready, 200));
  EXPECT_EQ(BodyJson(ready), json({{"status", "ready"}}));
}

TEST_F(ErrorsTest, EveryResponseCarriesADistinctRequestId) {
  auto a = cli().Get("/healthz");
  auto b = cli().Get("/nope");
  ASSERT_TRUE(HasStatus(a, 200));
  ASSERT_TRUE(HasStatus(b, 404));
  EXPECT_FALSE(a->get_header_value("X-Request-Id").empty());
  EXPECT_FALSE(b->get_header_value("X-Request-Id").empty());
  EXPECT_NE(a->get_header_value("X-Request-Id"), b->get_header_value("X-Request-Id"));
}

TEST_F(ErrorsTest, InvalidVersionInEveryVersionRouteIs400) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
  for (const char* v : {"abc", "0"}) {
    const std::string base = VersionsPath("m") + "/" + v;
    EXPECT_TRUE(IsJsonError(cli().Get(base), 400, "invalid_argument")) << v;
    EXPECT_TRUE(
        IsJsonError(cli().Post(base + "/commit", "", "application/json"), 400, "invalid_argument"))
        << v;
    EXPECT_TRUE(IsJsonError(cli().Put(base + "/artifacts/a.bin", "x", "application/octet-stream"),
                            400, "invalid_argument"))
        << v;
    EXPECT_TRUE(IsJsonError(cli().Get(base + "/artifacts/a.bin"), 400, "invalid_argument")) << v;
    EXPECT_TRUE(IsJsonError(cli().Delete(base + "/artifacts/a.bin"), 400, "invalid_argument")) << v;
  }
}

TEST_F(ErrorsTest, ConcurrentUploadsGetDistinctConsecutiveNumbers) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "busy"), 201));
  constexpr int kThreads = 8, kPerThread = 5;
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = server_->NewClient();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string own = "thread " + std::to_string(t) + " upload " + std::to_string(i);
        // Every upload also carries the same shared bytes: concurrent dedup of one blob.
        auto r = UploadVersion(*client, "busy", R"({"description":")" + own + R"("})",
                               {{"own.bin", own}, {"shared.bin", "identical in every version"}});
        if (!r || r->status != 201) {
          failures[t] +=
              (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error())) +
              "\n";
          continue;
        }
        numbers[t].push_back(BodyJson(r)["version"].get<int64_t>());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  size_t count = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], "") << "thread " << t;
    // Each client's own uploads are numbered in the order it made them.
    for (size_t i = 1; i < numbers[t].size(); ++i) EXPECT_LT(numbers[t][i - 1], numbers[t][i]);
    count += numbers[t].size();
    all.insert(numbers[t].begin(), numbers[t].end());
  }
  EXPECT_EQ(count, size_t{kThreads * kPerThread});
  std::set<int64_t> want;
  for (int64_t n = 1; n <= kThreads * kPerThread; ++n) want.insert(n);
  EXPECT_EQ(all, want);

  auto model = cli().Get(ModelPath("busy"));
  ASSERT_TRUE(HasStatus(model, 200));
  EXPECT_EQ(BodyJson(model)["version_count"], kThreads * kPerThread);
  EXPECT_EQ(BodyJson(model)["latest_version"], kThreads * kPerThread);
  // 40 distinct "own" blobs and one shared blob.
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)).size(), size_t{kThreads * kPerThread + 1});
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  // Each version holds its own bytes.
  for (int64_t n : {int64_t{1}, int64_t{kThreads * kPerThread}}) {
    auto v = cli().Get(VersionPath("busy", n));
    ASSERT_TRUE(HasStatus(v, 200));
    const std::string desc = BodyJson(v)["description"];
    auto own = cli().Get(ArtifactPath("busy", n, "own.bin"));
    ASSERT_TRUE(HasStatus(own, 200));
    EXPECT_EQ(own->body, desc);
  }
}

// A server whose request bodies and artifacts are both limited to 1 MiB.
class BodyLimitTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.max_body_bytes = kMiB;
    c.max_artifact_bytes = kMiB;
    return c;
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
  }
  void ExpectNothingStored() {
    EXPECT_EQ(FilesUnder(BlobDir(data_dir_)), std::vector<std::string>{});
    EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  }
};

TEST_F(BodyLimitTest, OversizedMultipartIs413AndStoresNothing) {
  auto r = UploadVersion(cli(), "m", "{}", {{"big.bin", RandomBytes(2 * kMiB, 1)}});
  EXPECT_TRUE(IsJsonError(r, 413, "resource_exhausted"));
  ExpectNothingStored();
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("m", 1)), 404, "not_found"));

  // The server is still fine, and the failure did not take a number.
  auto small = UploadVersion(cli(), "m", "{}", {{"small.bin", RandomBytes(512 << 10, 2)}});
  ASSERT_TRUE(HasStatus(small, 201));
  EXPECT_EQ(BodyJson(small)["version"], 1);
}

TEST_F(BodyLimitTest, OversizedPutIs413AndStoresNothing) {
  ASSERT_TRUE(
      HasStatus(cli().Post(VersionsPath("m") + "?draft=true", "{}", "application/json"), 201));
  auto r = cli().Put(ArtifactPath("m", 1, "big.bin"), RandomBytes(2 * kMiB, 3),
                     "application/octet-stream");
  EXPECT_TRUE(IsJsonError(r, 413, "resource_exhausted"));
  ExpectNothingStored();
  auto v = cli().Get(VersionPath("m", 1));
  ASSERT_TRUE(HasStatus(v, 200));
  EXPECT_EQ(BodyJson(v)["artifacts"], json::array());
}

TEST_F(BodyLimitTest, OversizedJsonIs413) {
  json body = {{"name", "x"}, {"description", std::string(2 * kMiB, 'd')}};
  EXPECT_TRUE(IsJsonError(cli().Post("/api/v1/models", body.dump(), "application/json"), 413,
                          "resource_exhausted"));
  EXPECT_TRUE(IsJsonError(cli().Get(ModelPath("x")), 404, "not_found"));
}

// A server with a generous body limit but 1 MiB artifacts: the artifact limit itself trips.
class ArtifactLimitTest : public BodyLimitTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.max_body_bytes = 64 * kMiB;
    c.max_artifact_bytes = kMiB;
    return c;
  }
};

TEST_F(ArtifactLimitTest, OversizedArtifactIs413AndStoresNothing) {
  auto r = UploadVersion(cli(), "m", "{}",
                         {{"ok.bin", RandomBytes(kMiB, 4)}, {"big.bin", RandomBytes(kMiB + 1, 5)}});
  EXPECT_TRUE(IsJsonError(r, 413, "resource_exhausted"));
  ExpectNothingStored();

  ASSERT_TRUE(
      HasStatus(cli().Post(VersionsPath("m") + "?draft=true", "{}", "application/json"), 201));
  auto put = cli().Put(ArtifactPath("m", 1, "big.bin"), RandomBytes(2 * kMiB, 6),
                       "application/octet-stream");
  EXPECT_TRUE(IsJsonError(put, 413, "resource_exhausted"));
  ExpectNothingStored();

  // Exactly at the limit is fine.
  auto at_limit =
      cli().Put(ArtifactPath("m", 1, "max.bin"), RandomBytes(kMiB, 7), "application/octet-stream");
  ASSERT_TRUE(HasStatus(at_limit, 201));
  EXPECT_EQ(BodyJson(at_limit)["size"], kMiB);
}

}  // namespace
}  // namespace mv::itest
