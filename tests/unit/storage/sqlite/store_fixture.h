// The fixture shared by the metadata store tests, run against every backend (the
// conformance suite): SQLite in a per-test temp dir, and PostgreSQL in a per-test database
// when tests/scaleout/pg_env.sh provides a server (MV_TEST_PG). A second raw connection
// serves checks the API cannot express, and builders make the records.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/open_metadata.h"
#include "storage/postgres/pg_conn.h"
#include "storage/sqlite/sqlite_conn.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/scaleout/pg_server.h"
#include "tests/unit/temp_dir.h"

namespace mv::storage {

inline constexpr int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

inline const Actor kWho{"alice", "req-1"};

// Fields assigned one by one so the builders keep compiling as the records grow.
inline Artifact Art(const std::string& name, char digit = 'a', int64_t size = 10) {
  Artifact a;
  a.name = name;
  a.sha256 = std::string(64, digit);
  a.size = size;
  a.kind = "other";
  a.created_at_ms = kT0;
  return a;
}

inline VersionSpec Spec(const std::string& description = "d", const std::string& meta = "{}") {
  VersionSpec s;
  s.description = description;
  s.meta_json = meta;
  return s;
}

inline VersionAttr Attr(const std::string& kind, const std::string& key, const std::string& text,
                        std::optional<double> number = std::nullopt) {
  VersionAttr a;
  a.kind = kind;
  a.key = key;
  a.text = text;
  a.number = number;
  return a;
}

inline TransitionRequest To(Stage stage, bool archive_previous = true) {
  TransitionRequest r;
  r.to = stage;
  r.archive_previous = archive_previous;
  return r;
}

// The backends every store test runs on: "sqlite", and "postgres" when MV_TEST_PG is set.
inline std::vector<std::string> StoreBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (!test::PgAdminUrl().empty()) out.push_back("postgres");
  return out;
}

inline std::string StoreBackendName(const ::testing::TestParamInfo<std::string>& p) {
  return p.param;
}

// Instantiates a TEST_P store suite on every backend; test names end in /sqlite, /postgres.
#define MV_STORE_BACKENDS(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::ValuesIn(StoreBackends()), \
                           StoreBackendName)

// For the few checks written in one backend's SQL dialect (or of SQLite's file format).
#define MV_SQLITE_ONLY()                                      \
  do {                                                        \
    if (!IsSqlite()) GTEST_SKIP() << "checks SQLite's own SQL"; \
  } while (0)

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    path_ = dir_->Join("modelvault.db");
    if (!IsSqlite()) {
      auto url = test::CreatePgDatabase();
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      url_ = *url;
    }
    Reopen();
  }
  void TearDown() override {
    raw_.reset();
    pg_raw_.reset();
    backend_.reset();
    store_ = nullptr;
    if (!url_.empty()) {
      EXPECT_TRUE(test::DropPgDatabase(url_).ok());
    }
    dir_.reset();
  }

  bool IsSqlite() const { return GetParam() == "sqlite"; }

  // Opens the store (again) through the factory main.cc uses.
  void Reopen(int pool_size = 4) {
    store_ = nullptr;
    backend_.reset();
    auto b = OpenMetadata(IsSqlite() ? "" : url_, dir_->path(), pool_size);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    backend_ = std::make_unique<MetadataBackend>(std::move(b).value());
    store_ = &backend_->meta();
  }

  // A second, independent SQLite connection (MV_SQLITE_ONLY tests).
  Connection& Raw() {
    if (!raw_) {
      auto c = Connection::Open(path_);
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      raw_ = std::move(c).value();
    }
    return *raw_;
  }

  // Runs SQL on a second connection of either backend, bypassing the store.
  Status RawExec(const std::string& sql) {
    if (IsSqlite()) return Raw().Exec(sql.c_str());
    return PgRaw().Exec(sql.c_str());
  }

  int64_t QueryInt(const std::string& sql) {
    if (!IsSqlite()) {
      auto s = PgRaw().PrepareDynamic(sql);
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      if (!s.ok()) return -1;
      auto row = s->Step();
      EXPECT_TRUE(row.ok() && *row) << sql << ": " << row.status().ToString();
      return row.ok() && *row ? s->Int(0) : -1;
    }
    auto s = Raw().PrepareDynamic(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return -1;
    auto row = s->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return row.ok() && *row ? s->Int(0) : -1;
  }

  pg::Connection& PgRaw() {
    if (!pg_raw_) {
      auto c = pg::Connection::Open(url_);
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      pg_raw_ = std::move(c).value();
    }
    return *pg_raw_;
  }

  Model MustCreateModel(const std::string& name, Tags tags = {}) {
    NewModel nm;
    nm.name = name;
    nm.description = "about " + name;
    nm.tags = std::move(tags);
    nm.owner = "alice";
    auto m = store_->CreateModel(nm, kWho, kT0);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Model{};
  }

  int64_t MustCreateVersion(const std::string& model, bool sealed,
                            std::vector<Artifact> artifacts = {Art("w.bin")},
                            const VersionSpec& spec = Spec(), int64_t now_ms = kT0 + 1) {
    auto v = store_->CreateVersion(model, spec, artifacts, sealed, kWho, now_ms);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->number : -1;
  }

  // Moves a version to `stage`, expecting success.
  TransitionResult MustTransition(const std::string& model, int64_t number, Stage stage,
                                  int64_t now_ms = kT0 + 10, bool archive_previous = true) {
    auto r = store_->Transition(model, number, To(stage, archive_previous), kWho, now_ms);
    EXPECT_TRUE(r.ok()) << model << ":" << number << " -> " << StageName(stage) << ": "
                        << r.status().ToString();
    return r.ok() ? *r : TransitionResult{};
  }

  Stage StageOf(const std::string& model, int64_t number) {
    auto v = store_->GetVersion(model, number);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->stage : Stage::kNone;
  }

  // All audit events of `model` (every action when `action` is empty), oldest first.
  std::vector<AuditEvent> Audit(const std::string& model, const std::string& action = "") {
    AuditQuery q;
    q.model = model;
    q.action = action;
    q.limit = 100000;
    auto events = store_->ListAudit(q);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<AuditEvent>{};
  }

  // Numbers of the live versions of `model` that SearchVersions returns, in its order.
  std::vector<int64_t> Search(const std::string& model, const search::Node* filter = nullptr,
                              bool drafts = false) {
    VersionSearch q;
    q.model = model;
    q.filter = filter;
    q.include_drafts = drafts;
    q.limit = 1000;
    auto hits = store_->SearchVersions(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<int64_t> out;
    if (hits.ok()) {
      for (const auto& h : *hits) out.push_back(h.version.number);
    }
    return out;
  }

  std::unique_ptr<test::TempDir> dir_;
  std::string path_;
  std::string url_;  // the PostgreSQL test database
  std::unique_ptr<MetadataBackend> backend_;
  MetadataStore* store_ = nullptr;
  std::unique_ptr<Connection> raw_;
  std::unique_ptr<pg::Connection> pg_raw_;
};

}  // namespace mv::storage
