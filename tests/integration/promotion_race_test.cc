// Concurrent promotions over HTTP: 25 rounds of 32 clients, each promoting a different
// version of one model at the same moment. After every round exactly one version is in
// production, and the audit log holds one promotion event per transition that happened.
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

constexpr int kRounds = 25;
constexpr int kClients = 32;

class PromotionRaceTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.threads = kClients;  // every request of a round is in flight together
    return c;
  }
};

struct Answer {
  int status = 0;
  json body;
  std::string error;  // the client's error when there was no answer
};

TEST_F(PromotionRaceTest, ExactlyOneProductionAndOneAuditRowPerTransition) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "race"), 201));
  for (int v = 1; v <= kClients; ++v) ASSERT_EQ(NewVersion(cli(), "race"), v);

  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(server_->NewClient());
  int64_t last_event_id = 0;
  std::optional<int64_t> holder;  // production before the round

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<Answer> answers(kClients);
    std::latch start(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        json comment = {{"comment", "round " + std::to_string(round)}};
        auto r = SetStage(*clients[i], "race", std::to_string(i + 1), "production", comment);
        answers[i] = r ? Answer{r->status, BodyJson(r), ""}
                       : Answer{0, json(), httplib::to_string(r.error())};
      });
    }
    for (auto& t : threads) t.join();

    // Every request succeeds: SQLite serializes the writers; nobody loses a race.
    int changed = 0, unchanged = 0;
    std::map<int64_t, json> displaced_by;  // promoted version -> what its answer displaced
    for (int i = 0; i < kClients; ++i) {
      ASSERT_EQ(answers[i].status, 200)
          << "version " << i + 1 << ": " << answers[i].body.dump() << answers[i].error;
      const json& b = answers[i].body;
      ASSERT_EQ(b["version"], i + 1);
      ASSERT_EQ(b["stage"], "production");
      if (b["changed"] == true) {
        ++changed;
        displaced_by[i + 1] = b["displaced_version"];
      } else {
        // Only the version that held production when the round began, if nobody displaced
        // it before its own request ran, finds nothing to do.
        ++unchanged;
        EXPECT_EQ(holder, std::optional<int64_t>(i + 1));
        EXPECT_TRUE(b["displaced_version"].is_null());
      }
    }
    EXPECT_LE(unchanged, 1);
    EXPECT_EQ(changed + unchanged, kClients);

    // Exactly one production version, by both ways of asking.
    auto listed = ListedVersions(cli(), VersionsPath("race"), {{"stage", "production"}});
    ASSERT_EQ(listed.size(), 1u) << ::testing::PrintToString(listed);
    auto prod = cli().Get(ModelPath("race") + "/stages/production");
    ASSERT_TRUE(HasStatus(prod, 200));
    const int64_t now_holder = BodyJson(prod)["version"];
    EXPECT_EQ(listed[0], "race:" + std::to_string(now_holder));

    // One audit row per transition, and replayed in order they form one chain: every
    // promotion first archives the holder of the moment (the one its answer names), and the
    // last promotion's version is the holder now.
    int to_production = 0;
    std::optional<int64_t> current = holder;
    std::set<int64_t> seen;
    int64_t last_displaced = 0;  // 0: none since the last promotion
    for (const json& e : AuditEvents(cli(), {{"model", "race"}, {"action", "stage"}})) {
      if (e["id"].get<int64_t>() <= last_event_id) continue;
      last_event_id = e["id"];
      EXPECT_EQ(e["comment"].get<std::string>().rfind("r", 0), 0u) << e.dump();
      const int64_t v = e["version"];
      if (e["from"] == "production") {
        EXPECT_EQ(e["to"], "archived") << e.dump();
        EXPECT_EQ(current, std::optional<int64_t>(v)) << "archived a version that did not hold "
                                                         "production: "
                                                      << e.dump();
        current.reset();
        last_displaced = v;
        continue;
      }
      ASSERT_EQ(e["to"], "production") << e.dump();
      ++to_production;
      EXPECT_FALSE(current.has_value()) << "two holders at once: " << e.dump();
      EXPECT_TRUE(seen.insert(v).second) << "promoted twice in one round: " << e.dump();
      ASSERT_EQ(displaced_by.count(v), 1u) << "an event without a changed answer: " << e.dump();
      EXPECT_EQ(displaced_by[v], last_displaced > 0 ? json(last_displaced) : json()) << e.dump();
      last_displaced = 0;
      current = v;
    }
    EXPECT_EQ(to_production, changed);
    EXPECT_EQ(current, std::optional<int64_t>(now_holder));
    holder = now_holder;
  }
  EXPECT_EQ(ListedVersions(cli(), VersionsPath("race"), {{"stage", "archived"}}).size(),
            static_cast<size_t>(kClients - 1));
}

}  // namespace
}  // namespace mv::itest
