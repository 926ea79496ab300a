// Stages in the SQLite store: the transition rules, one production version per model
// (enforced by the database too), the audit events of each move, and concurrent promotions.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

class SqliteStagesTest : public StoreTest {
 protected:
  // The row id of version `number` of `model`, as SQL.
  static std::string IdSql(const std::string& model, int64_t number) {
    return "(SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = '" +
           model + "' AND v.number = " + std::to_string(number) + ")";
  }

  int64_t ProductionRows(const std::string& model) {
    return QueryInt(
        "SELECT COUNT(*) FROM versions v JOIN models m ON m.id = v.model_id WHERE "
        "m.name = '" +
        model + "' AND v.stage = 'production'");
  }
};

TEST_P(SqliteStagesTest, TransitionMovesASealedVersionAndAuditsIt) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  auto r = store_->Transition("m", 1, To(Stage::kStaging), Actor{"bob", "req-5"}, kT0 + 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_FALSE(r->displaced.has_value());
  EXPECT_EQ(r->version.number, 1);
  EXPECT_EQ(r->version.stage, Stage::kStaging);
  EXPECT_EQ(r->version.stage_changed_at_ms, kT0 + 100);
  EXPECT_EQ(StageOf("m", 1), Stage::kStaging);
  std::vector<AuditEvent> e = Audit("m", "stage");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].action, "stage");
  EXPECT_EQ(e[0].version, 1);
  EXPECT_EQ(e[0].from, "none");
  EXPECT_EQ(e[0].to, "staging");
  EXPECT_EQ(e[0].actor, "bob");
  EXPECT_EQ(e[0].request_id, "req-5");
  EXPECT_EQ(e[0].at_ms, kT0 + 100);
}

TEST_P(SqliteStagesTest, DraftsTombstonesAndMissingVersionsAreRefused) {
  MustCreateModel("m");
  MustCreateVersion("m", false);  // 1: draft
  MustCreateVersion("m", true);   // 2: to be deleted
  ASSERT_TRUE(store_->DeleteVersion("m", 2, "", kWho, kT0 + 5).ok());
  const size_t events = Audit("m").size();
  for (Stage to : {Stage::kStaging, Stage::kProduction, Stage::kArchived}) {
    EXPECT_EQ(store_->Transition("m", 1, To(to), kWho, kT0 + 9).status().code(),
              Code::kFailedPrecondition);
    EXPECT_EQ(store_->Transition("m", 2, To(to), kWho, kT0 + 9).status().code(),
              Code::kFailedPrecondition);
  }
  EXPECT_EQ(store_->Transition("m", 3, To(Stage::kStaging), kWho, kT0).status().code(),
            Code::kNotFound);
  EXPECT_EQ(store_->Transition("ghost", 1, To(Stage::kStaging), kWho, kT0).status().code(),
            Code::kNotFound);
  EXPECT_EQ(Audit("m").size(), events);
  EXPECT_EQ(StageOf("m", 1), Stage::kNone);
  EXPECT_EQ(StageOf("m", 2), Stage::kNone);
}

TEST_P(SqliteStagesTest, SameStageIsANoOpWithoutAnEvent) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  auto none = store_->Transition("m", 1, To(Stage::kNone), kWho, kT0 + 5);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->changed);
  EXPECT_FALSE(none->version.stage_changed_at_ms.has_value());
  MustTransition("m", 1, Stage::kProduction, kT0 + 10);
  auto again = store_->Transition("m", 1, To(Stage::kProduction), kWho, kT0 + 20);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->changed);
  EXPECT_FALSE(again->displaced.has_value());
  EXPECT_EQ(again->version.stage, Stage::kProduction);
  EXPECT_EQ(again->version.stage_changed_at_ms, kT0 + 10);  // untouched
  EXPECT_EQ(Audit("m", "stage").size(), 1u);
}

TEST_P(SqliteStagesTest, ForbiddenTransitionsChangeNothing) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  MustCreateVersion("m", true);
  MustTransition("m", 1, Stage::kProduction);
  MustTransition("m", 2, Stage::kArchived);
  EXPECT_EQ(store_->Transition("m", 1, To(Stage::kNone), kWho, kT0 + 50).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(store_->Transition("m", 2, To(Stage::kNone), kWho, kT0 + 50).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(StageOf("m", 1), Stage::kProduction);
  EXPECT_EQ(StageOf("m", 2), Stage::kArchived);
  EXPECT_EQ(Audit("m", "stage").size(), 2u);
}

TEST_P(SqliteStagesTest, PromotionArchivesThePreviousHolderWithTwoEvents) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  MustCreateVersion("m", true);
  MustTransition("m", 1, Stage::kProduction, kT0 + 10);
  MustTransition("m", 2, Stage::kStaging, kT0 + 20);
  TransitionRequest req = To(Stage::kProduction);
  req.comment = "better top1";
  auto r = store_->Transition("m", 2, req, kWho, kT0 + 30);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->displaced, 1);
  EXPECT_EQ(r->version.stage, Stage::kProduction);
  EXPECT_EQ(StageOf("m", 1), Stage::kArchived);
  EXPECT_EQ(ProductionRows("m"), 1);
  auto v1 = store_->GetVersion("m", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->stage_changed_at_ms, kT0 + 30);

  std::vector<AuditEvent> e = Audit("m", "stage");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[2].version, 1);  // the displaced holder first, in the same transaction
  EXPECT_EQ(e[2].from, "production");
  EXPECT_EQ(e[2].to, "archived");
  EXPECT_EQ(e[2].at_ms, kT0 + 30);
  EXPECT_NE(e[2].comment.find("version 2"), std::string::npos) << e[2].comment;
  EXPECT_EQ(e[3].version, 2);
  EXPECT_EQ(e[3].from, "staging");
  EXPECT_EQ(e[3].to, "production");
  EXPECT_EQ(e[3].comment, "better top1");
  EXPECT_EQ(e[3].at_ms, kT0 + 30);
}

TEST_P(SqliteStagesTest, PromotionCanMoveThePreviousHolderToStagingInstead) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  MustCreateVersion("m", true);
  MustTransition("m", 1, Stage::kProduction, kT0 + 10);
  TransitionResult r = MustTransition("m", 2, Stage::kProduction, kT0 + 20, false);
  EXPECT_EQ(r.displaced, 1);
  EXPECT_EQ(StageOf("m", 1), Stage::kStaging);
  EXPECT_EQ(StageOf("m", 2), Stage::kProduction);
  std::vector<AuditEvent> e = Audit("m", "stage");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[1].from, "production");
  EXPECT_EQ(e[1].to, "staging");
  // Rollback: the staged former holder goes back, displacing version 2.
  r = MustTransition("m", 1, Stage::kProduction, kT0 + 30);
  EXPECT_EQ(r.displaced, 2);
  EXPECT_EQ(StageOf("m", 2), Stage::kArchived);
}

TEST_P(SqliteStagesTest, ProductionIsPerModel) {
  MustCreateModel("a");
  MustCreateModel("b");
  MustCreateVersion("a", true);
  MustCreateVersion("b", true);
  EXPECT_FALSE(MustTransition("a", 1, Stage::kProduction).displaced.has_value());
  EXPECT_FALSE(MustTransition("b", 1, Stage::kProduction).displaced.has_value());
  EXPECT_EQ(StageOf("a", 1), Stage::kProduction);
  EXPECT_EQ(StageOf("b", 1), Stage::kProduction);
}

TEST_P(SqliteStagesTest, TheDatabaseRejectsASecondProductionRow) {
  MustCreateModel("m");
  MustCreateModel("other");
  MustCreateVersion("m", true);
  MustCreateVersion("m", true);
  MustCreateVersion("other", true);
  MustTransition("m", 1, Stage::kProduction);
  // A raw write from a second connection, bypassing the store's code.
  const std::string second = "UPDATE versions SET stage = 'production' WHERE id = " + IdSql("m", 2);
  Status s = RawExec(second);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kAlreadyExists) << s.ToString();
  EXPECT_EQ(ProductionRows("m"), 1);
  EXPECT_EQ(StageOf("m", 2), Stage::kNone);
  // Another model's production row is no conflict.
  const std::string other =
      "UPDATE versions SET stage = 'production' WHERE id = " + IdSql("other", 1);
  EXPECT_TRUE(RawExec(other).ok());
  // Nor are stages outside the four names accepted.
  const std::string bogus = "UPDATE versions SET stage = 'canary' WHERE id = " + IdSql("m", 2);
  EXPECT_FALSE(RawExec(bogus).ok());
}

TEST_P(SqliteStagesTest, VersionInStageFindsTheNewestHolder) {
  MustCreateModel("m");
  for (int i = 0; i < 4; ++i) MustCreateVersion("m", true);
  EXPECT_EQ(store_->VersionInStage("m", Stage::kProduction).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->VersionInStage("ghost", Stage::kStaging).status().code(), Code::kNotFound);
  MustTransition("m", 3, Stage::kStaging, kT0 + 10);
  MustTransition("m", 1, Stage::kStaging, kT0 + 20);  // staged later, though numbered lower
  MustTransition("m", 2, Stage::kProduction, kT0 + 30);
  auto staging = store_->VersionInStage("m", Stage::kStaging);
  ASSERT_TRUE(staging.ok());
  EXPECT_EQ(*staging, 1);
  auto prod = store_->VersionInStage("m", Stage::kProduction);
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(*prod, 2);
  MustTransition("m", 4, Stage::kStaging, kT0 + 20);  // same time as 1: the higher number wins
  staging = store_->VersionInStage("m", Stage::kStaging);
  ASSERT_TRUE(staging.ok());
  EXPECT_EQ(*staging, 4);
  // A deleted version holds no stage.
  ASSERT_TRUE(store_->DeleteVersion("m", 4, "", kWho, kT0 + 40).ok());
  ASSERT_TRUE(store_->DeleteVersion("m", 1, "", kWho, kT0 + 40).ok());
  staging = store_->VersionInStage("m", Stage::kStaging);
  ASSERT_TRUE(staging.ok());
  EXPECT_EQ(*staging, 3);
}

TEST_P(SqliteStagesTest, ConcurrentPromotionsLeaveExactlyOneProductionVersion) {
  constexpr int kThreads = 32;
  constexpr int kRounds = 20;
  Reopen(8);
  MustCreateModel("m");
  for (int i = 0; i < kThreads; ++i) MustCreateVersion("m", true);
  std::atomic<int> changed{0};
  std::atomic<int> unchanged{0};
  std::atomic<int> failed{0};
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, round] {
        auto r =
            store_->Transition("m", t + 1, To(Stage::kProduction), kWho, kT0 + 1000 * (round + 1));
        if (!r.ok()) {
          ++failed;
          ADD_FAILURE() << "version " << t + 1 << ": " << r.status().ToString();
        } else if (r->changed) {
          ++changed;
        } else {
          ++unchanged;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(ProductionRows("m"), 1) << "round " << round;
  }
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(changed + unchanged + failed, kThreads * kRounds);
  std::vector<AuditEvent> stage = Audit("m", "stage");
  int to_production = 0, archived = 0;
  for (const auto& e : stage) {
    if (e.to == "production") ++to_production;
    if (e.from == "production" && e.to == "archived") ++archived;
  }
  EXPECT_EQ(to_production, changed.load());
  // Every promotion but the very first displaced a holder, in the same transaction.
  EXPECT_EQ(archived, changed.load() - 1);
  EXPECT_EQ(static_cast<int>(stage.size()), to_production + archived);
  // The last promotion event names the version that holds production now.
  auto holder = store_->VersionInStage("m", Stage::kProduction);
  ASSERT_TRUE(holder.ok());
  for (auto it = stage.rbegin(); it != stage.rend(); ++it) {
    if (it->to != "production") continue;
    EXPECT_EQ(it->version, *holder);
    break;
  }
}

MV_STORE_BACKENDS(SqliteStagesTest);

}  // namespace
}  // namespace mv::storage
