// FsBlobStore's writer with O_DIRECT on (where the temp dir's filesystem supports it) and
// off: the same bytes and digests for every size around the alignment and the 1 MiB buffer,
// the page cache bypassed for whole buffers, write errors that discard the temp file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/fs/direct_file.h"
#include "storage/fs/fs_blob_store.h"
#include "util/sha256.h"
#include "tests/unit/temp_dir.h"

namespace mv::storage {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMiB = size_t{1} << 20;

std::string Bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// Reads a whole reader (OpenFinished's or Open's).
std::string ReadAll(BlobReader& r) {
  std::string out(static_cast<size_t>(r.size()), '\0');
  size_t got = 0;
  while (got < out.size()) {
    auto n = r.ReadAt(static_cast<int64_t>(got), out.data() + got, out.size() - got);
    if (!n.ok() || *n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

// The only file in `dir`, or "" when there is not exactly one.
std::string OnlyFile(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  return files.size() == 1 ? files[0] : "";
}

// Pages of [0, bytes) of the file that are in the page cache (mincore; faults none in).
size_t ResidentPages(const std::string& path, size_t bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SIZE_MAX;
  void* p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return SIZE_MAX;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((bytes + page - 1) / page);
  size_t resident = SIZE_MAX;
  if (::mincore(p, bytes, vec.data()) == 0) {
    resident = 0;
    for (unsigned char v : vec) resident += v & 1;
  }
  ::munmap(p, bytes);
  return resident;
}

// The param: whether the store asks for O_DIRECT.
class FsBlobDirectTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    root_ = dir_->Join("blobs");
    FsBlobOptions options;
    options.direct_io = GetParam();
    auto store = FsBlobStore::Create(root_, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    dir_.reset();
  }

  // Writes `bytes` in pieces of `chunk`, checks the digest, the temp file read back through
  // OpenFinished, and the published blob.
  void RoundTrip(const std::string& bytes, size_t chunk) {
    SCOPED_TRACE("size " + std::to_string(bytes.size()) + " chunk " + std::to_string(chunk));
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      ASSERT_TRUE((*w)->Append(std::string_view(bytes).substr(i, chunk)).ok());
    }
    auto info = (*w)->Finish();
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->sha256, util::Sha256Hex(bytes));
    EXPECT_EQ(info->size, static_cast<int64_t>(bytes.size()));
    auto tmp = (*w)->OpenFinished();
    ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();
    EXPECT_EQ((*tmp)->size(), static_cast<int64_t>(bytes.size()));
    EXPECT_TRUE(ReadAll(**tmp) == bytes) << "temp file differs";
    ASSERT_TRUE((*w)->Publish().ok());
    auto r = store_->Open(info->sha256);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(ReadAll(**r) == bytes) << "published blob differs";
    EXPECT_EQ(fs::file_size(store_->PathFor(info->sha256)), bytes.size());
    EXPECT_EQ(test::CountFiles(root_ + "/tmp"), 0);
  }

  std::unique_ptr<test::TempDir> dir_;
  std::string root_;
  std::unique_ptr<FsBlobStore> store_;
};

TEST_P(FsBlobDirectTest, EverySizeAroundTheAlignmentAndTheBuffer) {
  const std::vector<size_t> sizes = {0,        1,    4095,     4096,        4097,
                                     kMiB - 1, kMiB, kMiB + 1, 3 * kMiB + 5};
  uint32_t seed = 0;
  for (size_t size : sizes) {
    const std::string bytes = Bytes(size, ++seed);
    // Whole, odd small pieces, odd pieces past the buffer size, pieces of several buffers.
    for (size_t chunk : {std::max<size_t>(size, 1), size_t{4093}, kMiB + 7, 3 * kMiB}) {
      RoundTrip(bytes, chunk);
      if (HasFatalFailure()) return;
    }
  }
}

// Small pieces fill part of a buffer before a large piece arrives: the large piece must not
// go out unaligned.
TEST_P(FsBlobDirectTest, LargePiecesAfterAPartlyFullBuffer) {
  const std::string bytes = Bytes(5 * kMiB + 4097, 77);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  std::string_view rest(bytes);
  for (size_t piece : {size_t{1}, size_t{4095}, 2 * kMiB + 3, kMiB, size_t{17}}) {
    ASSERT_TRUE((*w)->Append(rest.substr(0, piece)).ok());
    rest.remove_prefix(piece);
  }
  ASSERT_TRUE((*w)->Append(rest).ok());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->sha256, util::Sha256Hex(bytes));
  auto tmp = (*w)->OpenFinished();
  ASSERT_TRUE(tmp.ok());
  EXPECT_TRUE(ReadAll(**tmp) == bytes);
}

TEST_P(FsBlobDirectTest, IdenticalUploadsAreDeduplicated) {
  const std::string bytes = Bytes(2 * kMiB + 9, 5);
  RoundTrip(bytes, kMiB + 7);
  RoundTrip(bytes, 4093);
  EXPECT_EQ(test::CountFiles(root_ + "/sha256"), 1);
}

// Where the temp dir takes O_DIRECT, whole buffers bypass the page cache; buffered writes
// (the option off) leave them there. The tail is always written buffered. (tmpfs takes
// O_DIRECT on recent kernels, but its files live in the page cache.)
TEST_P(FsBlobDirectTest, WholeBuffersBypassThePageCacheWhenDirect) {
  struct statfs sfs;
  ASSERT_EQ(::statfs(root_.c_str(), &sfs), 0);
  if (sfs.f_type == TMPFS_MAGIC) GTEST_SKIP() << root_ << " is on tmpfs";
  const bool direct = GetParam() && DirectIoSupported(root_ + "/tmp");
  if (GetParam() && !direct) GTEST_SKIP() << "no O_DIRECT on " << root_;
  const std::string bytes = Bytes(3 * kMiB + 5, 9);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(bytes).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  const std::string tmp = OnlyFile(root_ + "/tmp");
  ASSERT_FALSE(tmp.empty());
  const size_t resident = ResidentPages(tmp, 3 * kMiB);
  ASSERT_NE(resident, SIZE_MAX) << "mmap/mincore failed";
  if (direct) {
    EXPECT_EQ(resident, 0u);
  } else {
    EXPECT_GT(resident, 0u);
  }
  auto r = (*w)->OpenFinished();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ReadAll(**r) == bytes);
}

// Sets RLIMIT_FSIZE (writes past it fail with EFBIG; SIGXFSZ ignored) for one scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
  bool ok_ = false;
};

// A write that fails part way (the limit is not aligned: a direct write is cut short) fails
// the upload and removes its temp file at once; the writer stays closed.
TEST_P(FsBlobDirectTest, WriteErrorDiscardsTheTempFile) {
  const std::string bytes = Bytes(5 * kMiB, 3);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  Status failed = Status::Ok();
  {
    FileSizeLimit limit(2 * kMiB + 100);
    ASSERT_TRUE(limit.ok());
    for (size_t i = 0; i < bytes.size() && failed.ok(); i += 4093) {
      failed = (*w)->Append(std::string_view(bytes).substr(i, 4093));
    }
  }
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), Code::kInternal) << failed.ToString();
  EXPECT_EQ(test::CountFiles(root_ + "/tmp"), 0);
  EXPECT_FALSE((*w)->Append("more").ok());
  EXPECT_FALSE((*w)->Finish().ok());
  EXPECT_FALSE((*w)->Publish().ok());
  EXPECT_EQ(test::CountFiles(root_ + "/sha256"), 0);
  // The store still takes uploads.
  RoundTrip(Bytes(kMiB + 1, 4), 4093);
}

INSTANTIATE_TEST_SUITE_P(DirectAndBuffered, FsBlobDirectTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Direct" : "Buffered";
                         });

TEST(AlignedBufferTest, IsAlignedAndNeverGrowsPastItsCapacity) {
  AlignedBuffer buf(2 * kDirectIoAlign);
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.Append("abc"), 3u);
  ASSERT_NE(buf.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % kDirectIoAlign, 0u);
  const std::string more(3 * kDirectIoAlign, 'x');
  EXPECT_EQ(buf.Append(more), 2 * kDirectIoAlign - 3);
  EXPECT_TRUE(buf.full());
  EXPECT_EQ(buf.Append("y"), 0u);
  EXPECT_EQ(buf.view(), "abc" + more.substr(0, 2 * kDirectIoAlign - 3));
  buf.Clear();
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.Append("z"), 1u);
  EXPECT_EQ(buf.view(), "z");
}

// SetDirectIo turns the flag on and off where the filesystem has direct I/O, and reports
// failure (leaving the file usable) where it has not.
TEST(DirectIoTest, FlagFollowsSetDirectIo) {
  test::TempDir dir;
  const std::string path = dir.Join("f");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const bool supported = DirectIoSupported(dir.path());
  EXPECT_EQ(SetDirectIo(fd, true), supported);
  EXPECT_EQ((::fcntl(fd, F_GETFL) & O_DIRECT) != 0, supported);
  EXPECT_TRUE(SetDirectIo(fd, false));
  EXPECT_EQ(::fcntl(fd, F_GETFL) & O_DIRECT, 0);
  EXPECT_EQ(::write(fd, "abc", 3), 3);  // buffered: any length
  ::close(fd);
  EXPECT_FALSE(DirectIoSupported(dir.Join("missing")));
  EXPECT_EQ(test::CountFiles(dir.path()), 1);  // the probe removed its file
}

}  // namespace
}  // namespace mv::storage
