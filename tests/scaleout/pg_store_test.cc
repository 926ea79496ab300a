// PostgreSQL-only store tests (label scaleout, run under tests/scaleout/pg_env.sh): the
// migrations, and what several replicas sharing one database must agree on. Each "replica"
// is its own store object with its own connection pool, as separate processes would be.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "registry/audit_chain.h"
#include "schema/migrations.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_token_store.h"
#include "tests/scaleout/pg_server.h"

namespace mv::storage::pg {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
const Actor kWho{"alice", "req-1"};

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::PgAdminUrl().empty()) GTEST_SKIP() << "MV_TEST_PG unset: run under pg_env.sh";
    auto url = test::CreatePgDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
  }
  void TearDown() override {
    replicas_.clear();
    if (!url_.empty()) {
      EXPECT_TRUE(test::DropPgDatabase(url_).ok());
    }
  }

  // A new replica: its own store and pool on the shared database.
  PgMetadataStore& Replica(int pool_size = 2) {
    auto s = PgMetadataStore::Open(url_, pool_size);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    replicas_.push_back(std::move(s).value());
    return *replicas_.back();
  }

  int64_t QueryInt(const std::string& sql) {
    auto c = Connection::Open(url_);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return -1;
    auto s = (*c)->PrepareDynamic(sql);
    auto row = s->Step();
    EXPECT_TRUE(row.ok() && *row) << sql << ": " << row.status().ToString();
    return row.ok() && *row ? s->Int(0) : -1;
  }

  void MustCreateModel(MetadataStore& store, const std::string& name) {
    NewModel nm;
    nm.name = name;
    auto m = store.CreateModel(nm, kWho, kT0);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
  }

  static std::vector<Artifact> OneArtifact() {
    Artifact a;
    a.name = "w.bin";
    a.sha256 = std::string(64, 'a');
    a.size = 10;
    a.kind = "other";
    a.created_at_ms = kT0;
    return {a};
  }

  std::string url_;
  std::vector<std::unique_ptr<PgMetadataStore>> replicas_;
};

TEST_F(PgStoreTest, ReplicasStartingTogetherApplyTheMigrationsOnce) {
  constexpr int kReplicas = 6;
  std::vector<std::unique_ptr<PgMetadataStore>> stores(kReplicas);
  std::vector<Status> errors(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      auto s = PgMetadataStore::Open(url_, 1);
      if (s.ok()) {
        stores[i] = std::move(s).value();
      } else {
        errors[i] = s.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& e : errors) EXPECT_TRUE(e.ok()) << e.ToString();
  const auto& all = schema::PostgresMigrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM schema_migrations"), static_cast<int64_t>(all.size()));
  auto v = stores[0]->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, all.back().number);
}

TEST_F(PgStoreTest, NewerSchemaThanTheBinaryIsRefused) {
  Replica();
  auto c = Connection::Open(url_);
  ASSERT_TRUE(c.ok());
  const std::string sql = "INSERT INTO schema_migrations VALUES (" +
                          std::to_string(schema::PostgresMigrations().back().number + 1) +
                          ", 'future.sql', 0)";
  ASSERT_TRUE((*c)->Exec(sql.c_str()).ok());
  EXPECT_EQ(PgMetadataStore::Open(url_, 1).status().code(), Code::kFailedPrecondition);
}

TEST_F(PgStoreTest, PromotionsRacingAcrossReplicasLeaveOneProduction) {
  constexpr int kReplicas = 32;
  std::vector<PgMetadataStore*> stores;
  for (int i = 0; i < kReplicas; ++i) stores.push_back(&Replica(1));
  MustCreateModel(*stores[0], "m");
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_TRUE(stores[i]->CreateVersion("m", VersionSpec{}, OneArtifact(), true, kWho, kT0).ok());
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      TransitionRequest req;
      req.to = Stage::kProduction;
      auto r = stores[i]->Transition("m", i + 1, req, kWho, kT0 + 10 + i);
      // Row locks serialize them: every promotion succeeds in turn, none is a 500.
      if (r.ok()) {
        ++ok;
      } else {
        ADD_FAILURE() << "version " << i + 1 << ": " << r.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kReplicas);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions WHERE stage = 'production'"), 1);
  auto holder = stores[5]->VersionInStage("m", Stage::kProduction);
  ASSERT_TRUE(holder.ok());
  // The chain written by 32 replicas at once is one unbroken chain.
  auto report = VerifyAuditChain(*stores[7]);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->message;
  EXPECT_EQ(report->rows, QueryInt("SELECT COUNT(*) FROM audit_events"));
}

TEST_F(PgStoreTest, VersionNumbersFromTwoReplicasAreUniqueAndDense) {
  constexpr int kPerThread = 15;
  constexpr int kThreadsPerReplica = 4;
  PgMetadataStore& a = Replica(kThreadsPerReplica);
  PgMetadataStore& b = Replica(kThreadsPerReplica);
  MustCreateModel(a, "m");
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<int64_t> numbers;
  for (int t = 0; t < 2 * kThreadsPerReplica; ++t) {
    PgMetadataStore& store = t % 2 == 0 ? a : b;
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto v = store.CreateVersion("m", VersionSpec{}, OneArtifact(), t % 3 != 0, kWho, kT0);
        if (!v.ok()) {
          ADD_FAILURE() << v.status().ToString();
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        numbers.push_back(v->number);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::sort(numbers.begin(), numbers.end());
  ASSERT_EQ(numbers.size(), static_cast<size_t>(2 * kThreadsPerReplica * kPerThread));
  for (size_t i = 0; i < numbers.size(); ++i) EXPECT_EQ(numbers[i], static_cast<int64_t>(i + 1));
  auto report = VerifyAuditChain(b);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->message;
}

TEST_F(PgStoreTest, TokensAreSharedAndNamesUniqueAcrossReplicas) {
  Replica();
  auto one = PgTokenStore::Open(url_);
  auto two = PgTokenStore::Open(url_);
  ASSERT_TRUE(one.ok() && two.ok());
  Token t;
  t.name = "ci";
  t.sha256 = std::string(64, 'c');
  t.scopes = {Scope::kRead, Scope::kPromote};
  t.created_at_ms = kT0;
  t.created_by = "bootstrap";
  ASSERT_TRUE((*one)->CreateToken(t, kWho, true).ok());
  t.sha256 = std::string(64, 'd');
  EXPECT_EQ((*two)->CreateToken(t, kWho, true).code(), Code::kAlreadyExists);
  auto found = (*two)->FindTokenByHash(std::string(64, 'c'));
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->scopes.size(), 2u);
  EXPECT_FALSE(found->expires_at_ms.has_value());
  ASSERT_TRUE((*two)->RevokeToken("ci", kWho, kT0 + 5).ok());
  EXPECT_EQ((*one)->RevokeToken("ci", kWho, kT0 + 6).status().code(), Code::kFailedPrecondition);
  auto count = (*one)->CountTokens();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
}

TEST_F(PgStoreTest, WebhookDeliveriesAreQueuedWithTheChange) {
  PgMetadataStore& store = Replica();
  Webhook hook;
  hook.url = "http://127.0.0.1:1/hook";
  hook.secret = "s";
  hook.events = {"model.created", "version.created"};
  hook.model_glob = "res*";
  auto created = store.CreateWebhook(hook, kT0);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  MustCreateModel(store, "resnet");
  MustCreateModel(store, "bert");  // outside the glob
  ASSERT_TRUE(store.CreateVersion("resnet", VersionSpec{}, OneArtifact(), true, kWho, kT0).ok());
  auto due = store.DueDeliveries(kT0 + 1, 10);
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].event, "model.created");
  EXPECT_EQ((*due)[1].event, "version.created");
  EXPECT_NE((*due)[1].snapshot_json.find("\"w.bin\""), std::string::npos)
      << (*due)[1].snapshot_json;
  DeliveryAttempt a;
  a.http_status = 200;
  a.status = "delivered";
  a.at_ms = kT0 + 2;
  ASSERT_TRUE(store.RecordAttempt((*due)[0].id, a).ok());
  auto list = store.ListDeliveries(created->id, 0, 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].status, "delivered");
  EXPECT_EQ((*list)[1].finished_at_ms, kT0 + 2);
  auto test_id = store.QueueTestDelivery(created->id, kWho, kT0 + 3);
  ASSERT_TRUE(test_id.ok()) << test_id.status().ToString();
  EXPECT_TRUE(store.DeleteWebhook(created->id).ok());
  EXPECT_EQ(store.DeleteWebhook(created->id).code(), Code::kNotFound);
}

}  // namespace
}  // namespace mv::storage::pg
