// The BlobStore contract, run against both stores: the filesystem store and the S3 store on
// an s3rver started for this suite (tests/scaleout/s3_server.h). Each test gets a fresh
// directory / key prefix. S3-only behaviour is in s3_blob_store_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "storage/open_blobs.h"
#include "tests/scaleout/blob_store_env.h"
#include "tests/unit/temp_dir.h"
#include "util/sha256.h"

namespace mv::test {
namespace {

class BlobStoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    env_ = BlobStoreEnv::Make(GetParam());
    ASSERT_TRUE(env_->ready()) << "the " << GetParam() << " store did not open";
  }
  void TearDown() override { env_.reset(); }
  BlobStore& store() { return env_->store(); }
  std::string Put(const std::string& bytes, size_t chunk = 7) {
    return PutBlob(store(), bytes, chunk);
  }
  std::string ReadAll(const std::string& sha) { return ReadBlob(store(), sha); }
  int Stored() { return CountStored(store()); }

  std::unique_ptr<BlobStoreEnv> env_;
};

TEST_P(BlobStoreConformance, RoundTripAndRandomReads) {
  const std::string bytes = Pattern(100000);
  const std::string sha = Put(bytes, 4096);
  EXPECT_EQ(sha, util::Sha256Hex(bytes));
  EXPECT_EQ(ReadAll(sha), bytes);
  auto r = store().Open(sha);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->size(), 100000);
  for (int64_t off : {int64_t{0}, int64_t{1}, int64_t{65535}, int64_t{99990}, int64_t{12345}}) {
    char buf[100];
    auto n = (*r)->ReadAt(off, buf, sizeof(buf));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    const size_t want = static_cast<size_t>(std::min<int64_t>(100, 100000 - off));
    ASSERT_EQ(*n, want) << off;
    EXPECT_EQ(std::string(buf, *n), bytes.substr(static_cast<size_t>(off), want)) << off;
  }
  char c;
  auto end = (*r)->ReadAt(100000, &c, 1);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, 0u);
}

TEST_P(BlobStoreConformance, EmptyBlob) {
  const std::string sha = Put("");
  EXPECT_EQ(sha, util::Sha256Hex(""));
  auto r = store().Open(sha);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->size(), 0);
}

TEST_P(BlobStoreConformance, IdenticalBytesAreStoredOnce) {
  const std::string a = Put("same content");
  EXPECT_EQ(Put("same content"), a);
  EXPECT_EQ(Stored(), 1);
  EXPECT_EQ(env_->TempObjects(), 0);
  EXPECT_EQ(ReadAll(a), "same content");
  Put("different content");
  EXPECT_EQ(Stored(), 2);
}

TEST_P(BlobStoreConformance, FinishAndPublishAreIdempotent) {
  auto w = store().NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("abc").ok());
  auto first = (*w)->Finish();
  auto second = (*w)->Finish();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(first->size, 3);
  EXPECT_TRUE((*w)->Publish().ok());
  EXPECT_TRUE((*w)->Publish().ok());
  EXPECT_EQ(Stored(), 1);
}

TEST_P(BlobStoreConformance, WriterStateMachine) {
  auto w = store().NewWriter();
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE((*w)->Publish().ok());  // before Finish
  ASSERT_TRUE((*w)->Append("x").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_FALSE((*w)->Append("y").ok());  // after Finish
  EXPECT_EQ(Stored(), 0);
}

TEST_P(BlobStoreConformance, FinishedBytesAreReadableBeforePublish) {
  auto w = store().NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("inspect me").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  auto r = (*w)->OpenFinished();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  char buf[32];
  auto n = (*r)->ReadAt(0, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "inspect me");
  EXPECT_EQ(Stored(), 0);
}

TEST_P(BlobStoreConformance, UnpublishedWriterLeavesNothingBehind) {
  {
    auto w = store().NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("abandoned mid-stream").ok());
  }
  {
    auto w = store().NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("finished, never published").ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  EXPECT_EQ(env_->TempObjects(), 0);
  EXPECT_EQ(Stored(), 0);
  auto gone = store().Exists(util::Sha256Hex("finished, never published"));
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
}

TEST_P(BlobStoreConformance, MalformedDigestsAreRejectedAndAbsentOnesNotFound) {
  for (const std::string& bad : {std::string(), std::string("abc"), std::string(64, 'A'),
                                 "../" + std::string(61, 'a'), std::string(65, 'a')}) {
    EXPECT_EQ(store().Open(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store().Exists(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store().Open(std::string(64, '0')).status().code(), Code::kNotFound);
  EXPECT_EQ(store().Rehash(std::string(64, '0'), nullptr).status().code(), Code::kNotFound);
  auto e = store().Exists(std::string(64, '0'));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(*e);
}

TEST_P(BlobStoreConformance, ListAndRehashSeeEveryBlob) {
  const std::string a = Put("first");
  const std::string b = Put(Pattern(3000));
  int seen = 0;
  const int64_t now = NowMs();
  ASSERT_TRUE(store()
                  .List([&](const StoredBlob& blob) {
                    ++seen;
                    EXPECT_TRUE(blob.sha256 == a || blob.sha256 == b) << blob.sha256;
                    EXPECT_EQ(blob.size, blob.sha256 == a ? 5 : 3000);
                    EXPECT_NEAR(static_cast<double>(blob.modified_ms), static_cast<double>(now),
                                60000.0);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(seen, 2);
  int64_t hashed = 0;
  auto digest = store().Rehash(b, [&](int64_t n) { hashed += n; });
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, b);
  EXPECT_EQ(hashed, 3000);
}

TEST_P(BlobStoreConformance, RemoveIfOlderHonoursTheCutoff) {
  const std::string sha = Put("old enough?");
  auto kept = store().RemoveIfOlder(sha, NowMs() - 60000);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(*kept);
  auto removed = store().RemoveIfOlder(sha, NowMs() + 60000);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*store().Exists(sha));
  auto again = store().RemoveIfOlder(sha, NowMs() + 60000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  // A publish after the removal stores its own copy.
  EXPECT_EQ(Put("old enough?"), sha);
  EXPECT_EQ(ReadAll(sha), "old enough?");
}

TEST_P(BlobStoreConformance, PauseRemovalsHoldsRemovalsBack) {
  const std::string sha = Put("paused");
  auto pause = store().PauseRemovals();
  ASSERT_TRUE(pause.ok());
  std::atomic<bool> done{false};
  std::thread remover([&] {
    EXPECT_TRUE(store().RemoveIfOlder(sha, NowMs() + 60000).ok());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done.load());
  EXPECT_TRUE(*store().Exists(sha));
  pause->reset();
  remover.join();
  EXPECT_TRUE(done.load());
  EXPECT_FALSE(*store().Exists(sha));
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobStoreConformance, ::testing::Values("fs", "s3"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace mv::test
