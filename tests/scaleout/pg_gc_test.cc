// verify and gc on PostgreSQL + S3 (label scaleout, run under tests/scaleout/pg_env.sh; the
// s3rver is started by the test binary). Each "replica" is its own MetadataBackend (its own
// connection pool) and its own S3BlobStore object (its own process-local removal lock), as
// separate processes would be; gc runs on a third pair, so only the database can order it
// against the uploads (registry/blob_guard.h, storage/postgres/pg_blob_pins.h).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/s3_transport.h"
#include "registry/maintenance_service.h"
#include "registry/version_service.h"
#include "storage/open_blobs.h"
#include "storage/open_metadata.h"
#include "tests/scaleout/blob_store_env.h"
#include "tests/scaleout/pg_server.h"
#include "tests/unit/temp_dir.h"
#include "util/sha256.h"

namespace mv {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
const Actor kWho{"alice", ""};

// The system time plus an offset the test moves (gc "hours later").
class OffsetClock final : public Clock {
 public:
  int64_t NowMs() override { return system_.NowMs() + offset_ms.load(); }
  std::atomic<int64_t> offset_ms{0};

 private:
  SystemClock system_;
};

// One process's stores and the services over them.
struct Replica {
  storage::MetadataBackend backend;
  std::unique_ptr<BlobStore> blobs;
  storage::S3BlobStore* s3 = nullptr;
  std::unique_ptr<VersionService> versions;
};

class PgGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::PgAdminUrl().empty()) GTEST_SKIP() << "MV_TEST_PG unset: run under pg_env.sh";
    auto url = test::CreatePgDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    test::S3Server* server = test::BlobStoreEnv::Server();
    ASSERT_NE(server, nullptr);
    test::S3Server::SetCredentialsEnv();
    static std::atomic<int> counter{0};
    blobs_url_ =
        server->BlobsUrl("gc" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    Replica& first = NewReplica();
    NewModel m;
    m.name = "m";
    ASSERT_TRUE(first.backend.meta().CreateModel(m, kWho, clock_.NowMs()).ok());
    auto meta = storage::OpenMaintenanceStore(url_, dir_.path(), false);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    maint_ = std::move(meta).value();
    auto blobs = storage::OpenBlobs(blobs_url_, dir_.path(), {}, api::OverHttplib());
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    gc_blobs_ = std::move(blobs->store);
    service_ = std::make_unique<MaintenanceService>(*gc_blobs_, *maint_, gc_clock_);
  }
  void TearDown() override {
    service_.reset();
    maint_.reset();
    replicas_.clear();
    if (!url_.empty()) {
      EXPECT_TRUE(test::DropPgDatabase(url_).ok());
    }
  }

  Replica& NewReplica() {
    auto r = std::make_unique<Replica>();
    auto backend = storage::OpenMetadata(url_, dir_.path(), 4);
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    r->backend = std::move(backend).value();
    auto blobs = storage::OpenBlobs(blobs_url_, dir_.path(), {}, api::OverHttplib());
    EXPECT_TRUE(blobs.ok()) << blobs.status().ToString();
    r->blobs = std::move(blobs->store);
    r->s3 = blobs->s3;
    r->versions =
        std::make_unique<VersionService>(r->backend.meta(), *r->blobs, clock_, VersionLimits{});
    // MV_NO_PINS=1 runs the replicas without pins, to watch the race test lose versions.
    r->versions->GuardBlobs(std::getenv("MV_NO_PINS") ? nullptr : r->backend.blob_guard());
    replicas_.push_back(std::move(r));
    return *replicas_.back();
  }

  // A sealed version of "m" holding `files` (name -> bytes); its number, 0 on failure.
  static Result<int64_t> Upload(Replica& r, const std::map<std::string, std::string>& files) {
    std::vector<std::unique_ptr<ArtifactUpload>> uploads;
    for (const auto& [name, bytes] : files) {
      ASSIGN_OR_RETURN(std::unique_ptr<ArtifactUpload> up, r.versions->BeginArtifact(name));
      RETURN_IF_ERROR(up->Write(bytes));
      uploads.push_back(std::move(up));
    }
    ASSIGN_OR_RETURN(Version v, r.versions->Create("m", VersionSpec{}, std::move(uploads), kWho));
    return v.number;
  }

  int64_t MustUpload(const std::map<std::string, std::string>& files) {
    auto n = Upload(*replicas_[0], files);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }

  bool Stored(const std::string& sha) {
    auto there = gc_blobs_->Exists(sha);
    EXPECT_TRUE(there.ok()) << there.status().ToString();
    return there.ok() && *there;
  }

  GcReport Gc(GcOptions o) {
    auto r = service_->Gc(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : GcReport{};
  }

  test::TempDir dir_;
  std::string url_;
  std::string blobs_url_;
  OffsetClock clock_;     // the replicas'
  OffsetClock gc_clock_;  // gc's
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::unique_ptr<MaintenanceStore> maint_;
  std::unique_ptr<BlobStore> gc_blobs_;
  std::unique_ptr<MaintenanceService> service_;
};

TEST_F(PgGcTest, VerifyFindsACorruptAndAMissingObjectAndNamesTheVersionsTheyBreak) {
  MustUpload({{"ok.bin", "fine bytes"}});
  MustUpload({{"rot.bin", "bit rot here"}, {"ok.bin", "fine bytes"}});
  MustUpload({{"gone.bin", "deleted by hand"}});
  const std::string rot = util::Sha256Hex("bit rot here");
  const std::string gone = util::Sha256Hex("deleted by hand");
  storage::S3BlobStore& s3 = *replicas_[0]->s3;
  ASSERT_TRUE(s3.client().Put(s3.BlobKey(rot), "bit rot HERE").ok());
  ASSERT_TRUE(s3.client().Delete(s3.BlobKey(gone)).ok());

  VerifyOptions o;
  o.jobs = 2;
  auto r = service_->Verify(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->problems.size(), 2u);
  std::map<std::string, BlobProblem> by_sha;
  for (const BlobProblem& p : r->problems) by_sha[p.sha256] = p;
  EXPECT_EQ(by_sha[rot].problem, "corrupt");
  EXPECT_EQ(by_sha[rot].detail, "bytes hash to " + util::Sha256Hex("bit rot HERE"));
  EXPECT_EQ(by_sha[gone].problem, "missing");
  EXPECT_EQ(r->BrokenVersions(), (std::vector<std::string>{"m:2", "m:3"}));
  EXPECT_EQ(r->blobs_checked, 2);  // fine bytes, and the rotten object
}

TEST_F(PgGcTest, GcRemovesUnreferencedObjectsPastGraceKeepsReferencedOnesAndStaleDrafts) {
  MustUpload({{"keep.bin", "kept: a live version"}});
  const int64_t dropped = MustUpload({{"drop.bin", "a deleted version's"}});
  ASSERT_TRUE(replicas_[0]->versions->Delete("m", dropped, "", kWho).ok());
  auto draft = replicas_[0]->versions->CreateDraft("m", VersionSpec{}, kWho);
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();
  auto up = replicas_[0]->versions->BeginArtifact("draft.bin");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->Write("a draft's bytes").ok());
  ASSERT_TRUE(
      replicas_[0]->versions->PutDraftArtifact("m", draft->number, std::move(*up), kWho).ok());
  const std::string keep = util::Sha256Hex("kept: a live version");
  const std::string drop = util::Sha256Hex("a deleted version's");
  const std::string drafted = util::Sha256Hex("a draft's bytes");

  GcOptions o;
  o.grace_ms = kHourMs;
  GcReport young = Gc(o);  // everything was published just now
  EXPECT_EQ(young.blobs_removed, 0);
  EXPECT_EQ(young.blobs_in_grace, 1);
  EXPECT_TRUE(Stored(drop));

  gc_clock_.offset_ms = 2 * kHourMs;
  GcReport later = Gc(o);
  EXPECT_EQ(later.blobs_removed, 1);
  EXPECT_EQ(later.blobs_referenced, 2);
  EXPECT_EQ(later.records_forgotten, 1);
  EXPECT_FALSE(Stored(drop));
  EXPECT_TRUE(Stored(keep));
  EXPECT_TRUE(Stored(drafted));

  o.drafts_older_than_ms = kHourMs;
  GcReport drafts = Gc(o);
  ASSERT_EQ(drafts.drafts_deleted.size(), 1u);
  EXPECT_EQ(drafts.drafts_deleted[0].version, draft->number);
  EXPECT_EQ(drafts.blobs_removed, 1);
  EXPECT_FALSE(Stored(drafted));
  EXPECT_TRUE(Stored(keep));
  EXPECT_EQ(replicas_[0]->versions->Get("m", draft->number).status().code(), Code::kNotFound);
  auto reread = replicas_[0]->versions->OpenArtifact("m", 1, "keep.bin");
  EXPECT_TRUE(reread.ok()) << reread.status().ToString();
}

TEST_F(PgGcTest, APinnedBlobIsKeptAndAClaimMakesThePinWait) {
  const std::string sha = test::PutBlob(*gc_blobs_, "pinned bytes", 1024);
  auto pin = replicas_[0]->backend.blob_guard()->Pin(sha);
  ASSERT_TRUE(pin.ok()) << pin.status().ToString();
  auto refused = maint_->ClaimBlobRemoval(sha);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(*refused, nullptr) << "claimed a pinned blob";
  pin->reset();
  auto claim = maint_->ClaimBlobRemoval(sha);
  ASSERT_TRUE(claim.ok());
  ASSERT_NE(*claim, nullptr);
  auto second = maint_->ClaimBlobRemoval(sha);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, nullptr) << "two gcs claimed one blob";
  std::atomic<bool> pinned{false};
  std::thread upload([&] {
    auto p = replicas_[0]->backend.blob_guard()->Pin(sha);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    pinned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(pinned.load()) << "a pin went through a live claim";
  claim->reset();
  upload.join();
  EXPECT_TRUE(pinned.load());
}

// The hazard: an upload finds its bytes already stored (dedup) and commits a version that
// references them while gc, having seen them unreferenced, deletes them. gc's clock runs an
// hour ahead with grace 0, so every unreferenced object is old enough: only the database's
// pins and claims keep the acknowledged versions readable.
TEST_F(PgGcTest, DedupUploadsRacingGcAcrossReplicasNeverLoseAnAcknowledgedVersion) {
  NewReplica();
  constexpr int kRounds = 12;
  constexpr int kUploadersPerReplica = 2;
  gc_clock_.offset_ms = kHourMs;
  GcOptions o;
  o.grace_ms = 0;
  int64_t removed = 0;
  std::vector<std::pair<int64_t, std::string>> acknowledged;  // version, its bytes' digest
  for (int round = 0; round < kRounds; ++round) {
    const std::string bytes = "shared content of round " + std::to_string(round) +
                              std::string(4096, static_cast<char>('a' + round));
    // Stored, then unreferenced: gc's candidate.
    const int64_t seed = MustUpload({{"w.bin", bytes}});
    ASSERT_TRUE(replicas_[0]->versions->Delete("m", seed, "", kWho).ok());
    std::atomic<int> running{2 * kUploadersPerReplica};
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int i = 0; i < 2 * kUploadersPerReplica; ++i) {
      threads.emplace_back([&, i] {
        auto n = Upload(*replicas_[i % 2], {{"w.bin", bytes}});
        EXPECT_TRUE(n.ok()) << n.status().ToString();
        if (n.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back({*n, util::Sha256Hex(bytes)});
        }
        --running;
      });
    }
    threads.emplace_back([&] {
      while (running > 0) {
        auto r = service_->Gc(o);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        if (r.ok()) removed += r->blobs_removed;
      }
    });
    for (std::thread& t : threads) t.join();
  }
  for (const auto& [number, sha] : acknowledged) {
    auto a = replicas_[1]->versions->OpenArtifact("m", number, "w.bin");
    ASSERT_TRUE(a.ok()) << "version " << number << ": " << a.status().ToString();
    EXPECT_EQ(util::Sha256Hex(test::ReadBlob(*gc_blobs_, sha)), sha);
  }
  EXPECT_EQ(acknowledged.size(), static_cast<size_t>(kRounds * 2 * kUploadersPerReplica));
  EXPECT_GT(removed, 0) << "gc never removed a seed: the race was not exercised";
  RecordProperty("blobs_removed", static_cast<int>(removed));
  VerifyOptions vo;
  auto report = service_->Verify(vo);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.size() << " problems";
}

}  // namespace
}  // namespace mv
