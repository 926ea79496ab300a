// The search filter language on the three list endpoints, ?stage= on version lists,
// syntax errors that name their position, and paging through filtered results.
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

const char* kExample = "stage = 'production' AND (tags.team = 'vision' OR metrics.top1 >= 0.76)";

class SearchTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    // Models are tagged by team; versions carry their own tags and metrics.
    struct V {
      const char* model;
      const char* team;
      double top1;
      const char* stage;
    };
    const std::vector<std::pair<const char*, const char*>> models = {{"vision-a", "vision"},
                                                                     {"nlp-b", "nlp"},
                                                                     {"vision-c", "vision"},
                                                                     {"nlp-d", "nlp"},
                                                                     {"nlp-e", "nlp"}};
    for (const auto& [name, team] : models) {
      json body = {{"name", name}, {"tags", {{"team", team}}}};
      ASSERT_TRUE(HasStatus(PostJson(cli(), "/api/v1/models", body), 201));
    }
    // In creation order, which is also the order "newest first" reverses.
    const std::vector<V> versions = {
        {"vision-a", "vision", 0.70, "production"},  // vision-a:1  match (team)
        {"vision-a", "vision", 0.78, "staging"},     // vision-a:2  not in production
        {"nlp-b", "nlp", 0.50, "none"},              // nlp-b:1
        {"nlp-b", "nlp", 0.80, "production"},        // nlp-b:2     match (top1)
        {"vision-c", "vision", 0.60, "none"},        // vision-c:1  not in production
        {"nlp-d", "nlp", 0.76, "production"},        // nlp-d:1     match (top1 == 0.76)
        {"nlp-e", "nlp", 0.7599, "production"},      // nlp-e:1     no match
        {"vision-a", "vision", 0.74, "none"},        // vision-a:3
    };
    for (const V& v : versions) {
      json meta = {{"tags", {{"team", v.team}}}, {"metrics", {{"top1", v.top1}}}};
      int64_t n = NewVersion(cli(), v.model, meta);
      ASSERT_GT(n, 0);
      if (std::string(v.stage) != "none") {
        ASSERT_TRUE(HasStatus(SetStage(cli(), v.model, std::to_string(n), v.stage), 200));
      }
    }
  }

  std::vector<std::string> Models(const QueryParams& params, int limit = 0) {
    std::vector<std::string> out;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      QueryParams p = params;
      if (limit > 0) p.emplace_back("limit", std::to_string(limit));
      if (!token.empty()) p.emplace_back("page_token", token);
      auto r = cli().Get(WithQuery("/api/v1/models", p));
      if (!HasStatus(r, 200)) {
        ADD_FAILURE() << "GET /api/v1/models";
        return out;
      }
      json j = BodyJson(r);
      if (limit > 0) {
        EXPECT_LE(j["models"].size(), static_cast<size_t>(limit));
      }
      for (const json& m : j["models"]) out.push_back(m["name"]);
      if (j["next_page_token"].is_null()) return out;
      token = j["next_page_token"];
    }
    ADD_FAILURE() << "the model list never ended";
    return out;
  }
};

using Names = std::vector<std::string>;

TEST_F(SearchTest, TheExampleFilterOnAllThreeEndpoints) {
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"filter", kExample}}),
            (Names{"nlp-d:1", "nlp-b:2", "vision-a:1"}));
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("vision-a"), {{"filter", kExample}}),
            (Names{"vision-a:1"}));
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("nlp-b"), {{"filter", kExample}}),
            (Names{"nlp-b:2"}));
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("vision-c"), {{"filter", kExample}}), Names{});
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("nlp-e"), {{"filter", kExample}}), Names{});
  // Models: stage and metrics ask whether some live version qualifies; tags are the model's.
  EXPECT_EQ(Models({{"filter", kExample}}), (Names{"nlp-b", "nlp-d", "vision-a"}));
}

TEST_F(SearchTest, FilteredResultsPage) {
  const Names all = {"nlp-d:1", "nlp-b:2", "vision-a:1"};
  for (int limit : {1, 2, 3}) {
    EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"filter", kExample}}, limit), all)
        << "limit " << limit;
    EXPECT_EQ(Models({{"filter", kExample}}, limit), (Names{"nlp-b", "nlp-d", "vision-a"}))
        << "limit " << limit;
  }
  EXPECT_EQ(
      ListedVersions(cli(), VersionsPath("vision-a"), {{"filter", "tags.team = 'vision'"}}, 2),
      (Names{"vision-a:3", "vision-a:2", "vision-a:1"}));
  // A page token carries the position, not the filter: the filter is sent with every page.
  auto first = cli().Get(WithQuery("/api/v1/versions", {{"filter", kExample}, {"limit", "1"}}));
  ASSERT_TRUE(HasStatus(first, 200));
  ASSERT_TRUE(BodyJson(first)["next_page_token"].is_string());
  auto second = cli().Get(WithQuery(
      "/api/v1/versions",
      {{"filter", kExample}, {"limit", "1"}, {"page_token", BodyJson(first)["next_page_token"]}}));
  ASSERT_TRUE(HasStatus(second, 200));
  EXPECT_EQ(Numbers(BodyJson(second)["versions"]), std::vector<int64_t>{2});
  EXPECT_EQ(BodyJson(second)["versions"][0]["model"], "nlp-b");
}

TEST_F(SearchTest, StageParameterOnVersionLists) {
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"stage", "production"}}),
            (Names{"nlp-e:1", "nlp-d:1", "nlp-b:2", "vision-a:1"}));
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"stage", "staging"}}),
            (Names{"vision-a:2"}));
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("vision-a"), {{"stage", "none"}}),
            (Names{"vision-a:3"}));
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("vision-a"), {{"stage", "archived"}}), Names{});
  // Combined with a filter, both must hold.
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions",
                           {{"stage", "production"}, {"filter", "metrics.top1 >= 0.76"}}),
            (Names{"nlp-d:1", "nlp-b:2"}));
  EXPECT_EQ(
      ListedVersions(cli(), "/api/v1/versions",
                     {{"stage", "production"}, {"filter", "metrics.top1 > 0.7 OR version = 2"}}),
      (Names{"nlp-e:1", "nlp-d:1", "nlp-b:2"}));
  for (const char* bad : {"prod", "Production", "production'", ""}) {
    if (std::string(bad).empty()) continue;
    EXPECT_TRUE(IsJsonError(cli().Get(WithQuery("/api/v1/versions", {{"stage", bad}})), 400,
                            "invalid_argument"))
        << bad;
    EXPECT_TRUE(IsJsonError(cli().Get(WithQuery(VersionsPath("nlp-b"), {{"stage", bad}})), 400,
                            "invalid_argument"))
        << bad;
  }
}

TEST_F(SearchTest, MoreOfTheLanguage) {
  ASSERT_TRUE(
      HasStatus(PutJson(cli(), ModelPath("nlp-b") + "/aliases/champion", {{"version", 1}}), 200));
  auto versions = [&](const std::string& filter) {
    return ListedVersions(cli(), "/api/v1/versions", {{"filter", filter}});
  };
  EXPECT_EQ(versions("alias = 'champion'"), (Names{"nlp-b:1"}));
  EXPECT_EQ(versions("name LIKE 'vision%' AND NOT stage IN ('none', 'staging')"),
            (Names{"vision-a:1"}));
  EXPECT_EQ(versions("model IN ('nlp-d', \"nlp-e\") and version = 1"),
            (Names{"nlp-e:1", "nlp-d:1"}));
  EXPECT_EQ(versions("metrics.top1 < 0.6"), (Names{"nlp-b:1"}));
  EXPECT_EQ(versions("tags.team != 'nlp' AND stage <> 'none'"),
            (Names{"vision-a:2", "vision-a:1"}));
  EXPECT_EQ(versions("created_at > '2000-01-01T00:00:00Z' AND model = 'vision-c'"),
            (Names{"vision-c:1"}));
  EXPECT_EQ(versions("metrics.missing >= 0"), Names{});
  EXPECT_EQ(Models({{"filter", "tags.team = 'vision' AND NOT stage = 'production'"}}),
            (Names{"vision-c"}));
  EXPECT_EQ(Models({{"filter", "name LIKE 'nlp-%' AND metrics.top1 > 0.79"}}), (Names{"nlp-b"}));
  EXPECT_EQ(Models({{"filter", "alias = 'champion'"}}), (Names{"nlp-b"}));
  // An empty filter matches everything.
  EXPECT_EQ(Models({{"filter", "  "}}).size(), 5u);
}

TEST_F(SearchTest, SyntaxErrorsAre400NamingThePosition) {
  struct Case {
    std::string filter;
    std::string position;
  };
  const std::vector<Case> cases = {
      {"tags.team = 'vision' ORR stage = 'production'", "position 22"},
      {"stage = 'production' AND (", "position 27"},
      {"stage = 'production", "position 9"},
      {"metrics.top1 >= 0.76 AND colour = 'red'", "position 26"},
      {"stage == 'production'", "position 8"},
      {"version = 'two'", "version"},
  };
  const std::vector<std::string> endpoints = {"/api/v1/models", "/api/v1/versions",
                                              VersionsPath("vision-a")};
  for (const Case& c : cases) {
    for (const std::string& path : endpoints) {
      auto r = cli().Get(WithQuery(path, {{"filter", c.filter}}));
      EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument")) << path << " " << c.filter;
      EXPECT_NE(ErrorMessage(r).find(c.position), std::string::npos)
          << path << " " << c.filter << ": " << ErrorMessage(r);
    }
  }
  // Longer than the 4096 bytes a filter may have (yet well within a request line).
  auto too_long = cli().Get(
      WithQuery("/api/v1/versions", {{"filter", "name = '" + std::string(4100, 'a') + "'"}}));
  EXPECT_TRUE(IsJsonError(too_long, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(too_long).find("4096"), std::string::npos) << ErrorMessage(too_long);
}

TEST_F(SearchTest, ValuesAreBoundNeverSpliced) {
  const std::string sneaky = "name = 'x'' OR ''1''=''1'";
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"filter", sneaky}}), Names{});
  EXPECT_EQ(Models({{"filter", sneaky}}), Names{});
  EXPECT_EQ(Models({{"filter", "tags.'team' = 'nlp'"}}), (Names{"nlp-b", "nlp-d", "nlp-e"}));
}

}  // namespace
}  // namespace mv::itest
