// Lineage: validation at upload, downstream queries by dataset, commit, run and parent
// (direct and transitive), and the graph around one version.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

json Parent(const std::string& model, int64_t v, const std::string& relation) {
  return {{"model", model}, {"version", v}, {"relation", relation}};
}

json Node(const std::string& model, int64_t v, int depth, const std::string& stage = "none",
          bool deleted = false) {
  return {{"model", model}, {"version", v},
          {"stage", stage}, {"deleted", deleted},
          {"depth", depth}, {"url", "/api/v1/models/" + model + "/versions/" + std::to_string(v)}};
}

json Edge(const std::string& child, int64_t cv, const std::string& parent, int64_t pv,
          const std::string& relation) {
  return {{"child", {{"model", child}, {"version", cv}}},
          {"parent", {{"model", parent}, {"version", pv}}},
          {"relation", relation}};
}

json Sorted(json array) {
  std::sort(array.begin(), array.end(),
            [](const json& a, const json& b) { return a.dump() < b.dump(); });
  return array;
}

// base:1 <- ft:1 <- q:1 ; base:2 <- ft:2 -> base:1 (distilled)
class LineageTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* m : {"base", "ft", "q"}) ASSERT_TRUE(HasStatus(CreateModel(cli(), m), 201));
    ASSERT_EQ(NewVersion(cli(), "base",
                         {{"lineage",
                           {{"run", {{"id", "r-1"}, {"url", "https://ci.example/r-1"}}},
                            {"datasets", {{{"name", "imagenet"}, {"digest", "sha256:aaa"}}}},
                            {"commit", {{"repo", "git@example:vision.git"}, {"sha", "c1"}}}}}}),
              1);
    ASSERT_EQ(
        NewVersion(cli(), "base",
                   {{"lineage", {{"run", "r-2"}, {"dataset", "sha256:bbb"}, {"commit", "c2"}}}}),
        2);
    ASSERT_EQ(NewVersion(cli(), "ft",
                         {{"lineage",
                           {{"parents", {Parent("base", 1, "fine-tuned-from")}},
                            {"datasets",
                             {{{"name", "imagenet"}, {"digest", "sha256:aaa"}},
                              {{"name", "extra"}, {"digest", "sha256:ccc"}}}},
                            {"run", "r-3"},
                            {"commit", "c1"}}}}),
              1);
    ASSERT_EQ(NewVersion(cli(), "q",
                         {{"lineage",
                           {{"parents", {Parent("ft", 1, "quantized-from")}}, {"run", "r-4"}}}}),
              1);
    ASSERT_EQ(
        NewVersion(
            cli(), "ft",
            {{"lineage",
              {{"parents",
                {Parent("base", 2, "fine-tuned-from"), Parent("base", 1, "distilled-from")}}}}}),
        2);
  }

  // One answer; its next_page_token is checked to be null and left out, so that the
  // expectations below read as the versions they are about.
  json Downstream(const QueryParams& params) {
    auto r = cli().Get(WithQuery("/api/v1/lineage", params));
    EXPECT_TRUE(HasStatus(r, 200));
    json j = BodyJson(r);
    EXPECT_TRUE(j.contains("next_page_token") && j["next_page_token"].is_null()) << j;
    j.erase("next_page_token");
    return j;
  }
  json Graph(const std::string& model, const std::string& ref, const QueryParams& params) {
    auto r = cli().Get(WithQuery(VersionsPath(model) + "/" + ref + "/lineage", params));
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }
  int64_t VersionCount(const std::string& model) {
    auto r = cli().Get(ModelPath(model));
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r)["version_count"].get<int64_t>();
  }
};

TEST_F(LineageTest, DownstreamOfADatasetCommitAndRun) {
  EXPECT_EQ(
      Downstream({{"dataset", "sha256:aaa"}}),
      json({{"dataset", "sha256:aaa"}, {"versions", {Node("base", 1, 1), Node("ft", 1, 1)}}}));
  EXPECT_EQ(Downstream({{"dataset", "sha256:ccc"}}),
            json({{"dataset", "sha256:ccc"}, {"versions", {Node("ft", 1, 1)}}}));
  EXPECT_EQ(Downstream({{"commit", "c1"}}),
            json({{"commit", "c1"}, {"versions", {Node("base", 1, 1), Node("ft", 1, 1)}}}));
  EXPECT_EQ(Downstream({{"commit", "c2"}}),
            json({{"commit", "c2"}, {"versions", {Node("base", 2, 1)}}}));
  EXPECT_EQ(Downstream({{"run", "r-4"}}), json({{"run", "r-4"}, {"versions", {Node("q", 1, 1)}}}));
  EXPECT_EQ(Downstream({{"run", "r-1"}}),
            json({{"run", "r-1"}, {"versions", {Node("base", 1, 1)}}}));
  // Unknown things have no descendants; lookups are exact, not prefixes.
  EXPECT_EQ(Downstream({{"dataset", "sha256:zzz"}}),
            json({{"dataset", "sha256:zzz"}, {"versions", json::array()}}));
  EXPECT_EQ(Downstream({{"dataset", "sha256:aa"}})["versions"], json::array());
  EXPECT_EQ(Downstream({{"run", "c1"}})["versions"], json::array()) << "kinds do not mix";
}

TEST_F(LineageTest, DownstreamOfAParentDirectAndTransitive) {
  EXPECT_EQ(Downstream({{"parent", "base:1"}}),
            json({{"parent", "base:1"}, {"versions", {Node("ft", 1, 1), Node("ft", 2, 1)}}}));
  EXPECT_EQ(Downstream({{"parent", "base:1"}, {"transitive", "false"}})["versions"],
            json({Node("ft", 1, 1), Node("ft", 2, 1)}));
  EXPECT_EQ(Downstream({{"parent", "base:1"}, {"transitive", "true"}}),
            json({{"parent", "base:1"},
                  {"versions", {Node("ft", 1, 1), Node("ft", 2, 1), Node("q", 1, 2)}}}));
  EXPECT_EQ(Downstream({{"parent", "base:2"}, {"transitive", "true"}})["versions"],
            json({Node("ft", 2, 1)}));
  EXPECT_EQ(Downstream({{"parent", "ft:1"}})["versions"], json({Node("q", 1, 1)}));
  EXPECT_EQ(Downstream({{"parent", "q:1"}, {"transitive", "true"}})["versions"], json::array());

  // Stages show in the answer.
  ASSERT_TRUE(HasStatus(SetStage(cli(), "q", "1", "production"), 200));
  EXPECT_EQ(Downstream({{"parent", "ft:1"}})["versions"], json({Node("q", 1, 1, "production")}));
}

TEST_F(LineageTest, TransitiveFollowsLongChains) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "chain"), 201));
  ASSERT_EQ(NewVersion(cli(), "chain"), 1);
  for (int64_t v = 2; v <= 12; ++v) {
    ASSERT_EQ(NewVersion(cli(), "chain",
                         {{"lineage", {{"parents", {Parent("chain", v - 1, "fine-tuned-from")}}}}}),
              v);
  }
  json want = json::array();
  for (int64_t v = 2; v <= 12; ++v) want.push_back(Node("chain", v, static_cast<int>(v - 1)));
  EXPECT_EQ(Downstream({{"parent", "chain:1"}, {"transitive", "true"}})["versions"], want);
  EXPECT_EQ(Downstream({{"parent", "chain:1"}})["versions"], json({Node("chain", 2, 1)}));
}

// "Everything derived from models trained on this dataset": three generations below the
// version that used it, a diamond among them, walked transitively and read page by page.
TEST_F(LineageTest, TransitiveDatasetQueryOverThreeGenerationsWithPaging) {
  for (const char* m : {"g0", "g1", "g2"}) ASSERT_TRUE(HasStatus(CreateModel(cli(), m), 201));
  ASSERT_EQ(NewVersion(cli(), "g0", {{"lineage", {{"dataset", "sha256:poison"}}}}), 1);
  for (int v = 1; v <= 2; ++v) {
    ASSERT_EQ(
        NewVersion(cli(), "g1", {{"lineage", {{"parents", {Parent("g0", 1, "fine-tuned-from")}}}}}),
        v);
  }
  ASSERT_EQ(
      NewVersion(cli(), "g2", {{"lineage", {{"parents", {Parent("g1", 1, "quantized-from")}}}}}),
      1);
  ASSERT_EQ(NewVersion(
                cli(), "g2",
                {{"lineage", {{"parents", {Parent("g1", 1, "other"), Parent("g1", 2, "other")}}}}}),
            2);
  ASSERT_EQ(NewVersion(cli(), "g2", {{"lineage", {{"parents", {Parent("g2", 2, "other")}}}}}), 3);
  const json want = {Node("g0", 1, 1), Node("g1", 1, 2), Node("g1", 2, 2),
                     Node("g2", 1, 3), Node("g2", 2, 3), Node("g2", 3, 4)};
  EXPECT_EQ(Downstream({{"dataset", "sha256:poison"}})["versions"], json({Node("g0", 1, 1)}));
  EXPECT_EQ(Downstream({{"dataset", "sha256:poison"}, {"transitive", "true"}})["versions"], want);

  json all = json::array();
  std::string token;
  int pages = 0;
  do {
    QueryParams q = {{"dataset", "sha256:poison"}, {"transitive", "true"}, {"limit", "2"}};
    if (!token.empty()) q.emplace_back("page_token", token);
    auto r = cli().Get(WithQuery("/api/v1/lineage", q));
    ASSERT_TRUE(HasStatus(r, 200));
    json page = BodyJson(r);
    EXPECT_LE(page["versions"].size(), 2u);
    for (const json& n : page["versions"]) all.push_back(n);
    token = page["next_page_token"].is_string() ? page["next_page_token"].get<std::string>() : "";
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(all, want);
  EXPECT_EQ(pages, 3);
  for (const char* q : {"limit=0x", "limit=1001", "limit=-1", "page_token=zz", "page_token=31"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(std::string("/api/v1/lineage?dataset=sha256:poison&") + q),
                            400, "invalid_argument"))
        << q;
  }
}

TEST_F(LineageTest, BadDownstreamQueriesAre400AndUnknownParentsAre404) {
  for (const char* q : {"", "?transitive=true", "?dataset=a&commit=b", "?parent=base",
                        "?parent=base:x", "?parent=base:0", "?parent=:1", "?parent=bad%20name:1",
                        "?parent=base:1&transitive=maybe", "?dataset="}) {
    EXPECT_TRUE(IsJsonError(cli().Get(std::string("/api/v1/lineage") + q), 400, "invalid_argument"))
        << q;
  }
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/lineage?parent=base:9"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/lineage?parent=ghost:1"), 404, "not_found"));
}

TEST_F(LineageTest, UploadWithAMissingParentIs400AndCreatesNothing) {
  const auto blobs_before = FilesUnder(BlobDir(data_dir_));
  const size_t events_before = AuditEvents(cli(), {}).size();
  for (const json& parent : {Parent("base", 9, "fine-tuned-from"), Parent("ghost", 1, "other")}) {
    json meta = {{"lineage", {{"parents", {parent}}, {"dataset", "sha256:new"}}}};
    auto r = UploadVersion(cli(), "ft", meta.dump(), {{"w.bin", "never stored " + parent.dump()}});
    EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument")) << parent;
    EXPECT_NE(ErrorMessage(r).find(parent["model"].get<std::string>() + ":"), std::string::npos)
        << ErrorMessage(r);
  }
  // A draft is not a parent either.
  ASSERT_TRUE(
      HasStatus(cli().Post(VersionsPath("base") + "?draft=true", "{}", "application/json"), 201));
  json meta = {{"lineage", {{"parents", {Parent("base", 3, "other")}}}}};
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "ft", meta.dump(), {{"w.bin", "x"}}), 400,
                          "invalid_argument"));

  EXPECT_EQ(VersionCount("ft"), 2);
  EXPECT_EQ(Downstream({{"dataset", "sha256:new"}})["versions"], json::array());
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)), blobs_before) << "nothing of a refused upload is kept";
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  EXPECT_EQ(AuditEvents(cli(), {}).size(), events_before + 1) << "only the draft was recorded";
  // No number was used up.
  EXPECT_EQ(NewVersion(cli(), "ft", {{"lineage", {{"parents", {Parent("base", 2, "other")}}}}}), 3);
}

TEST_F(LineageTest, MalformedLineageIs400) {
  const std::vector<json> bad = {
      {{"lineage", "r-1"}},
      {{"lineage", {{"parents", Parent("base", 1, "other")}}}},
      {{"lineage", {{"parents", {{{"model", "base"}}}}}}},
      {{"lineage", {{"parents", {{{"version", 1}}}}}}},
      {{"lineage", {{"parents", {{{"model", "base"}, {"version", "1"}}}}}}},
      {{"lineage", {{"parents", {{{"model", "base"}, {"version", 0}}}}}}},
      {{"lineage", {{"parents", {{{"model", "bad name"}, {"version", 1}}}}}}},
      {{"lineage", {{"parents", {Parent("base", 1, "copied-from")}}}}},
      {{"lineage", {{"parents", {Parent("base", 1, "other"), Parent("base", 1, "other")}}}}},
      {{"lineage", {{"run", 42}}}},
      {{"lineage", {{"run", ""}}}},
      {{"lineage", {{"run", {{"url", "https://ci"}}}}}},
      {{"lineage", {{"commit", {{"repo", "x"}}}}}},
      {{"lineage", {{"dataset", std::string(513, 'd')}}}},
      {{"lineage", {{"datasets", "sha256:aaa"}}}},
      {{"lineage", {{"datasets", {{{"name", "no digest"}}}}}}},
      {{"lineage", {{"datasets", {"sha256:aaa", "sha256:aaa"}}}}},
      {{"metrics", {{"top1", "high"}}}},
      {{"lineage", {{"metrics", {{"top1", true}}}}}},
      {{"params", {{"lr", {1, 2}}}}},
      {{"params", {{"bad key", 1}}}},
      {{"params", {{"lr", 1}}}, {"lineage", {{"params", {{"lr", 2}}}}}},
      {{"metrics", {{"top1", 1}}}, {"lineage", {{"metrics", {{"top1", 1}}}}}},
      {{"tags", {{"team", 1}}}},
  };
  auto blobs = FilesUnder(BlobDir(data_dir_));
  for (const json& meta : bad) {
    auto r = UploadVersion(cli(), "q", meta.dump(), {{"w.bin", "refused " + meta.dump()}});
    EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument")) << meta.dump();
    auto now = FilesUnder(BlobDir(data_dir_));
    EXPECT_EQ(now, blobs) << "kept a blob for " << meta.dump();
    blobs = now;  // each case on its own
  }
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  EXPECT_EQ(VersionCount("q"), 1);
  EXPECT_EQ(NewVersion(cli(), "q"), 2);
}

TEST_F(LineageTest, TheMetaIsKeptAsSent) {
  json meta = {{"description", "int8"},
               {"tags", {{"team", "vision"}}},
               {"params", {{"bits", 8}, {"scheme", "symmetric"}, {"calibrated", true}}},
               {"metrics", {{"top1", 0.69}}},
               {"lineage",
                {{"parents", {Parent("ft", 2, "quantized-from")}},
                 {"run", {{"id", "r-9"}, {"url", "https://ci.example/r-9"}}},
                 {"datasets", {{{"name", "calib"}, {"digest", "sha256:ddd"}}}},
                 {"commit", {{"repo", "git@example:q.git"}, {"sha", "c9"}}},
                 {"params", {{"seed", 1}}},
                 {"metrics", {{"latency_ms", 3.5}}}}}};
  auto r = UploadVersion(cli(), "q", meta.dump(), {{"w.bin", "x"}});
  ASSERT_TRUE(HasStatus(r, 201));
  EXPECT_EQ(BodyJson(r)["meta"], meta);
  EXPECT_EQ(BodyJson(r)["description"], "int8");
  EXPECT_EQ(Downstream({{"dataset", "sha256:ddd"}})["versions"], json({Node("q", 2, 1)}));
  EXPECT_EQ(Downstream({{"parent", "ft:2"}})["versions"], json({Node("q", 2, 1)}));
  // lineage.params and lineage.metrics are searchable like the top-level ones.
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions",
                           {{"filter",
                             "params.seed = 1 AND metrics.latency_ms < 4 AND "
                             "params.scheme = 'symmetric' AND tags.team = 'vision'"}}),
            std::vector<std::string>{"q:2"});
}

TEST_F(LineageTest, GraphUpward) {
  json up = Graph("q", "1", {});
  EXPECT_EQ(up["model"], "q");
  EXPECT_EQ(up["version"], 1);
  EXPECT_EQ(up["direction"], "up");
  EXPECT_EQ(Sorted(up["nodes"]), Sorted({Node("q", 1, 0), Node("ft", 1, 1), Node("base", 1, 2)}));
  EXPECT_EQ(Sorted(up["edges"]), Sorted({Edge("q", 1, "ft", 1, "quantized-from"),
                                         Edge("ft", 1, "base", 1, "fine-tuned-from")}));
  EXPECT_EQ(up["refs"], json({{{"kind", "run"}, {"ref", "r-4"}, {"detail", ""}}}));
  EXPECT_EQ(Graph("q", "1", {{"direction", "up"}, {"depth", "8"}}), up);

  json shallow = Graph("q", "1", {{"depth", "1"}});
  EXPECT_EQ(Sorted(shallow["nodes"]), Sorted({Node("q", 1, 0), Node("ft", 1, 1)}));
  EXPECT_EQ(shallow["edges"], json({Edge("q", 1, "ft", 1, "quantized-from")}));

  json ft1 = Graph("ft", "1", {});
  EXPECT_EQ(ft1["refs"], json({{{"kind", "commit"}, {"ref", "c1"}, {"detail", ""}},
                               {{"kind", "dataset"}, {"ref", "sha256:aaa"}, {"detail", "imagenet"}},
                               {{"kind", "dataset"}, {"ref", "sha256:ccc"}, {"detail", "extra"}},
                               {{"kind", "run"}, {"ref", "r-3"}, {"detail", ""}}}));
  json base1 = Graph("base", "1", {});
  EXPECT_EQ(base1["nodes"], json({Node("base", 1, 0)}));
  EXPECT_EQ(base1["edges"], json::array());
  EXPECT_EQ(base1["refs"],
            json({{{"kind", "commit"}, {"ref", "c1"}, {"detail", "git@example:vision.git"}},
                  {{"kind", "dataset"}, {"ref", "sha256:aaa"}, {"detail", "imagenet"}},
                  {{"kind", "run"}, {"ref", "r-1"}, {"detail", "https://ci.example/r-1"}}}));
  json ft2 = Graph("ft", "latest", {});
  EXPECT_EQ(ft2["version"], 2);
  EXPECT_EQ(Sorted(ft2["nodes"]),
            Sorted({Node("ft", 2, 0), Node("base", 2, 1), Node("base", 1, 1)}));
  EXPECT_EQ(Sorted(ft2["edges"]), Sorted({Edge("ft", 2, "base", 2, "fine-tuned-from"),
                                          Edge("ft", 2, "base", 1, "distilled-from")}));
}

TEST_F(LineageTest, GraphDownward) {
  json down = Graph("base", "1", {{"direction", "down"}});
  EXPECT_EQ(down["direction"], "down");
  EXPECT_EQ(Sorted(down["nodes"]),
            Sorted({Node("base", 1, 0), Node("ft", 1, 1), Node("ft", 2, 1), Node("q", 1, 2)}));
  EXPECT_EQ(Sorted(down["edges"]), Sorted({Edge("ft", 1, "base", 1, "fine-tuned-from"),
                                           Edge("ft", 2, "base", 1, "distilled-from"),
                                           Edge("q", 1, "ft", 1, "quantized-from")}));
  json one = Graph("base", "1", {{"direction", "down"}, {"depth", "1"}});
  EXPECT_EQ(Sorted(one["nodes"]), Sorted({Node("base", 1, 0), Node("ft", 1, 1), Node("ft", 2, 1)}));
  EXPECT_EQ(one["edges"].size(), 2u);
  EXPECT_EQ(Graph("q", "1", {{"direction", "down"}})["nodes"], json({Node("q", 1, 0)}));
}

TEST_F(LineageTest, BadGraphQueriesAre400AndMissingVersionsAre404) {
  for (const char* q :
       {"?direction=sideways", "?depth=0", "?depth=65", "?depth=two", "?depth=-1"}) {
    EXPECT_TRUE(
        IsJsonError(cli().Get(VersionPath("q", 1) + "/lineage" + q), 400, "invalid_argument"))
        << q;
  }
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("q") + "/x/lineage"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("q", 9) + "/lineage"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("ghost", 1) + "/lineage"), 404, "not_found"));
}

}  // namespace
}  // namespace mv::itest
