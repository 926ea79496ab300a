#include "storage/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "schema/migrations.h"
#include "storage/sqlite/sqlite_conn.h"
#include "tests/unit/temp_dir.h"

namespace mv::storage {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

Artifact Art(const std::string& name, char digit = 'a', int64_t size = 10) {
  return Artifact{name, std::string(64, digit), size, "other", kT0};
}

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    path_ = dir_->Join("meta.db");
    Reopen();
  }
  void TearDown() override {
    raw_.reset();
    store_.reset();
    dir_.reset();
  }

  void Reopen() {
    store_.reset();
    auto s = SqliteMetadataStore::Open(path_, 4);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // A second, independent connection for checks the store's API cannot express.
  Connection& Raw() {
    if (!raw_) {
      auto c = Connection::Open(path_);
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      raw_ = std::move(c).value();
    }
    return *raw_;
  }

  int64_t QueryInt(const char* sql) {
    auto s = Raw().Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return -1;
    auto row = s->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return row.ok() && *row ? s->Int(0) : -1;
  }

  Model MustCreateModel(const std::string& name, Tags tags = {}) {
    auto m = store_->CreateModel(NewModel{name, "about " + name, std::move(tags), "alice"}, kT0);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Model{};
  }

  int64_t MustCreateVersion(const std::string& model, bool sealed,
                            std::vector<Artifact> artifacts = {Art("w.bin")}) {
    auto v = store_->CreateVersion(model, VersionSpec{"d", "{}"}, artifacts, sealed, kT0 + 1);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->number : -1;
  }

  std::vector<int64_t> Numbers(const std::string& model, int64_t before, int limit, bool drafts) {
    auto list = store_->ListVersions(model, before, limit, drafts);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<int64_t> out;
    if (list.ok()) {
      for (const auto& v : *list) out.push_back(v.number);
    }
    return out;
  }

  std::unique_ptr<test::TempDir> dir_;
  std::string path_;
  std::unique_ptr<SqliteMetadataStore> store_;
  std::unique_ptr<Connection> raw_;
};

// --- schema -----------------------------------------------------------------------------

TEST_F(SqliteMetadataStoreTest, MigrationsSetUserVersionToTheNewest) {
  const auto& all = schema::Migrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].number, all[i].number);
  auto v = store_->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, all.back().number);
  EXPECT_EQ(QueryInt("PRAGMA user_version"), all.back().number);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND "
                     "name = 'artifacts_insert_sealed'"),
            1);
}

TEST_F(SqliteMetadataStoreTest, ReopeningIsIdempotentAndKeepsData) {
  MustCreateModel("kept", {{"k", "v"}});
  const int64_t objects = QueryInt("SELECT COUNT(*) FROM sqlite_master");
  raw_.reset();
  Reopen();
  Reopen();
  auto v = store_->SchemaVersion();
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

TEST_F(SqliteMetadataStoreTest, NewerSchemaThanTheBinaryIsRefused) {
  store_.reset();
  const std::string pragma =
      "PRAGMA user_version = " + std::to_string(schema::Migrations().back().number + 1);
  ASSERT_TRUE(Raw().Exec(pragma.c_str()).ok());
  raw_.reset();
  auto s = SqliteMetadataStore::Open(path_, 1);
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
}

// --- models -------------------------------------------------------------------------------

TEST_F(SqliteMetadataStoreTest, CreateAndGetModel) {
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

TEST_F(SqliteMetadataStoreTest, DuplicateModelNameIsAlreadyExists) {
  MustCreateModel("dup", {{"a", "1"}});
  auto again = store_->CreateModel(NewModel{"dup", "x", {{"b", "2"}}, "bob"}, kT0 + 5);
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  auto got = store_->GetModel("dup");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, (Tags{{"a", "1"}}));  // the failed create changed nothing
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM model_tags"), 1);
}

TEST_F(SqliteMetadataStoreTest, ListModelsPagesByName) {
  for (const char* n : {"b", "a", "d", "C", "c"}) MustCreateModel(n);
  auto names = [&](const std::string& after, int limit) {
    std::vector<std::string> out;
    auto list = store_->ListModels(after, limit);
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

TEST_F(SqliteMetadataStoreTest, UpdateModel) {
  MustCreateModel("m", {{"a", "1"}});
  ModelPatch p;
  p.description = "new";
  auto u = store_->UpdateModel("m", p, kT0 + 100);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->tags, (Tags{{"a", "1"}}));
  EXPECT_EQ(u->updated_at_ms, kT0 + 100);
  EXPECT_EQ(u->created_at_ms, kT0);

  ModelPatch t;
  t.tags = Tags{{"b", "2"}, {"c", "3"}};
  u = store_->UpdateModel("m", t, kT0 + 200);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->description, "new");
  EXPECT_EQ(u->tags, (Tags{{"b", "2"}, {"c", "3"}}));
  auto got = store_->GetModel("m");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, u->tags);
  EXPECT_EQ(got->updated_at_ms, kT0 + 200);

  EXPECT_EQ(store_->UpdateModel("ghost", p, kT0).status().code(), Code::kNotFound);
}

// --- versions -----------------------------------------------------------------------------

TEST_F(SqliteMetadataStoreTest, VersionsAreNumberedPerModel) {
  MustCreateModel("a");
  MustCreateModel("b");
  EXPECT_EQ(MustCreateVersion("a", true), 1);
  EXPECT_EQ(MustCreateVersion("a", true), 2);
  EXPECT_EQ(MustCreateVersion("b", true), 1);
  EXPECT_EQ(MustCreateVersion("a", false), 3);  // drafts take numbers too
  EXPECT_EQ(MustCreateVersion("b", true), 2);

  auto a = store_->GetModel("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->latest_version, 2);  // the draft is not counted
  EXPECT_EQ(a->version_count, 2);
}

TEST_F(SqliteMetadataStoreTest, CreateVersionStoresEverything) {
  MustCreateModel("m");
  auto v = store_->CreateVersion("m", VersionSpec{"first", R"({"x":1})"},
                                 {Art("z.bin", 'b', 5), Art("a.onnx", 'c', 7)}, true, kT0 + 9);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->model, "m");
  EXPECT_EQ(v->state, VersionState::kSealed);
  EXPECT_EQ(v->description, "first");
  EXPECT_EQ(v->meta_json, R"({"x":1})");
  EXPECT_EQ(v->created_at_ms, kT0 + 9);
  EXPECT_EQ(v->sealed_at_ms, kT0 + 9);
  ASSERT_EQ(v->artifacts.size(), 2u);
  EXPECT_EQ(v->artifacts[0].name, "a.onnx");
  EXPECT_EQ(v->artifacts[0].sha256, std::string(64, 'c'));
  EXPECT_EQ(v->artifacts[0].size, 7);
  EXPECT_EQ(v->artifacts[1].name, "z.bin");

  auto got = store_->GetVersion("m", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->artifacts.size(), 2u);
  EXPECT_EQ(store_->GetVersion("m", 2).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetVersion("ghost", 1).status().code(), Code::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, UnknownModelUsesNoNumber) {
  MustCreateModel("m");
  auto v = store_->CreateVersion("ghost", VersionSpec{}, {Art("w")}, true, kT0);
  EXPECT_EQ(v.status().code(), Code::kNotFound);
  EXPECT_EQ(MustCreateVersion("m", true), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 1);
}

TEST_F(SqliteMetadataStoreTest, FailedCreateVersionRollsBackAndUsesNoNumber) {
  MustCreateModel("m");
  EXPECT_EQ(MustCreateVersion("m", true), 1);
  // Make the database refuse one artifact row, after the version row is already inserted.
  ASSERT_TRUE(Raw()
                  .Exec("CREATE TRIGGER test_poison BEFORE INSERT ON artifacts "
                        "WHEN NEW.name = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
                  .ok());
  auto bad =
      store_->CreateVersion("m", VersionSpec{}, {Art("fine", 'e'), Art("poison", 'f')}, true, kT0);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(store_->GetVersion("m", 2).status().code(), Code::kNotFound);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM artifacts"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM blobs"), 1);  // the blob rows were rolled back too
  EXPECT_EQ(MustCreateVersion("m", true), 2);            // number 2 was not burnt
}

TEST_F(SqliteMetadataStoreTest, DraftsAreHiddenUnlessAskedFor) {
  MustCreateModel("m");
  MustCreateVersion("m", true);   // 1
  MustCreateVersion("m", false);  // 2 (draft)
  MustCreateVersion("m", true);   // 3
  EXPECT_EQ(Numbers("m", 0, 10, false), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(Numbers("m", 0, 10, true), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(Numbers("m", 3, 10, true), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(Numbers("m", 3, 10, false), (std::vector<int64_t>{1}));
  EXPECT_EQ(Numbers("m", 0, 1, true), (std::vector<int64_t>{3}));
  EXPECT_TRUE(Numbers("m", 1, 10, true).empty());
  auto list = store_->ListVersions("m", 0, 10, false);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].artifacts.size(), 1u);  // artifacts come with listed versions
  EXPECT_EQ(store_->ListVersions("ghost", 0, 10, true).status().code(), Code::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, DraftArtifactsCanChange) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", false, {});
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("a", 'a', 1)).ok());
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("b", 'b', 2)).ok());
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("a", 'c', 3)).ok());  // replaces "a"
  auto v = store_->GetVersion("m", n);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->artifacts.size(), 2u);
  EXPECT_EQ(v->artifacts[0].sha256, std::string(64, 'c'));
  EXPECT_EQ(v->artifacts[0].size, 3);
  ASSERT_TRUE(store_->DeleteDraftArtifact("m", n, "b").ok());
  EXPECT_EQ(store_->DeleteDraftArtifact("m", n, "b").code(), Code::kNotFound);
  EXPECT_EQ(store_->PutDraftArtifact("m", 99, Art("a")).code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteDraftArtifact("m", 99, "a").code(), Code::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, SealVersion) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", false, {});
  auto empty = store_->SealVersion("m", n, kT0 + 50);
  EXPECT_EQ(empty.status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("w")).ok());
  auto sealed = store_->SealVersion("m", n, kT0 + 60);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->state, VersionState::kSealed);
  EXPECT_EQ(sealed->sealed_at_ms, kT0 + 60);
  EXPECT_EQ(store_->SealVersion("m", n, kT0 + 70).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->SealVersion("m", n + 1, kT0).status().code(), Code::kNotFound);
  EXPECT_EQ(Numbers("m", 0, 10, false), (std::vector<int64_t>{n}));
}

TEST_F(SqliteMetadataStoreTest, SealedVersionsRejectArtifactChanges) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", true, {Art("w", 'a', 10)});
  EXPECT_EQ(store_->PutDraftArtifact("m", n, Art("new")).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->PutDraftArtifact("m", n, Art("w", 'b', 11)).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->DeleteDraftArtifact("m", n, "w").code(), Code::kFailedPrecondition);
  auto v = store_->GetVersion("m", n);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->artifacts.size(), 1u);
  EXPECT_EQ(v->artifacts[0].sha256, std::string(64, 'a'));
}

TEST_F(SqliteMetadataStoreTest, DatabaseTriggersProtectSealedVersions) {
  MustCreateModel("m");
  MustCreateVersion("m", true, {Art("w", 'a', 10)});   // 1: sealed
  MustCreateVersion("m", false, {Art("w", 'a', 10)});  // 2: draft
  Connection& raw = Raw();
  // The row id of version n of "m", as a subquery.
  auto id = [](int n) {
    return "(SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'm' "
           "AND v.number = " +
           std::to_string(n) + ")";
  };
  const std::string any_blob = "(SELECT sha256 FROM blobs LIMIT 1)";
  const std::vector<std::string> sealed_writes = {
      "UPDATE artifacts SET size = 11 WHERE version_id = " + id(1),
      "UPDATE artifacts SET sha256 = " + any_blob + ", name = 'x' WHERE version_id = " + id(1),
      "DELETE FROM artifacts WHERE version_id = " + id(1),
      "INSERT INTO artifacts(version_id, name, sha256, size, kind, created_at) VALUES (" + id(1) +
          ", 'added', " + any_blob + ", 10, 'other', 0)",
      "INSERT OR REPLACE INTO artifacts(version_id, name, sha256, size, kind, created_at) VALUES "
      "(" +
          id(1) + ", 'w', " + any_blob + ", 99, 'other', 0)",
      "UPDATE versions SET state = 'draft' WHERE id = " + id(1),
      "UPDATE versions SET meta = '{\"changed\":true}' WHERE id = " + id(1),
      "UPDATE versions SET description = 'changed' WHERE id = " + id(1),
      "DELETE FROM versions WHERE id = " + id(1),
  };
  for (const std::string& sql : sealed_writes) {
    Status s = raw.Exec(sql.c_str());
    EXPECT_EQ(s.code(), Code::kFailedPrecondition) << sql << " -> " << s.ToString();
  }
  // The same raw writes on a draft are allowed: the triggers are about sealing only.
  const std::string draft_update = "UPDATE artifacts SET size = 12 WHERE version_id = " + id(2);
  const std::string draft_delete = "DELETE FROM artifacts WHERE version_id = " + id(2);
  EXPECT_TRUE(raw.Exec(draft_update.c_str()).ok());
  EXPECT_TRUE(raw.Exec(draft_delete.c_str()).ok());

  auto v = store_->GetVersion("m", 1);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, VersionState::kSealed);
  EXPECT_EQ(v->description, "d");
  EXPECT_EQ(v->meta_json, "{}");
  ASSERT_EQ(v->artifacts.size(), 1u);
  EXPECT_EQ(v->artifacts[0].size, 10);
  auto d = store_->GetVersion("m", 2);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->artifacts.empty());
}

TEST_F(SqliteMetadataStoreTest, ConcurrentCreateVersionGivesDistinctConsecutiveNumbers) {
  MustCreateModel("m");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto v = store_->CreateVersion("m", VersionSpec{}, {Art("w" + std::to_string(t), 'a', t)},
                                       /*sealed=*/i % 2 == 0, kT0 + i);
        if (v.ok()) {
          got[t].push_back(v->number);
        } else {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<int64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    // Each thread's own calls are ordered, so its numbers increase.
    EXPECT_TRUE(std::is_sorted(got[t].begin(), got[t].end())) << "thread " << t;
    all.insert(all.end(), got[t].begin(), got[t].end());
  }
  std::sort(all.begin(), all.end());
  std::vector<int64_t> want(kThreads * kPerThread);
  std::iota(want.begin(), want.end(), 1);
  EXPECT_EQ(all, want);
  EXPECT_EQ(Numbers("m", 0, 1000, true).size(), want.size());
  auto m = store_->GetModel("m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->version_count, kThreads * kPerThread / 2);
}

}  // namespace
}  // namespace mv::storage
