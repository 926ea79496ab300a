#include "registry/lifecycle.h"

#include <gtest/gtest.h>

#include <string>

namespace mv {
namespace {

constexpr Stage kAll[] = {Stage::kNone, Stage::kStaging, Stage::kProduction, Stage::kArchived};

// The documented table, row = from, column = to (none, staging, production, archived).
constexpr bool kAllowed[4][4] = {
    /* none       */ {false, true, true, true},
    /* staging    */ {true, false, true, true},
    /* production */ {false, true, false, true},
    /* archived   */ {false, true, true, false},
};

TEST(CheckTransitionTest, EveryPairFollowsTheTable) {
  int allowed = 0;
  for (int f = 0; f < 4; ++f) {
    for (int t = 0; t < 4; ++t) {
      Status s = CheckTransition(kAll[f], kAll[t]);
      const std::string pair = std::string(StageName(kAll[f])) + " -> " + StageName(kAll[t]);
      if (kAllowed[f][t]) {
        EXPECT_TRUE(s.ok()) << pair << ": " << s.ToString();
        ++allowed;
      } else {
        EXPECT_EQ(s.code(), Code::kFailedPrecondition) << pair;
        // The refusal names both stages so the caller can tell what was asked.
        EXPECT_NE(s.message().find(std::string("from ") + StageName(kAll[f]) + " to " +
                                   StageName(kAll[t])),
                  std::string::npos)
            << s.message();
      }
    }
  }
  EXPECT_EQ(allowed, 10);
}

TEST(CheckTransitionTest, ProductionAndArchivedCannotGoBackToNone) {
  EXPECT_EQ(CheckTransition(Stage::kProduction, Stage::kNone).code(), Code::kFailedPrecondition);
  EXPECT_EQ(CheckTransition(Stage::kArchived, Stage::kNone).code(), Code::kFailedPrecondition);
  // Rollback: an archived version may return to production directly.
  EXPECT_TRUE(CheckTransition(Stage::kArchived, Stage::kProduction).ok());
}

TEST(StageNamesTest, RoundTripAndRejectUnknownNames) {
  for (Stage s : kAll) {
    auto back = StageFromName(StageName(s));
    ASSERT_TRUE(back.has_value()) << StageName(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_STREQ(StageName(Stage::kNone), "none");
  EXPECT_STREQ(StageName(Stage::kStaging), "staging");
  EXPECT_STREQ(StageName(Stage::kProduction), "production");
  EXPECT_STREQ(StageName(Stage::kArchived), "archived");
  for (const char* bad : {"", "Production", "prod", "staging ", "deleted"}) {
    EXPECT_FALSE(StageFromName(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mv
