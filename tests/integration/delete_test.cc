// Deleting a version leaves a tombstone: the number and the audit stay, content goes.
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class DeleteTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
    for (int i = 1; i <= 3; ++i) {
      json meta = {{"description", "v" + std::to_string(i)},
                   {"tags", {{"team", "vision"}}},
                   {"lineage", {{"dataset", "sha256:d" + std::to_string(i)}}}};
      ASSERT_EQ(NewVersion(cli(), "m", meta), i);
    }
  }

  std::vector<int64_t> Listed() {
    auto r = cli().Get(VersionsPath("m"));
    EXPECT_TRUE(HasStatus(r, 200));
    return Numbers(BodyJson(r)["versions"]);
  }
  json Model() {
    auto r = cli().Get(ModelPath("m"));
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }
};

TEST_F(DeleteTest, DeletionAnswersTheTombstone) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "staging"), 200));
  ASSERT_TRUE(
      HasStatus(PutJson(cli(), ModelPath("m") + "/aliases/champion", {{"version", 2}}), 200));
  auto before = cli().Get(VersionPath("m", 2));
  ASSERT_TRUE(HasStatus(before, 200));

  auto del = cli().Delete(VersionPath("m", 2), R"({"comment":"trained on leaked data"})",
                          "application/json");
  ASSERT_TRUE(HasStatus(del, 200));
  json t = BodyJson(del);
  EXPECT_EQ(t["model"], "m");
  EXPECT_EQ(t["version"], 2);
  EXPECT_EQ(t["state"], "deleted");
  EXPECT_EQ(t["stage"], "none");
  EXPECT_TRUE(t["deleted_at"].is_string()) << del->body;
  EXPECT_EQ(t["stage_changed_at"], t["deleted_at"]);
  EXPECT_EQ(t["aliases"], json::array());
  EXPECT_EQ(t["artifacts"], json::array());
  EXPECT_EQ(t["description"], "");
  EXPECT_EQ(t["meta"], json::object());
  EXPECT_EQ(t["created_at"], BodyJson(before)["created_at"]);
  EXPECT_EQ(t["sealed_at"], BodyJson(before)["sealed_at"]);

  // The tombstone stays readable; everything that was in it is gone.
  auto got = cli().Get(VersionPath("m", 2));
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got), t);
  EXPECT_TRUE(IsJsonError(cli().Get(ArtifactPath("m", 2, "weights.bin")), 404, "not_found"));
  EXPECT_TRUE(HasStatus(cli().Head(ArtifactPath("m", 2, "weights.bin")), 404));
  EXPECT_TRUE(IsJsonError(cli().Get(ModelPath("m") + "/aliases/champion"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/staging"), 404, "not_found"));
  EXPECT_EQ(Listed(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(ListedVersions(cli(), "/api/v1/versions", {{"filter", "tags.team = 'vision'"}}),
            (std::vector<std::string>{"m:3", "m:1"}));
  auto lineage = cli().Get("/api/v1/lineage?dataset=sha256:d2");
  ASSERT_TRUE(HasStatus(lineage, 200));
  EXPECT_EQ(BodyJson(lineage)["versions"], json::array());
  EXPECT_EQ(Model()["version_count"], 2);
  EXPECT_EQ(Model()["latest_version"], 3);
  // The other versions' bytes are untouched.
  auto v1 = cli().Get(ArtifactPath("m", 1, "weights.bin"));
  ASSERT_TRUE(HasStatus(v1, 200));
  EXPECT_EQ(v1->body, "weights of m");
}

TEST_F(DeleteTest, TheAuditOfADeletedVersionStays) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "staging"), 200));
  ASSERT_TRUE(
      HasStatus(PutJson(cli(), ModelPath("m") + "/aliases/champion", {{"version", 2}}), 200));
  auto del = cli().Delete(VersionPath("m", 2) + "?comment=bad%20data");
  ASSERT_TRUE(HasStatus(del, 200));

  std::vector<std::string> got;
  for (const json& e : AuditEvents(cli(), {{"model", "m"}})) {
    if (e["version"] != 2) continue;
    auto s = [](const json& x) { return x.is_null() ? std::string("-") : x.get<std::string>(); };
    got.push_back(e["action"].get<std::string>() + " " + s(e["from"]) + ">" + s(e["to"]) + " " +
                  e["comment"].get<std::string>());
    if (e["action"] == "version.delete") {
      EXPECT_EQ(e["request_id"], del->get_header_value("X-Request-Id"));
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"version.create ->sealed v2", "stage none>staging ",
                                           "alias.set ->2 champion", "stage staging>none deleted",
                                           "alias.delete 2>- champion",
                                           "version.delete sealed>deleted bad data"}));
}

TEST_F(DeleteTest, NumbersAreNeverReused) {
  ASSERT_TRUE(HasStatus(cli().Delete(VersionPath("m", 3)), 200));
  EXPECT_EQ(Model()["latest_version"], 2);
  auto latest = cli().Get(VersionsPath("m") + "/latest");
  ASSERT_TRUE(HasStatus(latest, 200));
  EXPECT_EQ(BodyJson(latest)["version"], 2);
  EXPECT_EQ(NewVersion(cli(), "m"), 4);
  ASSERT_TRUE(HasStatus(cli().Delete(VersionsPath("m") + "/latest"), 200));
  EXPECT_EQ(NewVersion(cli(), "m"), 5);
  EXPECT_EQ(Listed(), (std::vector<int64_t>{5, 2, 1}));
  RestartServer();
  EXPECT_EQ(NewVersion(cli(), "m"), 6);
  auto tomb = cli().Get(VersionPath("m", 3));
  ASSERT_TRUE(HasStatus(tomb, 200));
  EXPECT_EQ(BodyJson(tomb)["state"], "deleted");
}

TEST_F(DeleteTest, ProductionVersionsCannotBeDeleted) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "production"), 200));
  auto r = cli().Delete(VersionPath("m", 1));
  EXPECT_TRUE(IsJsonError(r, 409, "failed_precondition"));
  EXPECT_NE(ErrorMessage(r).find("production"), std::string::npos) << ErrorMessage(r);
  EXPECT_TRUE(
      IsJsonError(cli().Delete(VersionsPath("m") + "/production"), 409, "failed_precondition"));
  auto v1 = cli().Get(VersionPath("m", 1));
  ASSERT_TRUE(HasStatus(v1, 200));
  EXPECT_EQ(BodyJson(v1)["state"], "sealed");
  EXPECT_EQ(BodyJson(v1)["stage"], "production");
  EXPECT_TRUE(HasStatus(cli().Get(ArtifactPath("m", 1, "weights.bin")), 200));
  EXPECT_EQ(AuditEvents(cli(), {{"action", "version.delete"}}).size(), 0u);

  // Once something else holds production, the old holder (now archived) may go.
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "production"), 200));
  ASSERT_TRUE(HasStatus(cli().Delete(VersionPath("m", 1)), 200));
  // Deleting the archived version does not touch who holds production.
  auto prod = cli().Get(ModelPath("m") + "/stages/production");
  ASSERT_TRUE(HasStatus(prod, 200));
  EXPECT_EQ(BodyJson(prod)["version"], 2);
}

TEST_F(DeleteTest, TombstonesAreFinal) {
  ASSERT_TRUE(HasStatus(cli().Delete(VersionPath("m", 2)), 200));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionPath("m", 2)), 409, "failed_precondition"));
  for (const char* stage : {"staging", "production", "archived", "none"}) {
    EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "2", stage), 409, "failed_precondition")) << stage;
  }
  EXPECT_TRUE(IsJsonError(PutJson(cli(), ModelPath("m") + "/aliases/x", {{"version", 2}}), 409,
                          "failed_precondition"));
  EXPECT_EQ(AuditEvents(cli(), {{"model", "m"}, {"action", "version.delete"}}).size(), 1u);
}

TEST_F(DeleteTest, BadDeletesAre4xx) {
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionPath("m", 9)), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionPath("ghost", 1)), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionsPath("m") + "/x"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionsPath("m") + "/@nobody"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionPath("m", 1), "{", "application/json"), 400,
                          "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Delete(VersionPath("m", 1), R"({"comment":5})", "application/json"),
                          400, "invalid_argument"));
  EXPECT_EQ(Listed(), (std::vector<int64_t>{3, 2, 1}));
}

TEST_F(DeleteTest, ADeletedParentStaysInTheGraph) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "child"), 201));
  json meta = {{"lineage", {{"parents", {{{"model", "m"}, {"version", 2}}}}}}};
  ASSERT_EQ(NewVersion(cli(), "child", meta), 1);
  json meta2 = {{"lineage", {{"parents", {{{"model", "child"}, {"version", 1}}}}}}};
  ASSERT_EQ(NewVersion(cli(), "child", meta2), 2);
  ASSERT_TRUE(HasStatus(cli().Delete(VersionPath("child", 1)), 200));

  // Downstream walks through the tombstone without listing it.
  auto down = cli().Get("/api/v1/lineage?parent=m:2&transitive=true");
  ASSERT_TRUE(HasStatus(down, 200));
  ASSERT_EQ(BodyJson(down)["versions"].size(), 1u) << down->body;
  EXPECT_EQ(BodyJson(down)["versions"][0]["model"], "child");
  EXPECT_EQ(BodyJson(down)["versions"][0]["version"], 2);
  EXPECT_EQ(BodyJson(down)["versions"][0]["depth"], 2);
  // The graph shows it, marked deleted.
  auto g = cli().Get(VersionPath("child", 2) + "/lineage");
  ASSERT_TRUE(HasStatus(g, 200));
  bool seen = false;
  const json graph = BodyJson(g);
  for (const json& n : graph["nodes"]) {
    if (n["model"] == "child" && n["version"] == 1) {
      seen = true;
      EXPECT_EQ(n["deleted"], true);
      EXPECT_EQ(n["stage"], "none");
    }
  }
  EXPECT_TRUE(seen) << g->body;
}

}  // namespace
}  // namespace mv::itest
