// Stage history ("what was in production at T") and the audit log: filters and paging.
#include <set>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class HistoryTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
    for (int i = 1; i <= 2; ++i) ASSERT_EQ(NewVersion(cli(), "m"), i);
  }

  // Promotes `v` to production on a later millisecond than every earlier event; returns
  // the instant of the promotion's event (0 after a failure).
  int64_t Promote(int64_t v) {
    if (!WaitPastMs(last_ms_)) {
      ADD_FAILURE() << "the clock did not move";
      return 0;
    }
    auto r = SetStage(cli(), "m", std::to_string(v), "production");
    if (!HasStatus(r, 200)) {
      ADD_FAILURE() << "promoting " << v;
      return 0;
    }
    auto events = AuditEvents(cli(), {{"model", "m"}, {"action", "stage"}});
    if (events.empty() || events.back()["version"] != v || events.back()["to"] != "production") {
      ADD_FAILURE() << "the last stage event is not the promotion of " << v;
      return 0;
    }
    last_ms_ = ParseUtcMs(events.back()["at"]);
    return last_ms_;
  }

  // The answer of GET .../history?stage=production&at=<at>.
  json At(const std::string& at) {
    auto r =
        cli().Get(WithQuery(ModelPath("m") + "/history", {{"stage", "production"}, {"at", at}}));
    EXPECT_TRUE(HasStatus(r, 200)) << at;
    return BodyJson(r);
  }
  json HolderAt(int64_t ms) { return At(FormatMs(ms))["version"]; }

  int64_t last_ms_ = 0;
};

TEST_F(HistoryTest, TimelineAndHolderAtEachInstantAcrossARollback) {
  const int64_t t1 = Promote(1);
  const int64_t t2 = Promote(2);
  const int64_t t3 = Promote(1);  // roll back
  ASSERT_FALSE(HasFailure());
  ASSERT_LT(t1, t2);
  ASSERT_LT(t2, t3);

  auto r = cli().Get(ModelPath("m") + "/history?stage=production");
  ASSERT_TRUE(HasStatus(r, 200));
  const json want = {{"model", "m"},
                     {"stage", "production"},
                     {"timeline",
                      {{{"version", 1}, {"from", FormatMs(t1)}, {"until", FormatMs(t2)}},
                       {{"version", 2}, {"from", FormatMs(t2)}, {"until", FormatMs(t3)}},
                       {{"version", 1}, {"from", FormatMs(t3)}, {"until", nullptr}}}}};
  EXPECT_EQ(BodyJson(r), want);
  // production is the default stage.
  auto dflt = cli().Get(ModelPath("m") + "/history");
  ASSERT_TRUE(HasStatus(dflt, 200));
  EXPECT_EQ(BodyJson(dflt), want);

  EXPECT_EQ(HolderAt(t1 - 1), json(nullptr));
  EXPECT_EQ(HolderAt(t1), 1);
  EXPECT_EQ(HolderAt(t2 - 1), 1);
  EXPECT_EQ(HolderAt(t2), 2);
  EXPECT_EQ(HolderAt((t2 + t3) / 2), 2);
  EXPECT_EQ(HolderAt(t3 - 1), 2);
  EXPECT_EQ(HolderAt(t3), 1);
  EXPECT_EQ(HolderAt(t3 + 86400000), 1);

  // The whole answer, with the instant echoed in UTC even when asked with an offset.
  EXPECT_EQ(At(FormatMs(t2, 120)),
            json({{"model", "m"}, {"stage", "production"}, {"at", FormatMs(t2)}, {"version", 2}}));
  EXPECT_EQ(At(FormatMs(t2 - 1, -330))["version"], 1);

  // The other stages have their own timelines.
  auto archived = cli().Get(ModelPath("m") + "/history?stage=archived");
  ASSERT_TRUE(HasStatus(archived, 200));
  EXPECT_EQ(BodyJson(archived)["timeline"],
            json({{{"version", 1}, {"from", FormatMs(t2)}, {"until", FormatMs(t3)}},
                  {{"version", 2}, {"from", FormatMs(t3)}, {"until", nullptr}}}));
  auto staging = cli().Get(
      WithQuery(ModelPath("m") + "/history", {{"stage", "staging"}, {"at", FormatMs(t3)}}));
  ASSERT_TRUE(HasStatus(staging, 200));
  EXPECT_TRUE(BodyJson(staging)["version"].is_null());
}

TEST_F(HistoryTest, NoPromotionsYetIsAnEmptyTimeline) {
  auto r = cli().Get(ModelPath("m") + "/history");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r),
            json({{"model", "m"}, {"stage", "production"}, {"timeline", json::array()}}));
  EXPECT_TRUE(HolderAt(NowMs()).is_null());
}

TEST_F(HistoryTest, BadQueriesAre400AndUnknownModelsAre404) {
  const std::string h = ModelPath("m") + "/history";
  EXPECT_TRUE(IsJsonError(cli().Get(h + "?stage=prod"), 400, "invalid_argument"));
  for (const char* at : {"yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "1700000000000"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(WithQuery(h, {{"at", at}})), 400, "invalid_argument")) << at;
  }
  EXPECT_TRUE(IsJsonError(cli().Get(ModelPath("ghost") + "/history"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(
      cli().Get(WithQuery(ModelPath("ghost") + "/history", {{"at", "2026-01-01T00:00:00Z"}})), 404,
      "not_found"));
}

class AuditTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* m : {"a", "b"}) {
      ASSERT_TRUE(HasStatus(CreateModel(cli(), m), 201));
      ASSERT_EQ(NewVersion(cli(), m), 1);
      ASSERT_EQ(NewVersion(cli(), m), 2);
    }
    ASSERT_TRUE(HasStatus(SetStage(cli(), "a", "1", "staging"), 200));
    ASSERT_TRUE(HasStatus(SetStage(cli(), "b", "2", "production"), 200));
  }

  static std::vector<std::string> Actions(const std::vector<json>& events) {
    std::vector<std::string> out;
    for (const json& e : events) {
      out.push_back(e["action"].get<std::string>() + "@" + e["model"].get<std::string>());
    }
    return out;
  }
};

TEST_F(AuditTest, EventsCarryEveryFieldOldestFirst) {
  auto all = AuditEvents(cli(), {});
  EXPECT_EQ(Actions(all),
            (std::vector<std::string>{"model.create@a", "version.create@a", "version.create@a",
                                      "model.create@b", "version.create@b", "version.create@b",
                                      "stage@a", "stage@b"}));
  ASSERT_EQ(all.size(), 8u);
  const std::set<std::string> keys = {"id",      "at",   "actor", "action",  "model",
                                      "version", "from", "to",    "comment", "request_id"};
  int64_t last_id = 0;
  for (const json& e : all) {
    std::set<std::string> got;
    for (auto it = e.begin(); it != e.end(); ++it) got.insert(it.key());
    EXPECT_EQ(got, keys) << e.dump();
    EXPECT_GT(e["id"].get<int64_t>(), last_id);
    last_id = e["id"];
    EXPECT_EQ(FormatMs(ParseUtcMs(e["at"])), e["at"]);
    EXPECT_EQ(e["actor"], "admin");  // the fixture's token
    EXPECT_FALSE(e["request_id"].get<std::string>().empty());
  }
  EXPECT_TRUE(all[0]["version"].is_null()) << "a model event names no version";
  EXPECT_EQ(all[1]["version"], 1);
  EXPECT_EQ(all[1]["to"], "sealed");
  EXPECT_EQ(all[7]["version"], 2);
  EXPECT_EQ(all[7]["from"], "none");
  EXPECT_EQ(all[7]["to"], "production");
}

TEST_F(AuditTest, FiltersByModelActionAndTime) {
  EXPECT_EQ(Actions(AuditEvents(cli(), {{"model", "a"}})),
            (std::vector<std::string>{"model.create@a", "version.create@a", "version.create@a",
                                      "stage@a"}));
  EXPECT_EQ(Actions(AuditEvents(cli(), {{"action", "stage"}})),
            (std::vector<std::string>{"stage@a", "stage@b"}));
  EXPECT_EQ(Actions(AuditEvents(cli(), {{"action", "version.create"}, {"model", "b"}})),
            (std::vector<std::string>{"version.create@b", "version.create@b"}));
  // "version" is a prefix of actions, not an action: a dotted family matches, a stem does not.
  EXPECT_EQ(AuditEvents(cli(), {{"action", "version"}}).size(), 4u);
  EXPECT_EQ(AuditEvents(cli(), {{"action", "vers"}}).size(), 0u);
  EXPECT_EQ(AuditEvents(cli(), {{"model", "ghost"}}).size(), 0u);

  // since/until are inclusive bounds on "at".
  auto all = AuditEvents(cli(), {});
  ASSERT_EQ(all.size(), 8u);
  const std::string t_b = all[3]["at"];  // model.create@b
  auto since = AuditEvents(cli(), {{"since", t_b}});
  std::vector<json> want_since;
  for (const json& e : all) {
    if (ParseUtcMs(e["at"]) >= ParseUtcMs(t_b)) want_since.push_back(e);
  }
  EXPECT_EQ(since, want_since);
  auto until = AuditEvents(cli(), {{"until", t_b}});
  std::vector<json> want_until;
  for (const json& e : all) {
    if (ParseUtcMs(e["at"]) <= ParseUtcMs(t_b)) want_until.push_back(e);
  }
  EXPECT_EQ(until, want_until);
  EXPECT_EQ(AuditEvents(cli(), {{"since", t_b}, {"until", t_b}}).size(),
            want_since.size() + want_until.size() - all.size());
  EXPECT_EQ(AuditEvents(cli(), {{"since", FormatMs(ParseUtcMs(all[7]["at"]) + 1)}}).size(), 0u);
  EXPECT_EQ(AuditEvents(cli(), {{"until", FormatMs(ParseUtcMs(all[0]["at"]) - 1)}}).size(), 0u);
}

TEST_F(AuditTest, PagesFollowTokensToTheEnd) {
  auto all = AuditEvents(cli(), {});
  ASSERT_EQ(all.size(), 8u);
  for (int limit : {1, 2, 3, 7, 8, 9}) {
    std::vector<json> paged;
    std::string token;
    int pages = 0;
    while (true) {
      QueryParams p = {{"limit", std::to_string(limit)}};
      if (!token.empty()) p.emplace_back("page_token", token);
      auto r = cli().Get(WithQuery("/api/v1/audit", p));
      ASSERT_TRUE(HasStatus(r, 200));
      json j = BodyJson(r);
      ASSERT_LE(j["events"].size(), static_cast<size_t>(limit));
      for (const json& e : j["events"]) paged.push_back(e);
      ++pages;
      ASSERT_LE(pages, 9);
      if (j["next_page_token"].is_null()) break;
      token = j["next_page_token"];
    }
    EXPECT_EQ(paged, all) << "limit " << limit;
    EXPECT_EQ(pages, (8 + limit - 1) / limit) << "limit " << limit << ": a full last page ends";
  }
  // Paging composes with filters.
  auto r = cli().Get("/api/v1/audit?model=b&limit=2");
  ASSERT_TRUE(HasStatus(r, 200));
  json j = BodyJson(r);
  ASSERT_TRUE(j["next_page_token"].is_string());
  auto r2 = cli().Get(WithQuery(
      "/api/v1/audit", {{"model", "b"}, {"limit", "2"}, {"page_token", j["next_page_token"]}}));
  ASSERT_TRUE(HasStatus(r2, 200));
  EXPECT_EQ(Actions(BodyJson(r2)["events"].get<std::vector<json>>()),
            (std::vector<std::string>{"version.create@b", "stage@b"}));
  EXPECT_TRUE(BodyJson(r2)["next_page_token"].is_null());
  // A script pastes the token into a URL as it is, without percent-encoding it.
  auto raw = cli().Get("/api/v1/audit?model=b&limit=2&page_token=" +
                       j["next_page_token"].get<std::string>());
  ASSERT_TRUE(HasStatus(raw, 200));
  EXPECT_EQ(BodyJson(raw)["events"], BodyJson(r2)["events"]);
}

TEST_F(AuditTest, BadParametersAre400) {
  for (const char* q : {"limit=-1", "limit=1001", "limit=ten", "page_token=%%%", "page_token=abc",
                        "since=yesterday", "until=2026-02-30T00:00:00Z", "model=bad%20name"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(std::string("/api/v1/audit?") + q), 400, "invalid_argument"))
        << q;
  }
}

}  // namespace
}  // namespace mv::itest
