// LifecycleService on the real SQLite store in a temp dir, with a fake clock and a
// promotion gate the test controls.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "registry/lifecycle_service.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace mv {

inline constexpr int64_t kT = 1'700'000'000'000;

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto store = storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    // The gate refuses the versions listed in refuse_ with their reason.
    service_ = std::make_unique<LifecycleService>(*store_, clock_, [this](const Version& v) {
      ++gate_calls_;
      gate_saw_.push_back(v.model + ":" + std::to_string(v.number));
      auto it = refuse_.find(v.number);
      return it == refuse_.end() ? Status::Ok() : FailedPrecondition(it->second);
    });
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    dir_.reset();
  }

  void MustCreateModel(const std::string& name) {
    NewModel m;
    m.name = name;
    ASSERT_TRUE(store_->CreateModel(m, who_, clock_.NowMs()).ok());
  }

  int64_t MustCreateVersion(const std::string& model, bool sealed = true,
                            const Lineage& lineage = {}) {
    Artifact a;
    a.name = "w.bin";
    a.sha256 = std::string(64, 'a');
    a.size = 1;
    a.kind = "other";
    a.created_at_ms = clock_.NowMs();
    VersionSpec spec;
    spec.lineage = lineage;
    auto v = store_->CreateVersion(model, spec, {a}, sealed, who_, clock_.NowMs());
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->number : -1;
  }

  StageRequest Req(const std::string& stage, bool force = false, const std::string& comment = "") {
    StageRequest r;
    r.stage = stage;
    r.force = force;
    r.comment = comment;
    return r;
  }

  // Moves `number` of "m" to `stage` at time kT + `at`, expecting success.
  void MoveAt(int64_t at, int64_t number, const std::string& stage) {
    clock_.Set(kT + at);
    auto r = service_->Transition("m", number, Req(stage), who_);
    ASSERT_TRUE(r.ok()) << number << " -> " << stage << ": " << r.status().ToString();
    ASSERT_TRUE(r->changed);
  }

  std::vector<AuditEvent> AllAudit(const std::string& model, const std::string& action = "") {
    AuditQuery q;
    q.model = model;
    q.action = action;
    q.limit = 100000;
    auto e = store_->ListAudit(q);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::vector<AuditEvent>{};
  }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{kT};
  Actor who_{"alice", "req-1"};
  std::map<int64_t, std::string> refuse_;
  int gate_calls_ = 0;
  std::vector<std::string> gate_saw_;
  std::unique_ptr<storage::SqliteMetadataStore> store_;
  std::unique_ptr<LifecycleService> service_;
};

}  // namespace mv
