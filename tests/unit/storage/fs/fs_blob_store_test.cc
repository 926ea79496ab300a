#include "storage/fs/fs_blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "util/sha256.h"
#include "tests/unit/temp_dir.h"

namespace mv::storage {
namespace {

namespace fs = std::filesystem;

class FsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    root_ = dir_->Join("blobs");
    auto store = FsBlobStore::Create(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    dir_.reset();
  }

  // Writes, finishes and publishes `bytes` in chunks of `chunk`; returns the digest.
  std::string Put(const std::string& bytes, size_t chunk = 7) {
    auto w = store_->NewWriter();
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return "";
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      EXPECT_TRUE((*w)->Append(std::string_view(bytes).substr(i, chunk)).ok());
    }
    auto info = (*w)->Finish();
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_TRUE((*w)->Publish().ok());
    return info.ok() ? info->sha256 : "";
  }

  std::string ReadAll(const std::string& sha) {
    auto r = store_->Open(sha);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    std::string out(static_cast<size_t>((*r)->size()), '\0');
    auto n = (*r)->ReadAt(0, out.data(), out.size());
    EXPECT_TRUE(n.ok());
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  int TempFiles() const { return test::CountFiles(root_ + "/tmp"); }
  int StoredFiles() const { return test::CountFiles(root_ + "/sha256"); }

  std::unique_ptr<test::TempDir> dir_;
  std::string root_;
  std::unique_ptr<FsBlobStore> store_;
};

TEST_F(FsBlobStoreTest, CreateMakesTheLayout) {
  EXPECT_TRUE(fs::is_directory(root_ + "/sha256"));
  EXPECT_TRUE(fs::is_directory(root_ + "/tmp"));
  EXPECT_EQ(store_->tmp_dir(), root_ + "/tmp");
}

TEST_F(FsBlobStoreTest, RoundTrip) {
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("hello ").ok());
  ASSERT_TRUE((*w)->Append("").ok());
  ASSERT_TRUE((*w)->Append("world").ok());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const std::string sha = util::Sha256Hex("hello world");
  EXPECT_EQ(info->sha256, sha);
  EXPECT_EQ(info->size, 11);

  // Finished but not published: durable in tmp/, invisible under its digest.
  EXPECT_EQ(TempFiles(), 1);
  auto before = store_->Exists(sha);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  EXPECT_EQ(store_->Open(sha).status().code(), Code::kNotFound);

  ASSERT_TRUE((*w)->Publish().ok());
  EXPECT_EQ(TempFiles(), 0);
  const std::string path =
      root_ + "/sha256/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
  EXPECT_EQ(store_->PathFor(sha), path);
  EXPECT_TRUE(fs::is_regular_file(path));
  auto after = store_->Exists(sha);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);

  auto r = store_->Open(sha);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->size(), 11);
  char buf[64];
  auto n = (*r)->ReadAt(0, buf, 5);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "hello");
  n = (*r)->ReadAt(6, buf, sizeof(buf));  // asks for more than is left
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "world");
  n = (*r)->ReadAt(10, buf, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "d");
  n = (*r)->ReadAt(11, buf, sizeof(buf));  // at the end
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = (*r)->ReadAt(1000, buf, sizeof(buf));  // past the end
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(FsBlobStoreTest, LargeBlobAcrossManyAppends) {
  std::string big;
  for (int i = 0; i < 300'000; ++i) big.push_back(static_cast<char>((i * 131) % 251));
  const std::string sha = Put(big, 4093);
  EXPECT_EQ(sha, util::Sha256Hex(big));
  auto r = store_->Open(sha);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->size(), static_cast<int64_t>(big.size()));
  std::string mid(1000, '\0');
  auto n = (*r)->ReadAt(123'457, mid.data(), mid.size());
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 1000u);
  EXPECT_EQ(mid, big.substr(123'457, 1000));
  EXPECT_EQ(ReadAll(sha), big);
}

// Past the writer's 1 MiB buffers: full buffers are hashed on the hasher's thread while they
// are written, pieces of 1 MiB or more (as they are when buffered, through the aligned
// buffers with O_DIRECT) mix with small ones in one blob.
TEST_F(FsBlobStoreTest, MultiMebibyteBlobMixingSmallAndLargeAppends) {
  std::string big;
  for (size_t i = 0; i < (size_t{7} << 20) + 123; ++i) {
    big.push_back(static_cast<char>((i * 131 + i / 7919) % 251));
  }
  for (size_t chunk : {size_t{4093}, (size_t{1} << 20) + 7, size_t{3} << 20}) {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok());
    size_t i = 0;
    // A few small appends first, so that large ones also arrive with a partly full buffer.
    for (; i < 10'000; i += 1000)
      ASSERT_TRUE((*w)->Append(std::string_view(big).substr(i, 1000)).ok());
    for (; i < big.size(); i += chunk) {
      ASSERT_TRUE((*w)->Append(std::string_view(big).substr(i, chunk)).ok());
    }
    auto info = (*w)->Finish();
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->sha256, util::Sha256Hex(big)) << "chunk " << chunk;
    EXPECT_EQ(info->size, static_cast<int64_t>(big.size()));
    ASSERT_TRUE((*w)->Publish().ok());
    EXPECT_EQ(ReadAll(info->sha256), big) << "chunk " << chunk;
  }
}

TEST_F(FsBlobStoreTest, EmptyBlob) {
  const std::string sha = Put("");
  EXPECT_EQ(sha, util::Sha256Hex(""));
  auto r = store_->Open(sha);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->size(), 0);
  char c;
  auto n = (*r)->ReadAt(0, &c, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(FsBlobStoreTest, IdenticalBytesAreStoredOnce) {
  const std::string a = Put("same content");
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("same content").ok());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sha256, a);
  ASSERT_TRUE((*w)->Publish().ok());
  EXPECT_EQ(store_->PathFor(info->sha256), store_->PathFor(a));
  EXPECT_EQ(StoredFiles(), 1);
  EXPECT_EQ(TempFiles(), 0);
  EXPECT_EQ(ReadAll(a), "same content");
  Put("different content");
  EXPECT_EQ(StoredFiles(), 2);
}

TEST_F(FsBlobStoreTest, FinishAndPublishAreIdempotent) {
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("abc").ok());
  auto first = (*w)->Finish();
  auto second = (*w)->Finish();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(first->sha256, util::Sha256Hex("abc"));
  EXPECT_TRUE((*w)->Publish().ok());
  EXPECT_TRUE((*w)->Publish().ok());
  EXPECT_EQ(StoredFiles(), 1);
}

TEST_F(FsBlobStoreTest, WriterStateMachine) {
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE((*w)->Publish().ok());  // before Finish
  ASSERT_TRUE((*w)->Append("x").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_FALSE((*w)->Append("y").ok());  // after Finish
  EXPECT_EQ(StoredFiles(), 0);
}

TEST_F(FsBlobStoreTest, UnpublishedWriterLeavesNothingBehind) {
  {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("abandoned mid-stream").ok());
    EXPECT_EQ(TempFiles(), 1);
  }
  EXPECT_EQ(TempFiles(), 0);
  {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("finished, never published").ok());
    ASSERT_TRUE((*w)->Finish().ok());
    EXPECT_EQ(TempFiles(), 1);
  }
  EXPECT_EQ(TempFiles(), 0);
  EXPECT_EQ(StoredFiles(), 0);
  auto gone = store_->Exists(util::Sha256Hex("finished, never published"));
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
}

TEST_F(FsBlobStoreTest, CreateRemovesTempDebrisAndKeepsBlobs) {
  const std::string sha = Put("kept");
  { std::ofstream(root_ + "/tmp/upload-crashed") << "partial bytes"; }
  { std::ofstream(root_ + "/tmp/upload-other") << ""; }
  ASSERT_EQ(TempFiles(), 2);
  store_.reset();

  auto again = FsBlobStore::Create(root_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  store_ = std::move(again).value();
  EXPECT_EQ(TempFiles(), 0);
  EXPECT_EQ(ReadAll(sha), "kept");
}

TEST_F(FsBlobStoreTest, MalformedDigestIsRejectedBeforeAnyPathIsBuilt) {
  // Plant a file where a naive store would look for the upper-case spelling: the store must
  // refuse the digest rather than find the file.
  const std::string upper(64, 'A');
  fs::create_directories(root_ + "/sha256/AA/AA");
  { std::ofstream(root_ + "/sha256/AA/AA/" + upper) << "planted"; }
  EXPECT_EQ(store_->Open(upper).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Exists(upper).status().code(), Code::kInvalidArgument);

  for (const std::string& bad :
       std::vector<std::string>{"", "abc", "../../../../etc/passwd", "../" + std::string(61, 'a'),
                                std::string(65, 'a'), std::string(63, 'a') + "/"}) {
    EXPECT_EQ(store_->Open(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Exists(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST_F(FsBlobStoreTest, WellFormedButAbsentDigestIsNotFound) {
  EXPECT_EQ(store_->Open(std::string(64, '0')).status().code(), Code::kNotFound);
  auto e = store_->Exists(std::string(64, '0'));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(*e);
}

TEST_F(FsBlobStoreTest, CreateFailsWhenTheParentIsMissing) {
  auto s = FsBlobStore::Create(dir_->Join("missing/child"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInternal);
}

}  // namespace
}  // namespace mv::storage
