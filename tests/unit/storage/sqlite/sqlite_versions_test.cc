// Versions in the SQLite store: numbering, drafts, sealing, immutability, listing.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

class SqliteVersionsTest : public StoreTest {
 protected:
  // The keyset cursor (created_at, row id) of version `number` of `model`.
  std::pair<int64_t, int64_t> CursorOf(const std::string& model, int64_t number) {
    const std::string where =
        " FROM versions v JOIN models m ON m.id = v.model_id WHERE "
        "m.name = '" +
        model + "' AND v.number = " + std::to_string(number);
    return {QueryInt("SELECT v.created_at" + where), QueryInt("SELECT v.id" + where)};
  }

  std::vector<VersionHit> SearchHits(const std::string& model, int limit, bool drafts,
                                     std::optional<std::pair<int64_t, int64_t>> after = {}) {
    VersionSearch q;
    q.model = model;
    q.include_drafts = drafts;
    q.limit = limit;
    q.after = after;
    auto hits = store_->SearchVersions(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<VersionHit>{};
  }

  // Numbers of the versions listed after version `before` (0: from the newest).
  std::vector<int64_t> Numbers(const std::string& model, int64_t before, int limit, bool drafts) {
    std::optional<std::pair<int64_t, int64_t>> after;
    if (before > 0) after = CursorOf(model, before);
    std::vector<int64_t> out;
    for (const auto& h : SearchHits(model, limit, drafts, after)) out.push_back(h.version.number);
    return out;
  }
};

TEST_P(SqliteVersionsTest, VersionsAreNumberedPerModel) {
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

TEST_P(SqliteVersionsTest, CreateVersionStoresEverything) {
  MustCreateModel("m");
  auto v =
      store_->CreateVersion("m", Spec("first", R"({"x":1})"),
                            {Art("z.bin", 'b', 5), Art("a.onnx", 'c', 7)}, true, kWho, kT0 + 9);
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

TEST_P(SqliteVersionsTest, UnknownModelUsesNoNumber) {
  MustCreateModel("m");
  auto v = store_->CreateVersion("ghost", Spec(), {Art("w")}, true, kWho, kT0);
  EXPECT_EQ(v.status().code(), Code::kNotFound);
  EXPECT_EQ(MustCreateVersion("m", true), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 1);
}

TEST_P(SqliteVersionsTest, FailedCreateVersionRollsBackAndUsesNoNumber) {
  MV_SQLITE_ONLY();  // the poison trigger is SQLite's SQL
  MustCreateModel("m");
  EXPECT_EQ(MustCreateVersion("m", true), 1);
  // Make the database refuse one artifact row, after the version row is already inserted.
  ASSERT_TRUE(Raw()
                  .Exec("CREATE TRIGGER test_poison BEFORE INSERT ON artifacts "
                        "WHEN NEW.name = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
                  .ok());
  auto bad =
      store_->CreateVersion("m", Spec(), {Art("fine", 'e'), Art("poison", 'f')}, true, kWho, kT0);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(store_->GetVersion("m", 2).status().code(), Code::kNotFound);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM artifacts"), 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM blobs"), 1);  // the blob rows were rolled back too
  EXPECT_EQ(MustCreateVersion("m", true), 2);            // number 2 was not burnt
}

TEST_P(SqliteVersionsTest, DraftsAreHiddenUnlessAskedFor) {
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
  std::vector<VersionHit> list = SearchHits("m", 10, false);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].version.artifacts.size(), 1u);  // artifacts come with listed versions
  // Each hit's cursor is its (created_at, row id): feeding it back resumes after it.
  EXPECT_EQ(list[0].cursor, CursorOf("m", 3));
  EXPECT_EQ(list[1].cursor, CursorOf("m", 1));
  // The store answers a search for an unknown model with nothing (VersionService::List is
  // where an unknown model is NotFound; see version_service_test).
  EXPECT_TRUE(SearchHits("ghost", 10, true).empty());
}

TEST_P(SqliteVersionsTest, SearchOrdersByCreationTimeNotNumberAndSpansModels) {
  MustCreateModel("a");
  MustCreateModel("b");
  MustCreateVersion("a", true, {Art("w")}, Spec(), kT0 + 30);  // a:1, the newest
  MustCreateVersion("b", true, {Art("w")}, Spec(), kT0 + 10);  // b:1, the oldest
  MustCreateVersion("a", true, {Art("w")}, Spec(), kT0 + 20);  // a:2
  MustCreateVersion("b", true, {Art("w")}, Spec(), kT0 + 20);  // b:2, same time, later row
  VersionSearch q;
  q.limit = 10;
  auto all = store_->SearchVersions(q);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> got;
  for (const auto& h : *all)
    got.push_back(h.version.model + ":" + std::to_string(h.version.number));
  EXPECT_EQ(got, (std::vector<std::string>{"a:1", "b:2", "a:2", "b:1"}));
  q.newest_first = false;
  q.limit = 2;
  auto oldest = store_->SearchVersions(q);
  ASSERT_TRUE(oldest.ok());
  ASSERT_EQ(oldest->size(), 2u);
  EXPECT_EQ((*oldest)[0].version.model + ":" + std::to_string((*oldest)[0].version.number), "b:1");
  EXPECT_EQ((*oldest)[1].version.model + ":" + std::to_string((*oldest)[1].version.number), "a:2");
  q.after = (*oldest)[1].cursor;
  auto rest = store_->SearchVersions(q);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].version.model + ":" + std::to_string((*rest)[0].version.number), "b:2");
  EXPECT_EQ((*rest)[1].version.model + ":" + std::to_string((*rest)[1].version.number), "a:1");
}

TEST_P(SqliteVersionsTest, DraftArtifactsCanChange) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", false, {});
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("a", 'a', 1), kWho).ok());
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("b", 'b', 2), kWho).ok());
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("a", 'c', 3), kWho).ok());  // replaces "a"
  auto v = store_->GetVersion("m", n);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->artifacts.size(), 2u);
  EXPECT_EQ(v->artifacts[0].sha256, std::string(64, 'c'));
  EXPECT_EQ(v->artifacts[0].size, 3);
  ASSERT_TRUE(store_->DeleteDraftArtifact("m", n, "b", kWho, kT0).ok());
  EXPECT_EQ(store_->DeleteDraftArtifact("m", n, "b", kWho, kT0).code(), Code::kNotFound);
  EXPECT_EQ(store_->PutDraftArtifact("m", 99, Art("a"), kWho).code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteDraftArtifact("m", 99, "a", kWho, kT0).code(), Code::kNotFound);
}

TEST_P(SqliteVersionsTest, SealVersion) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", false, {});
  auto empty = store_->SealVersion("m", n, kWho, kT0 + 50);
  EXPECT_EQ(empty.status().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("w"), kWho).ok());
  auto sealed = store_->SealVersion("m", n, kWho, kT0 + 60);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->state, VersionState::kSealed);
  EXPECT_EQ(sealed->sealed_at_ms, kT0 + 60);
  EXPECT_EQ(store_->SealVersion("m", n, kWho, kT0 + 70).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->SealVersion("m", n + 1, kWho, kT0).status().code(), Code::kNotFound);
  EXPECT_EQ(Numbers("m", 0, 10, false), (std::vector<int64_t>{n}));
}

TEST_P(SqliteVersionsTest, SealedVersionsRejectArtifactChanges) {
  MustCreateModel("m");
  const int64_t n = MustCreateVersion("m", true, {Art("w", 'a', 10)});
  EXPECT_EQ(store_->PutDraftArtifact("m", n, Art("new"), kWho).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->PutDraftArtifact("m", n, Art("w", 'b', 11), kWho).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(store_->DeleteDraftArtifact("m", n, "w", kWho, kT0).code(), Code::kFailedPrecondition);
  auto v = store_->GetVersion("m", n);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->artifacts.size(), 1u);
  EXPECT_EQ(v->artifacts[0].sha256, std::string(64, 'a'));
}

TEST_P(SqliteVersionsTest, DatabaseTriggersProtectSealedVersions) {
  MV_SQLITE_ONLY();  // written in SQLite's SQL (INSERT OR REPLACE)
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

TEST_P(SqliteVersionsTest, ConcurrentCreateVersionGivesDistinctConsecutiveNumbers) {
  MustCreateModel("m");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto v = store_->CreateVersion("m", Spec(), {Art("w" + std::to_string(t), 'a', t)},
                                       /*sealed=*/i % 2 == 0, kWho, kT0 + i);
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

TEST_P(SqliteVersionsTest, VersionChangesAreAudited) {
  MustCreateModel("m");
  MustCreateVersion("m", true, {Art("w")}, Spec("one"), kT0 + 1);  // 1
  const int64_t n = MustCreateVersion("m", false, {}, Spec("two"), kT0 + 2);
  Artifact a = Art("a", 'b', 3);
  a.created_at_ms = kT0 + 3;
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, a, kWho).ok());
  ASSERT_TRUE(store_->PutDraftArtifact("m", n, Art("b", 'c', 4), kWho).ok());
  ASSERT_TRUE(store_->DeleteDraftArtifact("m", n, "b", kWho, kT0 + 4).ok());
  ASSERT_TRUE(store_->SealVersion("m", n, kWho, kT0 + 5).ok());
  ASSERT_FALSE(store_->SealVersion("m", n, kWho, kT0 + 6).ok());
  std::vector<AuditEvent> e = Audit("m");
  ASSERT_EQ(e.size(), 7u);  // model.create + 6; the failed seal left nothing
  EXPECT_EQ(e[1].action, "version.create");
  EXPECT_EQ(e[1].version, 1);
  EXPECT_EQ(e[1].to, "sealed");
  EXPECT_EQ(e[1].comment, "one");
  EXPECT_EQ(e[2].action, "version.draft");
  EXPECT_EQ(e[2].version, n);
  EXPECT_EQ(e[2].to, "draft");
  EXPECT_EQ(e[3].action, "artifact.put");
  EXPECT_EQ(e[3].to, "a " + std::string(64, 'b'));
  EXPECT_EQ(e[3].at_ms, kT0 + 3);
  EXPECT_EQ(e[5].action, "artifact.delete");
  EXPECT_EQ(e[5].from, "b");
  EXPECT_EQ(e[6].action, "version.commit");
  EXPECT_EQ(e[6].from, "draft");
  EXPECT_EQ(e[6].to, "sealed");
  EXPECT_EQ(e[6].at_ms, kT0 + 5);
}

MV_STORE_BACKENDS(SqliteVersionsTest);

}  // namespace
}  // namespace mv::storage
