#include "registry/artifact_upload.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/fs/fs_blob_store.h"
#include "tests/unit/temp_dir.h"
#include "util/sha256.h"

namespace mv {
namespace {

using namespace std::string_literals;

class ArtifactUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto store = storage::FsBlobStore::Create(dir_->Join("blobs"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    dir_.reset();
  }

  std::unique_ptr<ArtifactUpload> Begin(int64_t max_bytes) {
    auto w = store_->NewWriter();
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return std::make_unique<ArtifactUpload>("model.bin", std::move(w).value(), max_bytes);
  }

  std::unique_ptr<test::TempDir> dir_;
  std::unique_ptr<storage::FsBlobStore> store_;
};

TEST_F(ArtifactUploadTest, HashesSizesAndSniffsAcrossChunks) {
  auto up = Begin(1 << 20);
  // The npy magic is split across writes: the sniffer must see the joined head.
  ASSERT_TRUE(up->Write("\x93NU"s).ok());
  ASSERT_TRUE(up->Write("MPY\x01\x00"s).ok());
  ASSERT_TRUE(up->Write(std::string(1000, 'z')).ok());
  EXPECT_EQ(up->bytes(), 1008);
  ASSERT_TRUE(up->Finish().ok());
  EXPECT_EQ(up->info().size, 1008);
  EXPECT_EQ(up->info().sha256, util::Sha256Hex("\x93NUMPY\x01\x00"s + std::string(1000, 'z')));
  EXPECT_EQ(up->kind(), "npy");
  EXPECT_TRUE(up->Finish().ok());  // idempotent
  EXPECT_TRUE(up->Verify().ok());  // no expectation: nothing to compare
}

TEST_F(ArtifactUploadTest, LimitIsInclusiveAndEnforcedPerWrite) {
  auto up = Begin(10);
  ASSERT_TRUE(up->Write("12345").ok());
  Status over = up->Write("678901");  // would make 11
  EXPECT_EQ(over.code(), Code::kResourceExhausted) << over.ToString();
  EXPECT_EQ(up->bytes(), 5);             // the refused chunk is not counted
  ASSERT_TRUE(up->Write("67890").ok());  // exactly 10
  EXPECT_EQ(up->Write("x").code(), Code::kResourceExhausted);
  ASSERT_TRUE(up->Finish().ok());
  EXPECT_EQ(up->info().size, 10);
  EXPECT_EQ(up->info().sha256, util::Sha256Hex("1234567890"));
}

TEST_F(ArtifactUploadTest, SingleOversizedChunkIsRefused) {
  auto up = Begin(3);
  EXPECT_EQ(up->Write("abcd").code(), Code::kResourceExhausted);
  EXPECT_EQ(up->bytes(), 0);
}

TEST_F(ArtifactUploadTest, VerifyComparesTheExpectedDigest) {
  auto good = Begin(100);
  good->ExpectSha256(util::Sha256Hex("abc"));
  EXPECT_TRUE(good->has_expectation());
  ASSERT_TRUE(good->Write("abc").ok());
  ASSERT_TRUE(good->Finish().ok());
  EXPECT_TRUE(good->Verify().ok());

  auto bad = Begin(100);
  bad->ExpectSha256(util::Sha256Hex("abd"));
  ASSERT_TRUE(bad->Write("abc").ok());
  ASSERT_TRUE(bad->Finish().ok());
  Status s = bad->Verify();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find(util::Sha256Hex("abc")), std::string::npos) << s.message();
}

TEST_F(ArtifactUploadTest, OrderIsEnforced) {
  auto up = Begin(100);
  EXPECT_FALSE(up->Verify().ok());  // before Finish
  ASSERT_TRUE(up->Write("abc").ok());
  ASSERT_TRUE(up->Finish().ok());
  EXPECT_FALSE(up->Write("more").ok());  // after Finish
  EXPECT_EQ(up->info().size, 3);
}

TEST_F(ArtifactUploadTest, PublishMakesTheBlobVisible) {
  auto up = Begin(100);
  ASSERT_TRUE(up->Write("payload").ok());
  ASSERT_TRUE(up->Finish().ok());
  ASSERT_TRUE(up->Verify().ok());
  auto before = store_->Exists(up->info().sha256);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  ASSERT_TRUE(up->Publish().ok());
  auto after = store_->Exists(up->info().sha256);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
}

// Records what an upload pins and unpins, and whether the bytes were visible at the pin.
class RecordingGuard final : public BlobGuard {
 public:
  explicit RecordingGuard(BlobStore& store) : store_(store) {}
  Result<std::unique_ptr<BlobPin>> Pin(std::string_view sha256) override {
    auto there = store_.Exists(sha256);
    events.push_back(std::string(there.ok() && *there ? "pin-visible " : "pin ") +
                     std::string(sha256));
    if (refuse) return Unavailable("gc is removing it");
    return std::unique_ptr<BlobPin>(std::make_unique<Pinned>(events, std::string(sha256)));
  }
  std::vector<std::string> events;
  bool refuse = false;

 private:
  class Pinned final : public BlobPin {
   public:
    Pinned(std::vector<std::string>& events, std::string sha) : events_(events), sha_(sha) {}
    ~Pinned() override { events_.push_back("unpin " + sha_); }

   private:
    std::vector<std::string>& events_;
    std::string sha_;
  };
  BlobStore& store_;
};

TEST_F(ArtifactUploadTest, PublishPinsBeforeTheBytesAreVisibleAndReleaseUnpins) {
  RecordingGuard guard(*store_);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ArtifactUpload up("model.bin", std::move(w).value(), 100, &guard);
  ASSERT_TRUE(up.Write("payload").ok());
  ASSERT_TRUE(up.Finish().ok());
  ASSERT_TRUE(up.Verify().ok());
  ASSERT_TRUE(up.Publish().ok());
  const std::string sha = util::Sha256Hex("payload");
  EXPECT_EQ(guard.events, std::vector<std::string>{"pin " + sha});
  up.ReleasePin();
  EXPECT_EQ(guard.events, (std::vector<std::string>{"pin " + sha, "unpin " + sha}));
}

TEST_F(ArtifactUploadTest, ARefusedPinPublishesNothing) {
  RecordingGuard guard(*store_);
  guard.refuse = true;
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ArtifactUpload up("model.bin", std::move(w).value(), 100, &guard);
  ASSERT_TRUE(up.Write("payload").ok());
  ASSERT_TRUE(up.Finish().ok());
  EXPECT_EQ(up.Publish().code(), Code::kUnavailable);
  auto there = store_->Exists(util::Sha256Hex("payload"));
  ASSERT_TRUE(there.ok());
  EXPECT_FALSE(*there);
}

}  // namespace
}  // namespace mv
