// The parity jobs' queue with leases (registry/parity_jobs.h), on every backend: enqueue marks
// the report pending once, a claim is exclusive (also between stores on one database, as
// replicas are), a lease that ended is taken over, a renewal keeps it, a finish stores the
// report and removes the job, and an owner that lost its lease can neither renew nor store.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "schema/migrations.h"
#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

constexpr int64_t kLease = 1000;

class ParityJobsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    MustCreateModel("m");
  }

  ParityJobs& Jobs() { return backend_->parity_jobs(); }

  // Queues version `number`, expecting a new job.
  void MustEnqueue(int64_t number, int64_t now_ms = kT0) {
    auto queued = Jobs().EnqueueParityJob("m", number, R"({"message":"queued"})", now_ms, 100);
    ASSERT_TRUE(queued.ok()) << queued.status().ToString();
    EXPECT_TRUE(*queued) << number;
  }

  std::optional<ParityJob> Claim(ParityJobs& jobs, const std::string& owner, int64_t now_ms,
                                 int64_t lease_ms = kLease) {
    auto job = jobs.ClaimParityJob(owner, lease_ms, now_ms);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : std::nullopt;
  }

  std::string ParityStatus(int64_t number) {
    auto reports = store_->ListVersionReports("m", number);
    EXPECT_TRUE(reports.ok()) << reports.status().ToString();
    if (!reports.ok()) return "";
    for (const VersionReport& r : *reports) {
      if (r.kind == "parity") return r.status;
    }
    return "none";
  }

  // Another store on the same database, with its own connections: a second replica.
  std::unique_ptr<MetadataBackend> OpenReplica() {
    auto b = OpenMetadata(IsSqlite() ? "" : url_, dir_->path(), 2);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::make_unique<MetadataBackend>(std::move(b).value()) : nullptr;
  }
};

TEST_P(ParityJobsTest, EnqueueMarksPendingOnceWhileQueuedOrRunning) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  EXPECT_EQ(ParityStatus(n), "pending");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 1);
  auto again = Jobs().EnqueueParityJob("m", n, R"({"message":"again"})", kT0 + 1, 100);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);
  auto job = Claim(Jobs(), "a", kT0 + 2);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->model, "m");
  EXPECT_EQ(job->number, n);
  EXPECT_EQ(job->owner, "a");
  EXPECT_EQ(job->attempts, 1);
  EXPECT_EQ(job->lease_until_ms, kT0 + 2 + kLease);
  again = Jobs().EnqueueParityJob("m", n, R"({"message":"again"})", kT0 + 3, 100);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "a running job is not queued twice";
  auto reports = store_->ListVersionReports("m", n);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].report_json, R"({"message":"queued"})");  // the first enqueue's
  ASSERT_TRUE(Jobs().FinishParityJob(*job, "passed", R"({"ok":true})", kT0 + 4).ok());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 0);
  EXPECT_EQ(ParityStatus(n), "passed");
  MustEnqueue(n, kT0 + 5);  // finished: a re-run queues it again
  EXPECT_EQ(ParityStatus(n), "pending");
}

TEST_P(ParityJobsTest, EnqueueRefusesWhatHasNoReportAndAFullQueue) {
  const int64_t draft = MustCreateVersion("m", false);
  const int64_t gone = MustCreateVersion("m", true);
  ASSERT_TRUE(store_->DeleteVersion("m", gone, "", kWho, kT0 + 1).ok());
  const int64_t a = MustCreateVersion("m", true), b = MustCreateVersion("m", true);
  EXPECT_EQ(Jobs().EnqueueParityJob("m", draft, "{}", kT0, 100).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(Jobs().EnqueueParityJob("m", gone, "{}", kT0, 100).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(Jobs().EnqueueParityJob("m", 99, "{}", kT0, 100).status().code(), Code::kNotFound);
  EXPECT_EQ(Jobs().EnqueueParityJob("nope", 1, "{}", kT0, 100).status().code(), Code::kNotFound);
  EXPECT_EQ(Jobs().EnqueueParityJob("m", a, "[]", kT0, 100).status().code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(Jobs().EnqueueParityJob("m", a, "{}", kT0, 1).ok());
  EXPECT_EQ(Jobs().EnqueueParityJob("m", b, "{}", kT0, 1).status().code(), Code::kUnavailable);
  auto again = Jobs().EnqueueParityJob("m", a, "{}", kT0, 1);  // already queued: no error
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);
  EXPECT_EQ(ParityStatus(b), "none");
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 1);
}

TEST_P(ParityJobsTest, ClaimsTakeTheOldestJobOnceAndNothingWhenNoneIsClaimable) {
  EXPECT_FALSE(Claim(Jobs(), "a", kT0).has_value());
  const int64_t first = MustCreateVersion("m", true), second = MustCreateVersion("m", true);
  MustEnqueue(first);
  MustEnqueue(second);
  auto one = Claim(Jobs(), "a", kT0 + 1);
  auto two = Claim(Jobs(), "b", kT0 + 1);
  ASSERT_TRUE(one.has_value() && two.has_value());
  EXPECT_EQ(one->number, first);
  EXPECT_EQ(two->number, second);
  EXPECT_NE(one->id, two->id);
  EXPECT_FALSE(Claim(Jobs(), "c", kT0 + 2).has_value());
}

TEST_P(ParityJobsTest, ALeaseThatEndedIsTakenOverAndTheOldOwnerCanNeitherRenewNorStore) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  auto a = Claim(Jobs(), "replica-a", kT0);
  ASSERT_TRUE(a.has_value());
  auto other = OpenReplica();
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(Claim(other->parity_jobs(), "replica-b", kT0 + kLease - 1).has_value());
  auto b = Claim(other->parity_jobs(), "replica-b", kT0 + kLease + 1);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(b->owner, "replica-b");
  EXPECT_EQ(b->attempts, 2);
  EXPECT_EQ(Jobs().RenewParityJob(a->id, a->owner, kLease, kT0 + kLease + 2).code(),
            Code::kAborted);
  EXPECT_EQ(Jobs().FinishParityJob(*a, "failed", R"({"stale":true})", kT0 + kLease + 3).code(),
            Code::kAborted);
  EXPECT_EQ(ParityStatus(n), "pending") << "the stale owner's result must not be stored";
  ASSERT_TRUE(other->parity_jobs().FinishParityJob(*b, "passed", "{}", kT0 + kLease + 4).ok());
  EXPECT_EQ(ParityStatus(n), "passed");
  EXPECT_EQ(Jobs().FinishParityJob(*a, "failed", "{}", kT0 + kLease + 5).code(), Code::kAborted);
  EXPECT_EQ(ParityStatus(n), "passed");
}

TEST_P(ParityJobsTest, ARenewalKeepsTheLease) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  auto a = Claim(Jobs(), "a", kT0);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(Jobs().RenewParityJob(a->id, "a", kLease, kT0 + 800).ok());
  EXPECT_FALSE(Claim(Jobs(), "b", kT0 + kLease + 1).has_value());  // the first lease's end
  EXPECT_FALSE(Claim(Jobs(), "b", kT0 + 800 + kLease - 1).has_value());
  // An owner whose lease ended but that nobody took over still holds the job.
  ASSERT_TRUE(Jobs().RenewParityJob(a->id, "a", kLease, kT0 + 5000).ok());
  EXPECT_FALSE(Claim(Jobs(), "b", kT0 + 5500).has_value());
  EXPECT_EQ(Jobs().RenewParityJob(a->id, "b", kLease, kT0 + 5600).code(), Code::kAborted);
  auto b = Claim(Jobs(), "b", kT0 + 5000 + kLease + 1);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->owner, "b");
}

TEST_P(ParityJobsTest, FinishStoresTheReportRemovesTheJobAndCounts) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  auto before = Jobs().FinishedParityJobs();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto job = Claim(Jobs(), "a", kT0);
  ASSERT_TRUE(job.has_value());
  // A bad report is refused and the job stays held.
  EXPECT_EQ(Jobs().FinishParityJob(*job, "pass ed", "{}", kT0 + 1).code(), Code::kInvalidArgument);
  EXPECT_EQ(Jobs().FinishParityJob(*job, "passed", "[]", kT0 + 1).code(), Code::kInvalidArgument);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 1);
  ASSERT_TRUE(Jobs().FinishParityJob(*job, "failed", R"({"why":"x"})", kT0 + 2).ok());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 0);
  auto reports = store_->ListVersionReports("m", n);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].status, "failed");
  EXPECT_EQ((*reports)[0].report_json, R"({"why":"x"})");
  EXPECT_EQ((*reports)[0].updated_at_ms, kT0 + 2);
  auto after = Jobs().FinishedParityJobs();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before + 1);
  EXPECT_EQ(Jobs().FinishParityJob(*job, "failed", "{}", kT0 + 3).code(), Code::kAborted);
}

TEST_P(ParityJobsTest, TheJobOfADeletedVersionEndsWithoutAReport) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  auto job = Claim(Jobs(), "a", kT0);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store_->DeleteVersion("m", n, "", kWho, kT0 + 1).ok());
  EXPECT_EQ(Jobs().FinishParityJob(*job, "passed", "{}", kT0 + 2).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs"), 0);
  EXPECT_FALSE(Claim(Jobs(), "b", kT0 + 10 * kLease).has_value());
}

TEST_P(ParityJobsTest, RequeueHandsRunningJobsBackAtOnce) {
  const int64_t n = MustCreateVersion("m", true);
  MustEnqueue(n);
  auto a = Claim(Jobs(), "before-the-crash", kT0);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(Jobs().RequeueRunningParityJobs().ok());
  auto b = Claim(Jobs(), "after-the-restart", kT0 + 1);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->attempts, 2);  // the interrupted run counts
  EXPECT_EQ(Jobs().FinishParityJob(*a, "passed", "{}", kT0 + 2).code(), Code::kAborted);
}

// Replicas claiming at once (threads over several stores on one database) never get the
// same job: every job is claimed exactly once.
TEST_P(ParityJobsTest, ClaimsAreExclusiveUnderConcurrentReplicas) {
  constexpr int kJobs = 40, kReplicas = 4, kThreadsPerReplica = 2;
  for (int i = 0; i < kJobs; ++i) MustEnqueue(MustCreateVersion("m", true));
  std::vector<std::unique_ptr<MetadataBackend>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(OpenReplica());
    ASSERT_NE(replicas.back(), nullptr);
  }
  std::mutex mu;
  std::vector<int64_t> claimed;
  int errors = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kReplicas * kThreadsPerReplica; ++t) {
    threads.emplace_back([&, t] {
      ParityJobs& jobs = replicas[t % kReplicas]->parity_jobs();
      const std::string owner = "owner-" + std::to_string(t);
      while (true) {
        auto job = jobs.ClaimParityJob(owner, 60000, kT0 + 1);
        std::lock_guard<std::mutex> lock(mu);
        if (!job.ok()) {
          ++errors;
          ADD_FAILURE() << job.status().ToString();
          return;
        }
        if (!job->has_value()) return;
        claimed.push_back((*job)->id);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), claimed.size())
      << "a job was claimed twice";
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM parity_jobs WHERE state = 'running'"), kJobs);
}

// A database upgraded to the job table: versions whose parity was left pending (queued in a
// process's memory before) get a job; other reports and tombstones do not.
TEST_P(ParityJobsTest, ChecksLeftPendingBeforeTheUpgradeGetAJob) {
  const int64_t pending = MustCreateVersion("m", true), passed = MustCreateVersion("m", true);
  const int64_t gone = MustCreateVersion("m", true);
  ASSERT_TRUE(store_->PutVersionReport("m", pending, "parity", "pending", "{}", kT0).ok());
  ASSERT_TRUE(store_->PutVersionReport("m", passed, "parity", "passed", "{}", kT0).ok());
  ASSERT_TRUE(store_->PutVersionReport("m", gone, "parity", "pending", "{}", kT0).ok());
  ASSERT_TRUE(store_->DeleteVersion("m", gone, "", kWho, kT0 + 1).ok());
  // The schema before the job table, then that migration's own statements once more.
  const auto& all = IsSqlite() ? schema::Migrations() : schema::PostgresMigrations();
  auto migration = std::find_if(all.begin(), all.end(), [](const schema::Migration& m) {
    return std::string(m.name).find("parity_jobs") != std::string::npos;
  });
  ASSERT_NE(migration, all.end());
  ASSERT_TRUE(RawExec("DROP TABLE parity_jobs; DROP TABLE parity_jobs_finished").ok());
  Status migrated = RawExec(migration->sql);
  ASSERT_TRUE(migrated.ok()) << migrated.ToString();
  Reopen();
  auto job = Claim(Jobs(), "a", kT0 + 2);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->number, pending);
  EXPECT_FALSE(Claim(Jobs(), "a", kT0 + 2).has_value());
}

MV_STORE_BACKENDS(ParityJobsTest);

}  // namespace
}  // namespace mv::storage
