// Stage transitions (promotion, rollback, demotion, drafts), stage lookups and the version
// references every version URL accepts.
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class StagesTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
    for (int i = 1; i <= 3; ++i) ASSERT_EQ(NewVersion(cli(), "m"), i);
  }

  json GetVersion(const std::string& ref) {
    auto r = cli().Get(VersionsPath("m") + "/" + ref);
    EXPECT_TRUE(HasStatus(r, 200)) << ref;
    return BodyJson(r);
  }
  std::string StageOf(int64_t v) { return GetVersion(std::to_string(v))["stage"]; }

  // The stage events of model m, as "version:from>to" (from/to "-" when null).
  std::vector<std::string> StageEvents() {
    std::vector<std::string> out;
    for (const json& e : AuditEvents(cli(), {{"model", "m"}, {"action", "stage"}})) {
      auto s = [](const json& x) { return x.is_null() ? std::string("-") : x.get<std::string>(); };
      out.push_back(std::to_string(e["version"].get<int64_t>()) + ":" + s(e["from"]) + ">" +
                    s(e["to"]));
    }
    return out;
  }
};

// The version JSON of a transition answer, without the two fields only it carries.
json WithoutTransitionFields(json j) {
  j.erase("changed");
  j.erase("displaced_version");
  return j;
}

TEST_F(StagesTest, PromotionAnswersTheVersionAndWhatItDisplaced) {
  auto r1 = SetStage(cli(), "m", "1", "production", {{"comment", "first launch"}});
  ASSERT_TRUE(HasStatus(r1, 200));
  json j1 = BodyJson(r1);
  EXPECT_EQ(j1["model"], "m");
  EXPECT_EQ(j1["version"], 1);
  EXPECT_EQ(j1["state"], "sealed");
  EXPECT_EQ(j1["stage"], "production");
  EXPECT_TRUE(j1["stage_changed_at"].is_string()) << r1->body;
  EXPECT_EQ(j1["changed"], true);
  ASSERT_TRUE(j1.contains("displaced_version"));
  EXPECT_TRUE(j1["displaced_version"].is_null());
  EXPECT_EQ(WithoutTransitionFields(j1), GetVersion("1"));

  auto r2 = SetStage(cli(), "m", "2", "production");
  ASSERT_TRUE(HasStatus(r2, 200));
  json j2 = BodyJson(r2);
  EXPECT_EQ(j2["stage"], "production");
  EXPECT_EQ(j2["changed"], true);
  EXPECT_EQ(j2["displaced_version"], 1);
  EXPECT_EQ(StageOf(1), "archived");
  EXPECT_EQ(StageOf(3), "none");

  // Each transition is audited with who, why and which request; the displacement too.
  auto events = AuditEvents(cli(), {{"model", "m"}, {"action", "stage"}});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["version"], 1);
  EXPECT_EQ(events[0]["from"], "none");
  EXPECT_EQ(events[0]["to"], "production");
  EXPECT_EQ(events[0]["comment"], "first launch");
  EXPECT_EQ(events[0]["actor"], "admin");  // the fixture's token
  EXPECT_EQ(events[0]["action"], "stage");
  EXPECT_EQ(events[0]["model"], "m");
  EXPECT_EQ(events[0]["request_id"], r1->get_header_value("X-Request-Id"));
  EXPECT_EQ(events[0]["at"], j1["stage_changed_at"]);
  EXPECT_EQ(events[1]["version"], 1);
  EXPECT_EQ(events[1]["from"], "production");
  EXPECT_EQ(events[1]["to"], "archived");
  EXPECT_EQ(events[1]["comment"], "replaced by version 2");
  EXPECT_EQ(events[1]["request_id"], r2->get_header_value("X-Request-Id"));
  EXPECT_EQ(events[2]["version"], 2);
  EXPECT_EQ(events[2]["from"], "none");
  EXPECT_EQ(events[2]["to"], "production");
  EXPECT_EQ(events[2]["comment"], "");
  EXPECT_EQ(events[2]["request_id"], r2->get_header_value("X-Request-Id"));
  EXPECT_EQ(events[1]["at"], events[2]["at"]) << "one transaction, one instant";
}

TEST_F(StagesTest, RollbackFromArchivedToProductionIsOneCall) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "production"), 200));
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "production"), 200));
  ASSERT_EQ(StageOf(1), "archived");

  auto back = SetStage(cli(), "m", "1", "production", {{"comment", "v2 regressed"}});
  ASSERT_TRUE(HasStatus(back, 200));
  EXPECT_EQ(BodyJson(back)["stage"], "production");
  EXPECT_EQ(BodyJson(back)["changed"], true);
  EXPECT_EQ(BodyJson(back)["displaced_version"], 2);
  EXPECT_EQ(StageOf(1), "production");
  EXPECT_EQ(StageOf(2), "archived");
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("m"), {{"stage", "production"}}),
            std::vector<std::string>{"m:1"});
  EXPECT_EQ(StageEvents(), (std::vector<std::string>{"1:none>production", "1:production>archived",
                                                     "2:none>production", "2:production>archived",
                                                     "1:archived>production"}));
}

TEST_F(StagesTest, ArchivePreviousFalseSendsTheHolderBackToStaging) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "production"), 200));
  auto r = SetStage(cli(), "m", "2", "production", {{"archive_previous", false}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["displaced_version"], 1);
  EXPECT_EQ(StageOf(1), "staging");
  EXPECT_EQ(StageOf(2), "production");
}

TEST_F(StagesTest, DemotionAndTheLegalPathsThroughTheLifecycle) {
  // none -> staging -> production -> staging -> archived -> staging -> none
  for (const char* stage : {"staging", "production", "staging", "archived", "staging", "none"}) {
    auto r = SetStage(cli(), "m", "3", stage);
    ASSERT_TRUE(HasStatus(r, 200)) << stage;
    EXPECT_EQ(BodyJson(r)["stage"], stage);
    EXPECT_EQ(BodyJson(r)["changed"], true) << stage;
    EXPECT_TRUE(BodyJson(r)["displaced_version"].is_null()) << stage;
  }
  EXPECT_EQ(StageEvents(), (std::vector<std::string>{"3:none>staging", "3:staging>production",
                                                     "3:production>staging", "3:staging>archived",
                                                     "3:archived>staging", "3:staging>none"}));
}

TEST_F(StagesTest, TheSameStageAgainIsANoOpWithoutAnEvent) {
  auto first = SetStage(cli(), "m", "1", "staging");
  ASSERT_TRUE(HasStatus(first, 200));
  auto again = SetStage(cli(), "m", "1", "staging", {{"comment", "again"}});
  ASSERT_TRUE(HasStatus(again, 200));
  EXPECT_EQ(BodyJson(again)["changed"], false);
  EXPECT_TRUE(BodyJson(again)["displaced_version"].is_null());
  EXPECT_EQ(BodyJson(again)["stage_changed_at"], BodyJson(first)["stage_changed_at"]);
  EXPECT_EQ(StageEvents(), std::vector<std::string>{"1:none>staging"});
}

TEST_F(StagesTest, IllegalTransitionsAre409AndChangeNothing) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "production"), 200));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "none"), 409, "failed_precondition"));
  EXPECT_EQ(StageOf(1), "production");
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "archived"), 200));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "none"), 409, "failed_precondition"));
  EXPECT_EQ(StageOf(1), "archived");
  EXPECT_EQ(StageEvents(),
            (std::vector<std::string>{"1:none>production", "1:production>archived"}));
}

TEST_F(StagesTest, DraftsCannotBeStagedUntilCommitted) {
  auto draft = cli().Post(VersionsPath("m") + "?draft=true", "{}", "application/json");
  ASSERT_TRUE(HasStatus(draft, 201));
  ASSERT_EQ(BodyJson(draft)["version"], 4);
  for (const char* stage : {"staging", "production", "archived"}) {
    auto r = SetStage(cli(), "m", "4", stage);
    EXPECT_TRUE(IsJsonError(r, 409, "failed_precondition")) << stage;
    EXPECT_NE(ErrorMessage(r).find("draft"), std::string::npos) << ErrorMessage(r);
  }
  EXPECT_TRUE(IsJsonError(PutJson(cli(), ModelPath("m") + "/aliases/next", {{"version", 4}}), 409,
                          "failed_precondition"));
  EXPECT_EQ(StageEvents(), std::vector<std::string>{});

  ASSERT_TRUE(HasStatus(
      cli().Put(ArtifactPath("m", 4, "w.bin"), "bytes", "application/octet-stream"), 201));
  ASSERT_TRUE(HasStatus(cli().Post(VersionPath("m", 4) + "/commit", "", "application/json"), 200));
  auto r = SetStage(cli(), "m", "4", "production");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["stage"], "production");
}

TEST_F(StagesTest, BadRequestsAre400AndMissingThingsAre404) {
  const std::string path = VersionPath("m", 1) + "/stage";
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "prod"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "Production"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", ""), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(PostJson(cli(), path, json::object()), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(PostJson(cli(), path, {{"stage", 1}}), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "staging", {{"force", "yes"}}), 400,
                          "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "1", "staging", {{"archive_previous", 0}}), 400,
                          "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(SetStage(cli(), "m", "1", "staging", {{"comment", 7}}), 400, "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(cli().Post(path, "{\"stage\":", "application/json"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Post(path, "[]", "application/json"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "one", "staging"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "0", "staging"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "9", "staging"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "ghost", "1", "staging"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "production", "staging"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "m", "@nobody", "staging"), 404, "not_found"));
  EXPECT_EQ(StageEvents(), std::vector<std::string>{});
  EXPECT_EQ(StageOf(1), "none");
}

TEST_F(StagesTest, StageLookupAnswersTheVersionInThatStage) {
  const std::string stages = ModelPath("m") + "/stages/";
  EXPECT_TRUE(IsJsonError(cli().Get(stages + "production"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(stages + "staging"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(stages + "none"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Get(stages + "bogus"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Get(ModelPath("ghost") + "/stages/production"), 404, "not_found"));

  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "production"), 200));
  auto prod = cli().Get(stages + "production");
  ASSERT_TRUE(HasStatus(prod, 200));
  EXPECT_EQ(BodyJson(prod), GetVersion("2"));

  // Several versions may be in staging: the lookup answers the one staged last.
  auto s1 = SetStage(cli(), "m", "3", "staging");
  ASSERT_TRUE(HasStatus(s1, 200));
  ASSERT_TRUE(WaitPastMs(ParseUtcMs(BodyJson(s1)["stage_changed_at"])));
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "staging"), 200));
  auto staging = cli().Get(stages + "staging");
  ASSERT_TRUE(HasStatus(staging, 200));
  EXPECT_EQ(BodyJson(staging)["version"], 1);
  EXPECT_TRUE(IsJsonError(cli().Get(stages + "archived"), 404, "not_found"));
}

TEST_F(StagesTest, EveryVersionUrlTakesReferences) {
  EXPECT_EQ(GetVersion("latest")["version"], 3);
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "latest", "staging"), 200));
  EXPECT_EQ(GetVersion("staging")["version"], 3);
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "staging", "production"), 200));
  EXPECT_EQ(GetVersion("production")["version"], 3);
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "1", "production"), 200));
  EXPECT_EQ(GetVersion("archived")["version"], 3);
  EXPECT_EQ(GetVersion("production")["version"], 1);
  ASSERT_TRUE(
      HasStatus(PutJson(cli(), ModelPath("m") + "/aliases/champion", {{"version", 2}}), 200));
  EXPECT_EQ(GetVersion("@champion")["version"], 2);

  // The same references in artifact and lineage URLs.
  auto art = cli().Get(VersionsPath("m") + "/@champion/artifacts/weights.bin");
  ASSERT_TRUE(HasStatus(art, 200));
  EXPECT_EQ(art->body, "weights of m");
  auto lin = cli().Get(VersionsPath("m") + "/production/lineage");
  ASSERT_TRUE(HasStatus(lin, 200));
  EXPECT_EQ(BodyJson(lin)["version"], 1);

  // A draft is never "latest".
  ASSERT_TRUE(
      HasStatus(cli().Post(VersionsPath("m") + "?draft=true", "{}", "application/json"), 201));
  EXPECT_EQ(GetVersion("latest")["version"], 3);

  for (const char* bad : {"newest", "Latest", "PRODUCTION", "-1", "0", "1.0", "@", "@bad%20name"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/" + bad), 400, "invalid_argument"))
        << bad;
  }
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/staging"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/@nobody"), 404, "not_found"));
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "empty"), 201));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("empty") + "/latest"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("ghost") + "/latest"), 404, "not_found"));
}

}  // namespace
}  // namespace mv::itest
