// Cross-replica cache invalidation (label scaleout, run under tests/scaleout/pg_env.sh): two
// "replicas", each a TokenService over its own PgTokenStore connection, share one database;
// replica B listens through a PgChangeFeed, as `serve` wires it. The token cache lifetime is
// set far beyond the test's bounds, so only the feed can explain a refusal in time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "registry/clock.h"
#include "registry/token_service.h"
#include "storage/postgres/pg_change_feed.h"
#include "storage/postgres/pg_conn.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_token_store.h"
#include "tests/scaleout/pg_server.h"

namespace mv::storage::pg {
namespace {

using SteadyClock = std::chrono::steady_clock;
const Actor kWho{"alice", "req-1"};
constexpr auto kPollBound = std::chrono::seconds(2);

double MsSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::PgAdminUrl().empty()) GTEST_SKIP() << "MV_TEST_PG unset: run under pg_env.sh";
    auto url = test::CreatePgDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    auto a = PgTokenStore::Open(url_);
    auto b = PgTokenStore::Open(url_);
    ASSERT_TRUE(a.ok() && b.ok());
    store_a_ = std::move(a).value();
    store_b_ = std::move(b).value();
    TokenCacheOptions cache;
    cache.ttl_ms = 3'600'000;
    a_ = std::make_unique<TokenService>(*store_a_, clock_, cache);
    b_ = std::make_unique<TokenService>(*store_b_, clock_, cache);
    PgChangeFeedOptions options;
    options.poll_ms = 100;
    feed_ = std::make_unique<PgChangeFeed>(url_, options);
    feed_->Subscribe(ChangeTopic::kTokens, [this] { b_->DropCache(); });
    feed_->Start();
    ASSERT_TRUE(WaitForSessions(1)) << "the feed never listened";
  }
  void TearDown() override {
    if (feed_) feed_->Stop();
    feed_.reset();
    b_.reset();
    a_.reset();
    store_a_.reset();
    store_b_.reset();
    if (!url_.empty()) {
      EXPECT_TRUE(test::DropPgDatabase(url_).ok());
    }
  }

  bool WaitForSessions(uint64_t n) {
    const auto t0 = SteadyClock::now();
    while (feed_->sessions() < n) {
      if (SteadyClock::now() - t0 > std::chrono::seconds(10)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Made through replica A; its secret.
  std::string MustCreate(const std::string& name) {
    NewToken spec;
    spec.name = name;
    spec.scopes = {Scope::kRead};
    auto made = a_->Create(spec, kWho);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->secret : "";
  }

  // Milliseconds until replica B refuses `secret`, polling; -1 when it still accepts it
  // after kPollBound.
  double MsUntilBRefuses(const std::string& secret, SteadyClock::time_point t0) {
    while (SteadyClock::now() - t0 < kPollBound) {
      if (!b_->Authenticate(secret).ok()) return MsSince(t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return -1;
  }

  // Runs SQL on a connection of its own, bypassing the stores (and sending no notification).
  void RawExec(const std::string& sql) {
    auto c = Connection::Open(url_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Status s = (*c)->Exec(sql.c_str());
    ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }

  std::string url_;
  SystemClock clock_;
  std::unique_ptr<PgTokenStore> store_a_, store_b_;
  std::unique_ptr<TokenService> a_, b_;
  std::unique_ptr<PgChangeFeed> feed_;
};

TEST_F(ChangeFeedTest, ARevocationThroughOneReplicaIsRefusedByAnotherAtOnce) {
  const std::string quiet = MustCreate("quiet");
  const std::string loud = MustCreate("loud");
  ASSERT_TRUE(b_->Authenticate(quiet).ok());
  ASSERT_TRUE(b_->Authenticate(loud).ok());
  // Revoked behind the stores' backs, with no notification: B's cache still accepts it, which
  // is what the feed is for.
  RawExec("UPDATE tokens SET revoked_at = 1 WHERE name = 'quiet'");
  ASSERT_TRUE(b_->Authenticate(quiet).ok());

  const auto t0 = SteadyClock::now();
  ASSERT_TRUE(a_->Revoke("loud", kWho).ok());
  const double ms = MsUntilBRefuses(loud, t0);
  ASSERT_GE(ms, 0) << "replica B still accepts a token revoked through A after 2 s";
  EXPECT_LT(ms, 1000);
  std::printf("revocation seen by the other replica after %.1f ms\n", ms);
  RecordProperty("revocation_seen_ms", std::to_string(ms));
  auto refused = b_->Authenticate(loud);
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition) << refused.status().ToString();
  // The whole cache went: the quiet revocation is seen too.
  EXPECT_FALSE(b_->Authenticate(quiet).ok());
}

TEST_F(ChangeFeedTest, TheListenerReconnectsAfterItsBackendIsKilledAndDropsTheCache) {
  const std::string secret = MustCreate("ci");
  ASSERT_TRUE(b_->Authenticate(secret).ok());
  RawExec("UPDATE tokens SET revoked_at = 1 WHERE name = 'ci'");  // no notification
  ASSERT_TRUE(b_->Authenticate(secret).ok()) << "cached";

  const auto t0 = SteadyClock::now();
  RawExec(std::string("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                      "application_name = '") +
          PgChangeFeed::kApplicationName + "' AND datname = current_database()");
  const double ms = MsUntilBRefuses(secret, t0);
  ASSERT_GE(ms, 0) << "no reconnect, or the cache was kept after it";
  EXPECT_GE(feed_->sessions(), 2u);
  std::printf("listener reconnected and dropped the cache after %.1f ms\n", ms);

  // And it listens again: a revocation through A reaches B as before.
  const std::string next = MustCreate("next");
  ASSERT_TRUE(b_->Authenticate(next).ok());
  const auto t1 = SteadyClock::now();
  ASSERT_TRUE(a_->Revoke("next", kWho).ok());
  const double again = MsUntilBRefuses(next, t1);
  ASSERT_GE(again, 0);
  EXPECT_LT(again, 1000);
}

TEST_F(ChangeFeedTest, ALookupRacingARevocationIsNotCachedStale) {
  // Many rounds of: B reads the token while A revokes it; afterwards B must refuse it at once
  // (a lookup that read the store before the commit must not have been cached after the drop).
  for (int i = 0; i < 20; ++i) {
    const std::string name = "race-" + std::to_string(i);
    const std::string secret = MustCreate(name);
    std::thread reader([&] {
      for (int j = 0; j < 50; ++j) (void)b_->Authenticate(secret);
    });
    ASSERT_TRUE(a_->Revoke(name, kWho).ok());
    reader.join();
    EXPECT_GE(MsUntilBRefuses(secret, SteadyClock::now()), 0) << name;
  }
}

TEST_F(ChangeFeedTest, StopIsPromptAndFinal) {
  const auto t0 = SteadyClock::now();
  feed_->Stop();
  EXPECT_LT(MsSince(t0), 1000);
  const std::string secret = MustCreate("after");
  ASSERT_TRUE(b_->Authenticate(secret).ok());
  ASSERT_TRUE(a_->Revoke("after", kWho).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(b_->Authenticate(secret).ok()) << "a stopped feed calls no listener";
}

TEST_F(ChangeFeedTest, AParityReportStoredByOneReplicaWakesTheOthersPolls) {
  auto store = PgMetadataStore::Open(url_, 1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  NewModel nm;
  nm.name = "m";
  ASSERT_TRUE((*store)->CreateModel(nm, kWho, 1).ok());
  Artifact a;
  a.name = "w.bin";
  a.sha256 = std::string(64, 'a');
  a.size = 1;
  a.kind = "other";
  ASSERT_TRUE((*store)->CreateVersion("m", VersionSpec{}, {a}, true, kWho, 1).ok());

  std::atomic<int> heard{0};
  PgChangeFeed feed(url_);
  feed.Subscribe(ChangeTopic::kReports, [&heard] { ++heard; });
  feed.Start();
  const auto t_listen = SteadyClock::now();
  while (feed.sessions() < 1 && SteadyClock::now() - t_listen < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(feed.sessions(), 1u);
  const int after_connect = heard.load();  // each (re)connect calls the listener once

  // Another kind of report wakes nobody; a parity report does, as it commits.
  ASSERT_TRUE((*store)->PutVersionReport("m", 1, "weights", "ok", "{}", 2).ok());
  const auto t0 = SteadyClock::now();
  ASSERT_TRUE((*store)->PutVersionReport("m", 1, "parity", "passed", "{}", 3).ok());
  while (heard.load() == after_connect && SteadyClock::now() - t0 < kPollBound) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_LT(MsSince(t0), 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // room for a stray one
  EXPECT_EQ(heard.load(), after_connect + 1);
  feed.Stop();
}

TEST(ChangeFeedUnreachableTest, RetriesWithoutListenersAndStopsPromptly) {
  // Nothing listens on port 1: every attempt is refused at once, and retried.
  PgChangeFeedOptions options;
  options.retry_ms = 10;
  PgChangeFeed feed("postgres://postgres@127.0.0.1:1/none", options);
  std::atomic<int> heard{0};
  feed.Subscribe(ChangeTopic::kTokens, [&heard] { ++heard; });
  feed.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = SteadyClock::now();
  feed.Stop();
  EXPECT_LT(MsSince(t0), 1000);
  EXPECT_EQ(feed.sessions(), 0u);
  EXPECT_EQ(heard.load(), 0);
}

}  // namespace
}  // namespace mv::storage::pg
