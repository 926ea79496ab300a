#include "registry/lifecycle_service.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "registry/model_service.h"
#include "tests/unit/registry/lifecycle_fixture.h"

namespace mv {
namespace {

using Intervals = std::vector<StageInterval>;

std::string Str(const Intervals& in) {
  std::string out;
  for (const auto& i : in) {
    out += "[v" + std::to_string(i.version) + " " + std::to_string(i.from_ms - kT) + ".." +
           (i.until_ms ? std::to_string(*i.until_ms - kT) : "") + "]";
  }
  return out;
}

class LifecycleServiceTest : public LifecycleTest {
 protected:
  std::string Timeline(const std::string& stage) {
    auto t = service_->Timeline("m", stage);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? Str(*t) : "<error>";
  }
  std::optional<int64_t> HolderAt(const std::string& stage, int64_t at) {
    auto h = service_->HolderAt("m", stage, kT + at);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : std::optional<int64_t>(-1);
  }
};

TEST_F(LifecycleServiceTest, TimelineAndHolderAtFollowPromotionsRollbacksAndDeletion) {
  MustCreateModel("m");
  MustCreateVersion("m");  // 1
  MustCreateVersion("m");  // 2
  MoveAt(10, 1, "staging");
  MoveAt(20, 1, "production");
  MoveAt(30, 2, "production");  // archives 1
  MoveAt(40, 1, "production");  // rollback from archived; archives 2
  clock_.Set(kT + 50);
  ASSERT_TRUE(store_->DeleteVersion("m", 2, "gone", who_, clock_.NowMs()).ok());
  MoveAt(60, 1, "staging");

  EXPECT_EQ(Timeline("production"), "[v1 20..30][v2 30..40][v1 40..60]");
  EXPECT_EQ(Timeline("archived"), "[v1 30..40][v2 40..50]");
  EXPECT_EQ(Timeline("staging"), "[v1 10..20][v1 60..]");

  EXPECT_EQ(HolderAt("production", 19), std::nullopt);
  EXPECT_EQ(HolderAt("production", 20), 1);
  EXPECT_EQ(HolderAt("production", 29), 1);
  EXPECT_EQ(HolderAt("production", 30), 2);  // the hand-over instant belongs to the new holder
  EXPECT_EQ(HolderAt("production", 39), 2);
  EXPECT_EQ(HolderAt("production", 40), 1);
  EXPECT_EQ(HolderAt("production", 59), 1);
  EXPECT_EQ(HolderAt("production", 60), std::nullopt);
  EXPECT_EQ(HolderAt("production", 1'000'000), std::nullopt);
  EXPECT_EQ(HolderAt("archived", 35), 1);
  EXPECT_EQ(HolderAt("archived", 45), 2);
  EXPECT_EQ(HolderAt("archived", 50), std::nullopt);  // deleted
  EXPECT_EQ(HolderAt("staging", 15), 1);
  EXPECT_EQ(HolderAt("staging", 30), std::nullopt);
  EXPECT_EQ(HolderAt("staging", 1'000'000), 1);
}

TEST_F(LifecycleServiceTest, TimelineIsPerModelAndValidatesItsInput) {
  MustCreateModel("m");
  MustCreateModel("other");
  MustCreateVersion("m");
  MustCreateVersion("other");
  MoveAt(10, 1, "production");
  clock_.Set(kT + 20);
  ASSERT_TRUE(service_->Transition("other", 1, Req("production"), who_).ok());
  EXPECT_EQ(Timeline("production"), "[v1 10..]");
  EXPECT_EQ(Timeline("archived"), "");
  EXPECT_EQ(service_->Timeline("m", "prod").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Timeline("ghost", "production").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->Timeline("b/ad", "production").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->HolderAt("ghost", "production", kT).status().code(), Code::kNotFound);
}

TEST_F(LifecycleServiceTest, AGateThatRefusesBlocksPromotionUnlessForced) {
  MustCreateModel("m");
  MustCreateVersion("m");  // 1
  MustCreateVersion("m");  // 2
  MoveAt(10, 1, "production");
  refuse_[2] = "artifact w.bin runs code when loaded";
  const size_t events = AllAudit("m").size();

  clock_.Set(kT + 20);
  auto refused = service_->Transition("m", 2, Req("production"), who_);
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("artifact w.bin runs code when loaded"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(AllAudit("m").size(), events);  // nothing happened
  auto v2 = store_->GetVersion("m", 2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->stage, Stage::kNone);
  auto holder = service_->InStage("m", "production");
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(*holder, 1);
  EXPECT_EQ(gate_saw_.back(), "m:2");

  // Other stages do not ask the gate.
  const int calls = gate_calls_;
  ASSERT_TRUE(service_->Transition("m", 2, Req("staging"), who_).ok());
  EXPECT_EQ(gate_calls_, calls);

  clock_.Set(kT + 30);
  auto forced = service_->Transition("m", 2, Req("production", true, "hotfix"), who_);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(forced->version.stage, Stage::kProduction);
  EXPECT_EQ(forced->displaced, 1);
  std::vector<AuditEvent> e = AllAudit("m");
  ASSERT_GE(e.size(), 2u);
  const AuditEvent& last = e.back();
  EXPECT_EQ(last.action, "stage.forced");
  EXPECT_EQ(last.version, 2);
  EXPECT_EQ(last.from, "staging");
  EXPECT_EQ(last.to, "production");
  EXPECT_EQ(last.actor, "alice");
  EXPECT_EQ(last.at_ms, kT + 30);
  EXPECT_EQ(last.comment, "forced past: artifact w.bin runs code when loaded; hotfix");
  EXPECT_EQ(e[e.size() - 2].action, "stage");  // the displaced holder's move is not forced
  EXPECT_EQ(e[e.size() - 2].to, "archived");
  // A forced promotion is still part of the stage history.
  EXPECT_EQ(Timeline("production"), "[v1 10..30][v2 30..]");
}

TEST_F(LifecycleServiceTest, ForceWithAPassingGateIsAnOrdinaryPromotion) {
  MustCreateModel("m");
  MustCreateVersion("m");
  clock_.Set(kT + 5);
  auto r = service_->Transition("m", 1, Req("production", true, "why not"), who_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<AuditEvent> e = AllAudit("m", "stage");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].action, "stage");
  EXPECT_EQ(e[0].comment, "why not");
  EXPECT_EQ(gate_calls_, 1);
  // The gate is asked about versions that exist only.
  EXPECT_EQ(service_->Transition("m", 7, Req("production"), who_).status().code(), Code::kNotFound);
}

TEST_F(LifecycleServiceTest, TransitionValidatesItsInput) {
  MustCreateModel("m");
  MustCreateVersion("m");
  MustCreateVersion("m", /*sealed=*/false);
  for (const char* bad : {"", "prod", "Production", "deleted"}) {
    EXPECT_EQ(service_->Transition("m", 1, Req(bad), who_).status().code(), Code::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(service_->Transition("b/ad", 1, Req("staging"), who_).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_
                ->Transition(
                    "m", 1, Req("staging", false, std::string(kMaxDescriptionBytes + 1, 'c')), who_)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->Transition("m", 2, Req("staging"), who_).status().code(),
            Code::kFailedPrecondition);  // a draft
  EXPECT_EQ(service_->Transition("ghost", 1, Req("staging"), who_).status().code(),
            Code::kNotFound);
  EXPECT_TRUE(AllAudit("m", "stage").empty());
}

TEST_F(LifecycleServiceTest, InStageAndAliases) {
  MustCreateModel("m");
  MustCreateVersion("m");
  MustCreateVersion("m");
  EXPECT_EQ(service_->InStage("m", "production").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->InStage("m", "none").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->InStage("m", "bogus").status().code(), Code::kInvalidArgument);
  MoveAt(10, 2, "production");
  auto prod = service_->InStage("m", "production");
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(*prod, 2);

  for (const char* reserved : {"latest", "production", "staging", "archived", "none"}) {
    EXPECT_EQ(service_->SetAlias("m", reserved, 1, who_).code(), Code::kInvalidArgument)
        << reserved;
  }
  EXPECT_EQ(service_->SetAlias("m", "a/b", 1, who_).code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->SetAlias("m", "", 1, who_).code(), Code::kInvalidArgument);
  clock_.Set(kT + 20);
  ASSERT_TRUE(service_->SetAlias("m", "champion", 1, who_).ok());
  auto got = service_->GetAlias("m", "champion");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 1);
  std::vector<AuditEvent> e = AllAudit("m", "alias");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at_ms, kT + 20);  // stamped by the injected clock
  ASSERT_TRUE(service_->DeleteAlias("m", "champion", who_).ok());
  EXPECT_EQ(service_->GetAlias("m", "champion").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->DeleteAlias("m", "champion", who_).code(), Code::kNotFound);
  EXPECT_EQ(service_->GetAlias("m", "bad/alias").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv
