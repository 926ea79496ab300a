// BackupService on the real stores (snapshot, links, copies, problems), the snapshot file
// itself, and FsBlobStore's verifying reader.
#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "registry/backup_service.h"
#include "registry/maintenance_service.h"
#include "tests/reliability/store_fixture.h"

namespace mv::reliability {
namespace {

class BackupTest : public StoreTest {
 protected:
  // Backs the fixture's stores up into dir_/<name>; returns the report.
  CopyReport Backup(const std::string& name, bool links) {
    target_ = dir_->Join(name);
    std::filesystem::create_directories(target_);
    auto dest = storage::FsBlobStore::Create(target_ + "/blobs");
    EXPECT_TRUE(dest.ok()) << dest.status().ToString();
    if (!dest.ok()) return {};
    dest_ = std::move(dest).value();
    BackupService service(*blobs_, *maint_);
    CopyOptions o;
    o.allow_links = links;
    auto r = service.CopyTo(*dest_, target_ + "/modelvault.db", o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CopyReport{};
  }

  ino_t Inode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }

  std::string target_;
  std::unique_ptr<storage::FsBlobStore> dest_;
};

TEST_F(BackupTest, BackupLinksBlobsAndRestoreCopiesThemIntoAStoreThatVerifies) {
  AddVersion({{"a.onnx", "model bytes"}, {"b.pt", "weights"}});
  AddVersion({{"a.onnx", "model bytes"}});
  const int64_t draft = AddVersion({{"w", "draft bytes"}}, false);
  Put("unreferenced: not backed up");

  CopyReport r = Backup("backup", /*links=*/true);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.versions, 3);
  EXPECT_EQ(r.artifacts, 4);
  EXPECT_EQ(r.blobs.size(), 3u);
  EXPECT_EQ(r.blobs_linked, 3);
  const std::string sha = util::Sha256Hex("model bytes");
  EXPECT_EQ(Inode(dest_->PathFor(sha)), Inode(blobs_->PathFor(sha)));
  EXPECT_FALSE(*dest_->Exists(util::Sha256Hex("unreferenced: not backed up")));

  // Restore from the read-only backup into a fresh dir, copying (and so re-hashing).
  auto backup_meta = storage::SqliteMaintenanceStore::Open(target_ + "/modelvault.db", true);
  ASSERT_TRUE(backup_meta.ok()) << backup_meta.status().ToString();
  EXPECT_EQ((*backup_meta)->ForgetBlobs({sha}).status().code(), Code::kFailedPrecondition);
  const std::string restored = dir_->Join("restored");
  std::filesystem::create_directories(restored);
  auto restored_blobs = storage::FsBlobStore::Create(restored + "/blobs");
  ASSERT_TRUE(restored_blobs.ok());
  BackupService restore(*dest_, **backup_meta);
  CopyOptions copy;
  copy.allow_links = false;
  auto rr = restore.CopyTo(**restored_blobs, restored + "/modelvault.db", copy);
  ASSERT_TRUE(rr.ok()) << rr.status().ToString();
  EXPECT_EQ(rr->blobs_copied, 3);
  EXPECT_NE(Inode((*restored_blobs)->PathFor(sha)), Inode(blobs_->PathFor(sha)));

  std::unique_ptr<storage::FsBlobStore> b;
  std::unique_ptr<storage::SqliteMetadataStore> m;
  std::unique_ptr<storage::SqliteMaintenanceStore> s;
  Open(restored, b, m, s);
  MaintenanceService verify(*b, *s, clock_);
  auto report = verify.Verify(VerifyOptions{});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->blobs_checked, 3);
  auto v = m->GetVersion("m", draft);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, VersionState::kDraft);
  EXPECT_EQ(v->artifacts.size(), 1u);
}

TEST_F(BackupTest, ACopyingBackupReportsCorruptAndMissingSourceBlobsAndKeepsNeitherCopy) {
  AddVersion({{"good", "good bytes"}});
  AddVersion({{"bad", "bad bytes"}});
  AddVersion({{"lost", "lost bytes"}});
  Corrupt(util::Sha256Hex("bad bytes"));
  ASSERT_EQ(::unlink(blobs_->PathFor(util::Sha256Hex("lost bytes")).c_str()), 0);

  CopyReport r = Backup("backup", /*links=*/false);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.problems.size(), 2u);
  for (const BlobProblem& p : r.problems) {
    ASSERT_EQ(p.refs.size(), 1u);
    EXPECT_EQ(p.problem, p.refs[0].artifact == "bad" ? "corrupt" : "missing");
  }
  EXPECT_EQ(r.blobs_copied, 1);
  EXPECT_EQ(test::CountFiles(target_ + "/blobs/sha256"), 1);
  EXPECT_EQ(test::CountFiles(target_ + "/blobs/tmp"), 0);
}

TEST_F(BackupTest, SnapshotRefusesAnExistingFileAndIsSelfContained) {
  AddVersion({{"a", "bytes"}});
  const std::string path = dir_->Join("snap.db");
  auto refs = maint_->Snapshot(path);
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  EXPECT_EQ(refs->size(), 1u);
  EXPECT_EQ(maint_->Snapshot(path).status().code(), Code::kAlreadyExists);
  // A rollback-journal file: no -wal companion is needed to read it.
  struct stat st {};
  EXPECT_NE(::stat((path + "-wal").c_str(), &st), 0);
  auto again = storage::SqliteMaintenanceStore::Open(path, true);
  ASSERT_TRUE(again.ok());
  auto listed = (*again)->ListArtifactBlobs();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(storage::SqliteMaintenanceStore::Open(dir_->Join("none.db"), true).status().code(),
            Code::kNotFound);
}

class VerifyingReaderTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    storage::FsBlobOptions o;
    o.verify_reads = true;
    o.verify_upfront_max_bytes = 1024;
    auto v = storage::FsBlobStore::Create(dir_->Join("blobs"), o);
    ASSERT_TRUE(v.ok());
    verifying_ = std::move(v).value();
  }
  // Reads the whole blob in 4 KiB steps; the first error, if any.
  Status ReadAll(BlobReader& r) {
    std::vector<char> buf(4096);
    for (int64_t off = 0;;) {
      auto n = r.ReadAt(off, buf.data(), buf.size());
      if (!n.ok()) return n.status();
      if (*n == 0) return Status::Ok();
      off += static_cast<int64_t>(*n);
    }
  }
  std::unique_ptr<storage::FsBlobStore> verifying_;
};

TEST_F(VerifyingReaderTest, SmallCorruptBlobsFailToOpen) {
  const std::string sha = Put("a small blob");
  ASSERT_TRUE(verifying_->Open(sha).ok());
  Corrupt(sha);
  EXPECT_EQ(verifying_->Open(sha).status().code(), Code::kDataLoss);
  EXPECT_TRUE(blobs_->Open(sha).ok());  // a store without verify_reads serves it
}

TEST_F(VerifyingReaderTest, LargeBlobsAreCheckedWhileStreamingAndBeforeRandomReads) {
  const std::string bytes(100 * 1024 + 7, 'q');
  const std::string sha = Put(bytes);
  {
    auto r = verifying_->Open(sha);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(ReadAll(**r).ok());
    EXPECT_TRUE((*r)->VerifyAll().ok());
  }
  Corrupt(sha);
  auto r = verifying_->Open(sha);
  ASSERT_TRUE(r.ok()) << "too big to check before the response starts";
  std::vector<char> buf(4096);
  int64_t served = 0;
  Status end;
  for (int64_t off = 0;;) {
    auto n = (*r)->ReadAt(off, buf.data(), buf.size());
    if (!n.ok()) {
      end = n.status();
      break;
    }
    ASSERT_NE(*n, 0u) << "the whole corrupt blob was served";
    off += static_cast<int64_t>(*n);
    served = off;
  }
  EXPECT_EQ(end.code(), Code::kDataLoss);
  EXPECT_LT(served, static_cast<int64_t>(bytes.size()));
  auto ranged = verifying_->Open(sha);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ((*ranged)->ReadAt(50'000, buf.data(), 10).status().code(), Code::kDataLoss);
  auto checked = verifying_->Open(sha);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ((*checked)->VerifyAll().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace mv::reliability
