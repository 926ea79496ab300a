// MaintenanceService on the real stores: verify finds what is missing or corrupt and which
// versions that breaks; gc removes only what nothing references and the grace period
// does not protect, also while uploads publish the same bytes.
#include <thread>

#include "registry/maintenance_service.h"
#include "tests/reliability/store_fixture.h"

namespace mv::reliability {
namespace {

class MaintenanceTest : public StoreTest {
 protected:
  MaintenanceService& service() {
    if (!service_) service_ = std::make_unique<MaintenanceService>(*blobs_, *maint_, clock_);
    return *service_;
  }
  VerifyReport Verify(int jobs = 2) {
    VerifyOptions o;
    o.jobs = jobs;
    auto r = service().Verify(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }
  GcReport Gc(GcOptions o) {
    auto r = service().Gc(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : GcReport{};
  }

  std::unique_ptr<MaintenanceService> service_;
};

TEST_F(MaintenanceTest, VerifyPassesOnAnIntactStoreAndCountsSharedBlobsOnce) {
  AddVersion({{"a.bin", "alpha"}, {"b.bin", "shared"}});
  AddVersion({{"c.bin", "shared"}});
  Put("nobody points here");
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.blobs_checked, 3);
  EXPECT_EQ(r.bytes_checked, 5 + 6 + 18);
  EXPECT_EQ(r.referenced_blobs, 2);
  EXPECT_EQ(r.unreferenced_blobs, 1);
  EXPECT_TRUE(r.BrokenVersions().empty());
}

TEST_F(MaintenanceTest, VerifyReportsCorruptAndMissingBlobsAndTheVersionsTheyBreak) {
  AddVersion({{"ok.bin", "fine"}});
  AddVersion({{"rot.bin", "bit rot here"}, {"ok.bin", "fine"}});
  AddVersion({{"gone.bin", "deleted by hand"}});
  const std::string rot = util::Sha256Hex("bit rot here");
  const std::string gone = util::Sha256Hex("deleted by hand");
  Corrupt(rot);
  ASSERT_EQ(::unlink(blobs_->PathFor(gone).c_str()), 0);

  VerifyReport r = Verify();
  ASSERT_EQ(r.problems.size(), 2u);
  std::map<std::string, BlobProblem> by_sha;
  for (const BlobProblem& p : r.problems) by_sha[p.sha256] = p;
  EXPECT_EQ(by_sha[rot].problem, "corrupt");
  EXPECT_NE(by_sha[rot].detail.find("hash to"), std::string::npos);
  ASSERT_EQ(by_sha[rot].refs.size(), 1u);
  EXPECT_EQ(by_sha[rot].refs[0].artifact, "rot.bin");
  EXPECT_EQ(by_sha[rot].refs[0].version, 2);
  EXPECT_EQ(by_sha[gone].problem, "missing");
  EXPECT_EQ(r.BrokenVersions(), (std::vector<std::string>{"m:2", "m:3"}));
}

TEST_F(MaintenanceTest, VerifyHashesManyBlobsOnManyThreadsAndReportsProgress) {
  std::string big(3 << 20, 'x');
  for (int i = 0; i < 40; ++i) AddVersion({{"f" + std::to_string(i), big + std::to_string(i)}});
  VerifyOptions o;
  o.jobs = 4;
  VerifyProgress last;
  int calls = 0;
  o.progress = [&](const VerifyProgress& p) {
    EXPECT_LE(p.bytes_done, p.bytes_total);
    last = p;
    ++calls;
  };
  auto r = service().Verify(o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->blobs_checked, 40);
  EXPECT_GE(calls, 1);
  EXPECT_EQ(last.blobs_done, 40);
  EXPECT_EQ(last.bytes_done, last.bytes_total);
  EXPECT_EQ(last.bytes_total, r->bytes_checked);
}

TEST_F(MaintenanceTest, GcRemovesOnlyUnreferencedBlobsOlderThanTheGrace) {
  AddVersion({{"kept.bin", "in use"}});
  const std::string in_use = util::Sha256Hex("in use");
  const std::string old_orphan = Put("old orphan");
  const std::string young_orphan = Put("young orphan");
  SetMtime(in_use, Now() - 5 * kHourMs);
  SetMtime(old_orphan, Now() - 2 * kHourMs);

  GcOptions dry;
  dry.dry_run = true;
  GcReport preview = Gc(dry);
  EXPECT_EQ(preview.blobs_removed, 1);
  EXPECT_TRUE(Stored(old_orphan));

  GcReport r = Gc(GcOptions{});
  EXPECT_EQ(r.blobs_removed, 1);
  EXPECT_EQ(r.bytes_removed, 10);
  EXPECT_EQ(r.blobs_referenced, 1);
  EXPECT_EQ(r.blobs_in_grace, 1);
  EXPECT_FALSE(Stored(old_orphan));
  EXPECT_TRUE(Stored(young_orphan));
  EXPECT_TRUE(Stored(in_use));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(MaintenanceTest, GcReclaimsTheBlobsOfDeletedVersionsButNotSharedOnes) {
  const int64_t doomed = AddVersion({{"only.bin", "only here"}, {"both.bin", "shared"}});
  AddVersion({{"both.bin", "shared"}});
  ASSERT_TRUE(meta_->DeleteVersion("m", doomed, "gone", kWho, Now()).ok());
  const std::string only = util::Sha256Hex("only here");
  const std::string shared = util::Sha256Hex("shared");
  SetMtime(only, Now() - 2 * kHourMs);
  SetMtime(shared, Now() - 2 * kHourMs);

  GcReport r = Gc(GcOptions{});
  EXPECT_EQ(r.blobs_removed, 1);
  EXPECT_EQ(r.records_forgotten, 1);
  EXPECT_FALSE(Stored(only));
  EXPECT_TRUE(Stored(shared));
  EXPECT_TRUE(Verify().ok());
}

TEST_F(MaintenanceTest, GcDeletesStaleDraftsWithAnAuditEventAndThenTheirBlobs) {
  const int64_t stale =
      AddVersion({{"w.bin", "stale draft bytes"}}, false, Now() - 9 * 24 * kHourMs);
  const int64_t fresh = AddVersion({{"w.bin", "fresh draft bytes"}}, false);
  SetMtime(util::Sha256Hex("stale draft bytes"), Now() - 9 * 24 * kHourMs);

  GcOptions o;
  o.drafts_older_than_ms = 7 * 24 * kHourMs;
  o.dry_run = true;
  EXPECT_EQ(Gc(o).drafts_deleted.size(), 1u);
  EXPECT_TRUE(meta_->GetVersion("m", stale).ok());

  o.dry_run = false;
  GcReport r = Gc(o);
  ASSERT_EQ(r.drafts_deleted.size(), 1u);
  EXPECT_EQ(r.drafts_deleted[0].version, stale);
  EXPECT_EQ(r.blobs_removed, 1);
  EXPECT_EQ(meta_->GetVersion("m", stale).status().code(), Code::kNotFound);
  EXPECT_TRUE(meta_->GetVersion("m", fresh).ok());
  EXPECT_FALSE(Stored(util::Sha256Hex("stale draft bytes")));
  AuditQuery q;
  q.action = "version.expire";
  auto events = meta_->ListAudit(q);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].version.value_or(0), stale);
  EXPECT_EQ((*events)[0].actor, "gc");
}

TEST_F(MaintenanceTest, DeleteDraftRefusesSealedAndRecentlyChangedVersions) {
  const int64_t sealed = AddVersion({{"a", "sealed bytes"}}, true, Now() - 9 * 24 * kHourMs);
  const int64_t draft = AddVersion({{"a", "draft bytes"}}, false);
  const int64_t cutoff = Now() - 7 * 24 * kHourMs;
  EXPECT_EQ(maint_->DeleteDraft("m", sealed, Now(), kWho, Now()).code(), Code::kFailedPrecondition);
  EXPECT_EQ(maint_->DeleteDraft("m", draft, cutoff, kWho, Now()).code(), Code::kFailedPrecondition);
  EXPECT_EQ(maint_->DeleteDraft("m", 99, cutoff, kWho, Now()).code(), Code::kNotFound);
  EXPECT_TRUE(meta_->GetVersion("m", draft).ok());
}

// The race gc must win: an upload of bytes that are already stored, but unreferenced and
// old, publishes (finds the blob, keeps it) at the moment gc removes it. Either order must
// leave the blob stored, because the upload records it right after.
TEST_F(MaintenanceTest, RemovalAndADeduplicatingPublishNeverLoseTheBlob) {
  const std::string bytes(64 << 10, 'r');
  const std::string sha = Put(bytes);
  int removed = 0;
  for (int round = 0; round < 200; ++round) {
    SetMtime(sha, Now() - 2 * kHourMs);
    auto w = blobs_->NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(bytes).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    Status published;
    Result<bool> gone = false;
    std::thread upload([&] { published = (*w)->Publish(); });
    std::thread gc([&] { gone = blobs_->RemoveIfOlder(sha, Now() - kHourMs); });
    upload.join();
    gc.join();
    ASSERT_TRUE(published.ok()) << published.ToString();
    ASSERT_TRUE(gone.ok());
    removed += *gone ? 1 : 0;
    ASSERT_TRUE(Stored(sha)) << "round " << round << ": the published blob was lost";
  }
  RecordProperty("removed_before_publish", removed);
}

TEST_F(MaintenanceTest, GcRefusesANegativeGrace) {
  GcOptions o;
  o.grace_ms = -1;
  EXPECT_EQ(service().Gc(o).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv::reliability
