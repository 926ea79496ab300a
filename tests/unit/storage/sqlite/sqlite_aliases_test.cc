// Aliases, tombstone deletion and the latest version in the SQLite store.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

using SqliteAliasesTest = StoreTest;
using SqliteDeleteTest = StoreTest;

TEST_P(SqliteAliasesTest, SetMoveResolveAndDeleteAreAudited) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  MustCreateVersion("m", true);
  EXPECT_EQ(store_->ResolveAlias("m", "champion").status().code(), Code::kNotFound);

  ASSERT_TRUE(store_->SetAlias("m", "champion", 1, kWho, kT0 + 10).ok());
  auto r = store_->ResolveAlias("m", "champion");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 1);
  ASSERT_TRUE(store_->SetAlias("m", "champion", 1, kWho, kT0 + 11).ok());  // no change
  ASSERT_TRUE(store_->SetAlias("m", "champion", 2, Actor{"bob", "r2"}, kT0 + 20).ok());
  r = store_->ResolveAlias("m", "champion");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  ASSERT_TRUE(store_->SetAlias("m", "baseline", 2, kWho, kT0 + 25).ok());
  auto v2 = store_->GetVersion("m", 2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->aliases, (std::vector<std::string>{"baseline", "champion"}));
  auto v1 = store_->GetVersion("m", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_TRUE(v1->aliases.empty());

  ASSERT_TRUE(store_->DeleteAlias("m", "champion", kWho, kT0 + 30).ok());
  EXPECT_EQ(store_->ResolveAlias("m", "champion").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteAlias("m", "champion", kWho, kT0 + 31).code(), Code::kNotFound);

  std::vector<AuditEvent> e = Audit("m", "alias");
  ASSERT_EQ(e.size(), 4u);  // set, move, set baseline, delete; the no-op wrote nothing
  EXPECT_EQ(e[0].action, "alias.set");
  EXPECT_EQ(e[0].comment, "champion");
  EXPECT_EQ(e[0].from, "");
  EXPECT_EQ(e[0].to, "1");
  EXPECT_EQ(e[0].version, 1);
  EXPECT_EQ(e[1].action, "alias.set");
  EXPECT_EQ(e[1].from, "1");
  EXPECT_EQ(e[1].to, "2");
  EXPECT_EQ(e[1].actor, "bob");
  EXPECT_EQ(e[1].at_ms, kT0 + 20);
  EXPECT_EQ(e[3].action, "alias.delete");
  EXPECT_EQ(e[3].comment, "champion");
  EXPECT_EQ(e[3].from, "2");
  EXPECT_EQ(e[3].to, "");
  EXPECT_EQ(e[3].version, 2);
}

TEST_P(SqliteAliasesTest, AliasesArePerModel) {
  MustCreateModel("a");
  MustCreateModel("b");
  MustCreateVersion("a", true);
  MustCreateVersion("b", true);
  MustCreateVersion("b", true);
  ASSERT_TRUE(store_->SetAlias("a", "best", 1, kWho, kT0).ok());
  ASSERT_TRUE(store_->SetAlias("b", "best", 2, kWho, kT0).ok());
  auto a = store_->ResolveAlias("a", "best");
  auto b = store_->ResolveAlias("b", "best");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 1);
  EXPECT_EQ(*b, 2);
  EXPECT_EQ(store_->ResolveAlias("ghost", "best").status().code(), Code::kNotFound);
}

TEST_P(SqliteAliasesTest, OnlySealedLiveVersionsTakeAliases) {
  MustCreateModel("m");
  MustCreateVersion("m", false);  // 1: draft
  MustCreateVersion("m", true);   // 2
  ASSERT_TRUE(store_->DeleteVersion("m", 2, "", kWho, kT0 + 5).ok());
  const size_t events = Audit("m").size();
  EXPECT_EQ(store_->SetAlias("m", "x", 1, kWho, kT0).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->SetAlias("m", "x", 2, kWho, kT0).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->SetAlias("m", "x", 3, kWho, kT0).code(), Code::kNotFound);
  EXPECT_EQ(store_->SetAlias("ghost", "x", 1, kWho, kT0).code(), Code::kNotFound);
  EXPECT_EQ(store_->ResolveAlias("m", "x").status().code(), Code::kNotFound);
  EXPECT_EQ(Audit("m").size(), events);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM aliases"), 0);
}

TEST_P(SqliteDeleteTest, ProductionVersionsCannotBeDeleted) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  MustTransition("m", 1, Stage::kProduction);
  EXPECT_EQ(store_->DeleteVersion("m", 1, "", kWho, kT0 + 5).status().code(),
            Code::kFailedPrecondition);
  auto v = store_->GetVersion("m", 1);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->deleted_at_ms.has_value());
  EXPECT_EQ(v->stage, Stage::kProduction);
  EXPECT_EQ(v->artifacts.size(), 1u);
  EXPECT_EQ(store_->DeleteVersion("m", 9, "", kWho, kT0).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteVersion("ghost", 1, "", kWho, kT0).status().code(), Code::kNotFound);
}

TEST_P(SqliteDeleteTest, ATombstoneKeepsItsNumberAndAuditButNotItsContent) {
  MustCreateModel("m");
  VersionSpec spec = Spec("to go", R"({"lr":0.1})");
  spec.attrs = {Attr("tag", "team", "vision"), Attr("metric", "top1", "0.7", 0.7)};
  spec.lineage.refs = {LineageRef{"dataset", "sha256:ab", "imagenet"}};
  MustCreateVersion("m", true, {Art("w.bin"), Art("c.json", 'c')}, spec);  // 1
  MustCreateVersion("m", true);                                            // 2
  MustTransition("m", 1, Stage::kStaging, kT0 + 10);
  ASSERT_TRUE(store_->SetAlias("m", "old", 1, kWho, kT0 + 11).ok());
  ASSERT_TRUE(store_->SetAlias("m", "older", 1, kWho, kT0 + 12).ok());
  const size_t before = Audit("m").size();

  auto d = store_->DeleteVersion("m", 1, "superseded", Actor{"bob", "r9"}, kT0 + 50);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->number, 1);
  EXPECT_EQ(d->deleted_at_ms, kT0 + 50);
  EXPECT_EQ(d->stage, Stage::kNone);
  EXPECT_EQ(d->state, VersionState::kSealed);
  EXPECT_TRUE(d->artifacts.empty());
  EXPECT_TRUE(d->aliases.empty());
  EXPECT_EQ(d->description, "");
  EXPECT_EQ(d->meta_json, "{}");
  EXPECT_EQ(d->created_at_ms, kT0 + 1);  // the record of when it was made stays

  // GetVersion still answers, with the tombstone.
  auto got = store_->GetVersion("m", 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->deleted_at_ms, kT0 + 50);
  EXPECT_TRUE(got->artifacts.empty());

  // Its rows are gone; the audit only grew.
  const std::string id = "(SELECT v.id FROM versions v WHERE v.number = 1)";
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM artifacts WHERE version_id = " + id), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM aliases WHERE version_id = " + id), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM version_attrs WHERE version_id = " + id), 0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 2);
  std::vector<AuditEvent> e = Audit("m");
  ASSERT_EQ(e.size(), before + 4);  // stage -> none, two alias deletions, the deletion
  const AuditEvent& last = e.back();
  EXPECT_EQ(last.action, "version.delete");
  EXPECT_EQ(last.version, 1);
  EXPECT_EQ(last.comment, "superseded");
  EXPECT_EQ(last.actor, "bob");
  EXPECT_EQ(last.to, "deleted");
  EXPECT_EQ(e[before].action, "stage");
  EXPECT_EQ(e[before].from, "staging");
  EXPECT_EQ(e[before].to, "none");
  EXPECT_EQ(e[before + 1].action, "alias.delete");
  EXPECT_EQ(e[before + 2].action, "alias.delete");

  // Hidden from searches, skipped by counts, refused a second time.
  EXPECT_EQ(Search("m", nullptr, true), (std::vector<int64_t>{2}));
  auto m = store_->GetModel("m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->version_count, 1);
  EXPECT_EQ(store_->DeleteVersion("m", 1, "", kWho, kT0 + 60).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(Audit("m").size(), before + 4);
  EXPECT_EQ(store_->ResolveAlias("m", "old").status().code(), Code::kNotFound);

  // The number is never reused.
  EXPECT_EQ(MustCreateVersion("m", true), 3);
}

TEST_P(SqliteDeleteTest, TheDatabaseKeepsTombstonesFinal) {
  MustCreateModel("m");
  MustCreateVersion("m", true);
  ASSERT_TRUE(store_->DeleteVersion("m", 1, "", kWho, kT0 + 5).ok());
  for (const char* sql :
       {"UPDATE versions SET deleted_at = NULL", "UPDATE versions SET stage = 'staging'",
        "UPDATE versions SET state = 'draft'"}) {
    EXPECT_EQ(RawExec(sql).code(), Code::kFailedPrecondition) << sql;
  }
  auto v = store_->GetVersion("m", 1);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->deleted_at_ms, kT0 + 5);
  EXPECT_EQ(v->stage, Stage::kNone);
}

TEST_P(SqliteDeleteTest, LatestVersionSkipsDraftsAndTombstones) {
  EXPECT_EQ(store_->LatestVersion("ghost").status().code(), Code::kNotFound);
  MustCreateModel("m");
  EXPECT_EQ(store_->LatestVersion("m").status().code(), Code::kNotFound);
  MustCreateVersion("m", false);  // 1: draft
  EXPECT_EQ(store_->LatestVersion("m").status().code(), Code::kNotFound);
  MustCreateVersion("m", true);   // 2
  MustCreateVersion("m", true);   // 3
  MustCreateVersion("m", false);  // 4: draft
  auto latest = store_->LatestVersion("m");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, 3);
  ASSERT_TRUE(store_->DeleteVersion("m", 3, "", kWho, kT0 + 5).ok());
  latest = store_->LatestVersion("m");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, 2);
  auto m = store_->GetModel("m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->latest_version, 2);
  ASSERT_TRUE(store_->DeleteVersion("m", 2, "", kWho, kT0 + 6).ok());
  EXPECT_EQ(store_->LatestVersion("m").status().code(), Code::kNotFound);
}

MV_STORE_BACKENDS(SqliteAliasesTest);
MV_STORE_BACKENDS(SqliteDeleteTest);

}  // namespace
}  // namespace mv::storage
