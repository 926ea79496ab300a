// Aliases: movable names that point at a version, and the audit events they leave.
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class AliasesTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
    for (int i = 1; i <= 3; ++i) ASSERT_EQ(NewVersion(cli(), "m"), i);
  }

  std::string AliasPath(const std::string& alias, const std::string& model = "m") {
    return ModelPath(model) + "/aliases/" + alias;
  }
  json AliasesOf(int64_t v) {
    auto r = cli().Get(VersionPath("m", v));
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r)["aliases"];
  }
  std::vector<json> AliasEvents() {
    return AuditEvents(cli(), {{"model", "m"}, {"action", "alias"}});
  }
};

TEST_F(AliasesTest, SetMoveGetAndDelete) {
  auto set = PutJson(cli(), AliasPath("champion"), {{"version", 1}});
  ASSERT_TRUE(HasStatus(set, 200));
  const json at1 = {{"model", "m"}, {"alias", "champion"}, {"version", 1}};
  EXPECT_EQ(BodyJson(set), at1);
  auto get = cli().Get(AliasPath("champion"));
  ASSERT_TRUE(HasStatus(get, 200));
  EXPECT_EQ(BodyJson(get), at1);
  EXPECT_EQ(AliasesOf(1), json::array({"champion"}));

  auto move = PutJson(cli(), AliasPath("champion"), {{"version", 3}});
  ASSERT_TRUE(HasStatus(move, 200));
  EXPECT_EQ(BodyJson(move), json({{"model", "m"}, {"alias", "champion"}, {"version", 3}}));
  EXPECT_EQ(AliasesOf(1), json::array());
  EXPECT_EQ(AliasesOf(3), json::array({"champion"}));
  auto via_ref = cli().Get(VersionsPath("m") + "/@champion");
  ASSERT_TRUE(HasStatus(via_ref, 200));
  EXPECT_EQ(BodyJson(via_ref)["version"], 3);

  // Two aliases on one version are listed sorted.
  ASSERT_TRUE(HasStatus(PutJson(cli(), AliasPath("candidate"), {{"version", 3}}), 200));
  EXPECT_EQ(AliasesOf(3), json::array({"candidate", "champion"}));

  auto del = cli().Delete(AliasPath("champion"));
  ASSERT_TRUE(HasStatus(del, 204));
  EXPECT_EQ(del->body, "");
  EXPECT_TRUE(IsJsonError(cli().Get(AliasPath("champion")), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/@champion"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Delete(AliasPath("champion")), 404, "not_found"));
  EXPECT_EQ(AliasesOf(3), json::array({"candidate"}));
}

TEST_F(AliasesTest, EveryChangeIsAuditedAndARepeatIsNot) {
  auto r1 = PutJson(cli(), AliasPath("champion"), {{"version", 1}});
  ASSERT_TRUE(HasStatus(r1, 200));
  ASSERT_TRUE(HasStatus(PutJson(cli(), AliasPath("champion"), {{"version", 1}}), 200));
  auto r2 = PutJson(cli(), AliasPath("champion"), {{"version", 2}});
  ASSERT_TRUE(HasStatus(r2, 200));
  auto r3 = cli().Delete(AliasPath("champion"));
  ASSERT_TRUE(HasStatus(r3, 204));

  auto events = AliasEvents();
  ASSERT_EQ(events.size(), 3u);
  auto expect = [](const json& e, const char* action, int64_t v, json from, json to,
                   const httplib::Result& r) {
    EXPECT_EQ(e["action"], action);
    EXPECT_EQ(e["model"], "m");
    EXPECT_EQ(e["version"], v);
    EXPECT_EQ(e["from"], from);
    EXPECT_EQ(e["to"], to);
    EXPECT_EQ(e["comment"], "champion") << "the alias is named in the comment";
    EXPECT_EQ(e["actor"], "admin");  // the fixture's token
    EXPECT_EQ(e["request_id"], r->get_header_value("X-Request-Id"));
  };
  expect(events[0], "alias.set", 1, nullptr, "1", r1);
  expect(events[1], "alias.set", 2, "1", "2", r2);
  expect(events[2], "alias.delete", 2, "2", nullptr, r3);
  EXPECT_EQ(AuditEvents(cli(), {{"model", "m"}, {"action", "alias.set"}}).size(), 2u);
}

TEST_F(AliasesTest, VersionMayBeAReference) {
  ASSERT_TRUE(HasStatus(SetStage(cli(), "m", "2", "production"), 200));
  auto r = PutJson(cli(), AliasPath("champion"), {{"version", "production"}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["version"], 2);
  r = PutJson(cli(), AliasPath("newest"), {{"version", "latest"}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["version"], 3);
  r = PutJson(cli(), AliasPath("copy"), {{"version", "@champion"}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["version"], 2);
  EXPECT_TRUE(
      IsJsonError(PutJson(cli(), AliasPath("x"), {{"version", "staging"}}), 404, "not_found"));
}

TEST_F(AliasesTest, BadAliasesAndTargetsAreRefused) {
  for (const char* reserved : {"latest", "production", "staging", "archived", "none"}) {
    EXPECT_TRUE(
        IsJsonError(PutJson(cli(), AliasPath(reserved), {{"version", 1}}), 400, "invalid_argument"))
        << reserved;
  }
  EXPECT_TRUE(IsJsonError(PutJson(cli(), AliasPath("bad%20name"), {{"version", 1}}), 400,
                          "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Get(AliasPath("bad%20name")), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(PutJson(cli(), AliasPath("a"), json::object()), 400, "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(PutJson(cli(), AliasPath("a"), {{"version", true}}), 400, "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(PutJson(cli(), AliasPath("a"), {{"version", "one"}}), 400, "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(cli().Put(AliasPath("a"), "{", "application/json"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(PutJson(cli(), AliasPath("a"), {{"version", 9}}), 404, "not_found"));
  EXPECT_TRUE(
      IsJsonError(PutJson(cli(), AliasPath("a", "ghost"), {{"version", 1}}), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(AliasPath("a", "ghost")), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Delete(AliasPath("a", "ghost")), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(AliasPath("a")), 404, "not_found"));
  EXPECT_EQ(AliasEvents(), std::vector<json>{});
}

TEST_F(AliasesTest, AliasesAreScopedToTheirModel) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "other"), 201));
  ASSERT_EQ(NewVersion(cli(), "other"), 1);
  ASSERT_TRUE(HasStatus(PutJson(cli(), AliasPath("champion"), {{"version", 3}}), 200));
  ASSERT_TRUE(HasStatus(PutJson(cli(), AliasPath("champion", "other"), {{"version", 1}}), 200));
  EXPECT_EQ(BodyJson(cli().Get(AliasPath("champion")))["version"], 3);
  EXPECT_EQ(BodyJson(cli().Get(AliasPath("champion", "other")))["version"], 1);
  ASSERT_TRUE(HasStatus(cli().Delete(AliasPath("champion", "other")), 204));
  EXPECT_EQ(BodyJson(cli().Get(AliasPath("champion")))["version"], 3);
}

}  // namespace
}  // namespace mv::itest
