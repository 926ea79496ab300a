// LifecycleService: audit paging, a stage history longer than one store page, and the
// validation of lineage queries.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/encoding.h"
#include "registry/model_service.h"
#include "storage/sqlite/sqlite_conn.h"
#include "tests/unit/registry/lifecycle_fixture.h"

namespace mv {
namespace {

using LifecycleAuditTest = LifecycleTest;

TEST_F(LifecycleAuditTest, AuditPagesWithOpaqueTokensOldestFirst) {
  MustCreateModel("m");
  MustCreateModel("other");
  for (int i = 0; i < 3; ++i) MustCreateVersion("m");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(1000);
    ASSERT_TRUE(service_->SetAlias("m", "a" + std::to_string(i), 1, who_).ok());
  }
  MustCreateVersion("other");
  const std::vector<AuditEvent> all = AllAudit("m");
  ASSERT_EQ(all.size(), 7u);  // model.create, three versions, three aliases

  std::vector<int64_t> seen;
  std::string token;
  int pages = 0;
  do {
    AuditQuery q;
    q.model = "m";
    q.limit = 2;
    auto page = service_->Audit(q, token);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->items.size(), 2u);
    for (const auto& e : page->items) {
      EXPECT_EQ(e.model, "m");
      seen.push_back(e.id);
    }
    token = page->next_token;
    ASSERT_LT(++pages, 10) << "paging does not end";
  } while (!token.empty());
  EXPECT_EQ(pages, 4);
  std::vector<int64_t> want;
  for (const auto& e : all) want.push_back(e.id);
  EXPECT_EQ(seen, want);

  // Filters by action (a prefix of dotted actions) and time, with the same paging.
  AuditQuery aliases;
  aliases.action = "alias";
  aliases.since_ms = kT + 2000;
  auto page = service_->Audit(aliases, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].comment, "a1");
  EXPECT_EQ(page->items[1].comment, "a2");
  EXPECT_TRUE(page->next_token.empty());
  AuditQuery until;
  until.model = "m";
  until.until_ms = kT;
  page = service_->Audit(until, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 4u);  // the alias events came later
}

TEST_F(LifecycleAuditTest, AuditRejectsBadTokensLimitsAndNames) {
  MustCreateModel("m");
  AuditQuery q;
  for (const std::string& bad :
       std::vector<std::string>{"%%%", "abc", EncodePageToken("0"), EncodePageToken("-1"),
                                EncodePageToken("x"), EncodePageToken("1:2")}) {
    EXPECT_EQ(service_->Audit(q, bad).status().code(), Code::kInvalidArgument) << bad;
  }
  q.limit = -1;
  EXPECT_EQ(service_->Audit(q, "").status().code(), Code::kInvalidArgument);
  q.limit = kMaxPageSize + 1;
  EXPECT_EQ(service_->Audit(q, "").status().code(), Code::kInvalidArgument);
  q.limit = 0;  // the default
  q.model = "b/ad";
  EXPECT_EQ(service_->Audit(q, "").status().code(), Code::kInvalidArgument);
  q.model = "m";
  auto page = service_->Audit(q, EncodePageToken("1"));  // after the first event: nothing
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->items.empty());
}

TEST_F(LifecycleAuditTest, TimelineReadsAHistoryLongerThanOneStorePage) {
  MustCreateModel("m");
  MustCreateVersion("m");
  // 1201 stage events written straight into the log: version 1 enters staging at +0, then
  // flips staging -> production at every odd step and back at every even one, 10 ms apart.
  auto raw = storage::Connection::Open(dir_->Join("meta.db"));
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  const std::string sql =
      "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 1200) "
      "INSERT INTO audit_events(at, actor, action, model, version, from_value, to_value) "
      "SELECT " +
      std::to_string(kT) +
      " + 10 * i, 'alice', 'stage', 'm', 1, "
      "CASE WHEN i = 0 THEN 'none' WHEN i % 2 = 1 THEN 'staging' ELSE 'production' END, "
      "CASE WHEN i = 0 THEN 'staging' WHEN i % 2 = 1 THEN 'production' ELSE 'staging' END "
      "FROM seq";
  ASSERT_TRUE((*raw)->Exec(sql.c_str()).ok());

  auto t = service_->Timeline("m", "production");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 600u);
  for (size_t k = 0; k < t->size(); ++k) {
    const StageInterval& i = (*t)[k];
    ASSERT_EQ(i.from_ms, kT + 10 * static_cast<int64_t>(2 * k + 1)) << k;
    ASSERT_TRUE(i.until_ms.has_value()) << k;
    ASSERT_EQ(*i.until_ms, i.from_ms + 10) << k;
  }
  // Interval 499 opens with the 1000th stage event and closes with the 1001st, across the
  // boundary of the store's 1000-event pages.
  EXPECT_EQ((*t)[499].from_ms, kT + 9990);
  auto at = service_->HolderAt("m", "production", kT + 9995);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 1);
  at = service_->HolderAt("m", "production", kT + 10000);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, std::nullopt);
  auto staging = service_->Timeline("m", "staging");
  ASSERT_TRUE(staging.ok());
  ASSERT_EQ(staging->size(), 601u);
  EXPECT_FALSE(staging->back().until_ms.has_value());
}

TEST_F(LifecycleAuditTest, DownstreamAndGraphValidateAndAnswer) {
  MustCreateModel("base");
  MustCreateModel("ft");
  Lineage base;
  base.refs.push_back(LineageRef{"dataset", "sha256:d1", "imagenet"});
  MustCreateVersion("base", true, base);
  Lineage ft;
  ft.parents.push_back(ParentRef{"base", 1, "fine-tuned-from"});
  ft.refs.push_back(LineageRef{"dataset", "sha256:d1", ""});
  MustCreateVersion("ft", true, ft);

  auto d = service_->Downstream("dataset", "sha256:d1", false);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->items.size(), 2u);
  EXPECT_EQ(d->items[0].model, "base");
  EXPECT_EQ(d->items[1].model, "ft");
  EXPECT_TRUE(d->next_token.empty());
  auto p = service_->Downstream("parent", "base:1", true);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].model, "ft");
  EXPECT_EQ(p->items[0].version, 1);
  EXPECT_EQ(p->items[0].depth, 1);

  // Transitive for a dataset too, and paged: one node per page, then a last page.
  auto first = service_->Downstream("dataset", "sha256:d1", true, 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->items.size(), 1u);
  ASSERT_FALSE(first->next_token.empty());
  auto second = service_->Downstream("dataset", "sha256:d1", true, 1, first->next_token);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_NE(second->items[0].model, first->items[0].model);
  for (const char* bad : {"zz", "3a", "31"}) {  // not hex, ":", not "depth:id"
    EXPECT_EQ(service_->Downstream("dataset", "sha256:d1", true, 1, bad).status().code(),
              Code::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(service_->Downstream("dataset", "sha256:d1", true, 1001).status().code(),
            Code::kInvalidArgument);

  for (const auto& [kind, ref] :
       std::vector<std::pair<std::string, std::string>>{{"paper", "x"},
                                                        {"dataset", ""},
                                                        {"run", std::string(513, 'r')},
                                                        {"parent", "base"},
                                                        {"parent", "base:x"},
                                                        {"parent", "base:0"},
                                                        {"parent", "b/ad:1"},
                                                        {"parent", ":1"}}) {
    EXPECT_EQ(service_->Downstream(kind, ref, false).status().code(), Code::kInvalidArgument)
        << kind << " " << ref.substr(0, 20);
  }
  EXPECT_TRUE(service_->Downstream("run", std::string(512, 'r'), false).ok());

  auto g = service_->Graph("ft", 1, "up", 64);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes.size(), 2u);
  ASSERT_EQ(g->edges.size(), 1u);
  EXPECT_EQ(g->edges[0].relation, "fine-tuned-from");
  EXPECT_EQ(service_->Graph("ft", 1, "sideways", 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Graph("ft", 1, "down", 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Graph("ft", 1, "down", 65).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Graph("f/t", 1, "down", 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Graph("ft", 9, "down", 1).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace mv
