#include "storage/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema/migrations.h"
#include "storage/sqlite/sqlite_conn.h"
#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

using SqliteMetadataStoreTest = StoreTest;

// --- schema -----------------------------------------------------------------------------

TEST_P(SqliteMetadataStoreTest, MigrationsSetUserVersionToTheNewest) {
  MV_SQLITE_ONLY();  // tests/scaleout/pg_store_test.cc checks PostgreSQL's migrations
  const auto& all = schema::Migrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].number, all[i].number);
  auto v = backend_->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, all.back().number);
  EXPECT_EQ(QueryInt("PRAGMA user_version"), all.back().number);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND "
                     "name = 'artifacts_insert_sealed'"),
            1);
}

TEST_P(SqliteMetadataStoreTest, ReopeningIsIdempotentAndKeepsData) {
  MV_SQLITE_ONLY();
  MustCreateModel("kept", {{"k", "v"}});
  const int64_t objects = QueryInt("SELECT COUNT(*) FROM sqlite_master");
  raw_.reset();
  Reopen();
  Reopen();
  auto v = backend_->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, schema::Migrations().back().number);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM sqlite_master"), objects);
  auto m = store_->GetModel("kept");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->tags, (Tags{{"k", "v"}}));
  // Running the migrator by hand on an up-to-date file is a no-op too.
  EXPECT_TRUE(Migrate(Raw()).ok());
  EXPECT_EQ(QueryInt("PRAGMA user_version"), schema::Migrations().back().number);
}

TEST_P(SqliteMetadataStoreTest, NewerSchemaThanTheBinaryIsRefused) {
  MV_SQLITE_ONLY();
  store_ = nullptr;
  backend_.reset();
  const std::string pragma =
      "PRAGMA user_version = " + std::to_string(schema::Migrations().back().number + 1);
  ASSERT_TRUE(Raw().Exec(pragma.c_str()).ok());
  raw_.reset();
  auto s = SqliteMetadataStore::Open(path_, 1);
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
}

// --- models -------------------------------------------------------------------------------

TEST_P(SqliteMetadataStoreTest, CreateAndGetModel) {
  Model m = MustCreateModel("resnet", {{"task", "vision"}, {"size", "18"}});
  EXPECT_EQ(m.name, "resnet");
  EXPECT_EQ(m.description, "about resnet");
  EXPECT_EQ(m.owner, "alice");
  EXPECT_EQ(m.created_at_ms, kT0);
  EXPECT_EQ(m.updated_at_ms, kT0);
  auto got = store_->GetModel("resnet");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, (Tags{{"size", "18"}, {"task", "vision"}}));
  EXPECT_EQ(store_->GetModel("absent").status().code(), Code::kNotFound);
}

TEST_P(SqliteMetadataStoreTest, DuplicateModelNameIsAlreadyExists) {
  MustCreateModel("dup", {{"a", "1"}});
  auto again = store_->CreateModel(NewModel{"dup", "x", {{"b", "2"}}, "bob"}, kWho, kT0 + 5);
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  auto got = store_->GetModel("dup");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, (Tags{{"a", "1"}}));  // the failed create changed nothing
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM model_tags"), 1);
}

TEST_P(SqliteMetadataStoreTest, ListModelsPagesByName) {
  for (const char* n : {"b", "a", "d", "C", "c"}) MustCreateModel(n);
  auto names = [&](const std::string& after, int limit) {
    std::vector<std::string> out;
    auto list = store_->ListModels(after, limit, nullptr);
    EXPECT_TRUE(list.ok());
    if (list.ok()) {
      for (const auto& m : *list) out.push_back(m.name);
    }
    return out;
  };
  // Byte order: upper case sorts before lower case.
  EXPECT_EQ(names("", 10), (std::vector<std::string>{"C", "a", "b", "c", "d"}));
  EXPECT_EQ(names("", 2), (std::vector<std::string>{"C", "a"}));
  EXPECT_EQ(names("a", 2), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(names("c", 2), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(names("d", 2).empty());
  EXPECT_EQ(names("bb", 10), (std::vector<std::string>{"c", "d"}));  // need not exist
}

TEST_P(SqliteMetadataStoreTest, UpdateModel) {
  MustCreateModel("m", {{"a", "1"}});
  ModelPatch p;
  p.description = "new";
  auto u = store_->UpdateModel("m", p, kWho, kT0 + 100);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->tags, (Tags{{"a", "1"}}));
  EXPECT_EQ(u->updated_at_ms, kT0 + 100);
  EXPECT_EQ(u->created_at_ms, kT0);

  ModelPatch t;
  t.tags = Tags{{"b", "2"}, {"c", "3"}};
  u = store_->UpdateModel("m", t, kWho, kT0 + 200);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->tags, (Tags{{"b", "2"}, {"c", "3"}}));
  auto got = store_->GetModel("m");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, u->tags);
  EXPECT_EQ(got->updated_at_ms, kT0 + 200);

  EXPECT_EQ(store_->UpdateModel("ghost", p, kWho, kT0).status().code(), Code::kNotFound);
}

TEST_P(SqliteMetadataStoreTest, ModelChangesAreAuditedInTheirTransaction) {
  MustCreateModel("m", {{"a", "1"}});
  ASSERT_FALSE(store_->CreateModel(NewModel{"m", "again", {}, "bob"}, kWho, kT0 + 1).ok());
  ModelPatch p;
  p.tags = Tags{{"b", "2"}};
  ASSERT_TRUE(store_->UpdateModel("m", p, Actor{"bob", "req-9"}, kT0 + 7).ok());
  ASSERT_FALSE(store_->UpdateModel("ghost", p, kWho, kT0 + 8).ok());
  std::vector<AuditEvent> events = Audit("");
  ASSERT_EQ(events.size(), 2u);  // the failed calls left no event
  EXPECT_EQ(events[0].action, "model.create");
  EXPECT_EQ(events[0].model, "m");
  EXPECT_EQ(events[0].actor, "alice");
  EXPECT_EQ(events[0].request_id, "req-1");
  EXPECT_EQ(events[0].at_ms, kT0);
  EXPECT_FALSE(events[0].version.has_value());
  EXPECT_EQ(events[1].action, "model.update");
  EXPECT_EQ(events[1].actor, "bob");
  EXPECT_EQ(events[1].request_id, "req-9");
  EXPECT_EQ(events[1].to, "tags");
  EXPECT_EQ(events[1].at_ms, kT0 + 7);
  EXPECT_LT(events[0].id, events[1].id);
}

TEST_P(SqliteMetadataStoreTest, TheAuditLogIsAppendOnlyInTheDatabase) {
  MustCreateModel("m");
  EXPECT_EQ(RawExec("UPDATE audit_events SET actor = 'mallory'").code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(RawExec("DELETE FROM audit_events").code(), Code::kFailedPrecondition);
  std::vector<AuditEvent> events = Audit("m");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].actor, "alice");
}

MV_STORE_BACKENDS(SqliteMetadataStoreTest);

}  // namespace
}  // namespace mv::storage
