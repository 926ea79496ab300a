#include "storage/fs/fs_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "registry/names.h"
#include "storage/fs/direct_file.h"
#include "storage/fs/fs_blob_readers.h"
#include "storage/fs/fs_util.h"
#include "util/sha256.h"

namespace mv::storage {
namespace {

class FsBlobWriter final : public BlobWriter {
 public:
  // `direct`: fd has O_DIRECT on (whole buffers then bypass the page cache).
  FsBlobWriter(int fd, std::string tmp_path, const FsBlobStore* store, bool direct)
      : fd_(fd), tmp_path_(std::move(tmp_path)), store_(store), direct_(direct) {}
  ~FsBlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!published_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  }

  // HTTP bodies arrive in small pieces; gathering them into large writes saves syscalls.
  // A full buffer is hashed on the hasher's thread while this one writes it to the file and
  // fills the next buffer: an upload costs max(hash, receive + write), not their sum.
  // With O_DIRECT, whole aligned buffers at aligned offsets skip the page cache, whose copy
  // (into pages that on a VM may first fault back from the hypervisor) cost most of the CPU.
  Status Append(std::string_view data) override {
    if (failed_ || finished_) return Internal("blob writer is closed");
    size_ += static_cast<int64_t>(data.size());
    while (!data.empty()) {
      AlignedBuffer& buf = bufs_[cur_];
      if (!direct_ && buf.empty() && data.size() >= kBufferBytes) {
        // Buffered: a large piece goes out as it is; the caller owns it only until we return.
        const uint64_t ticket = hash_.Submit(data);
        Status s = WriteAll(data);
        hash_.Wait(ticket);
        return s;
      }
      data.remove_prefix(buf.Append(data));
      if (buf.full()) RETURN_IF_ERROR(FlushFull());
    }
    return Status::Ok();
  }

  Result<BlobInfo> Finish() override {
    if (failed_) return Internal("blob writer failed earlier");
    if (!finished_) {
      AlignedBuffer& tail = bufs_[cur_];
      hash_.Update(tail.view());  // after every full buffer; small blobs never start the thread
      // A partial buffer's length is not aligned: it goes through the page cache.
      if (!tail.empty()) RETURN_IF_ERROR(StopDirectIo());
      RETURN_IF_ERROR(WriteAll(tail.view()));
      tail.Clear();
      if (::fsync(fd_) != 0) {
        Status error = IoError("fsync blob", errno);
        Discard();
        return error;
      }
      ::close(fd_);
      fd_ = -1;
      info_ = BlobInfo{hash_.HexDigest(), size_};
      for (AlignedBuffer& b : bufs_) b.Release();  // a finished part holds no buffers
      finished_ = true;
    }
    return info_;
  }

  Result<std::unique_ptr<BlobReader>> OpenFinished() override {
    if (!finished_ || published_) return Internal("open of an unfinished or published blob");
    int fd = ::open(tmp_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("open temp blob", errno);
    return std::unique_ptr<BlobReader>(new FsBlobReader(fd, info_.size));
  }

  // Under the store's lock (shared): a removal either finished before (the blob is gone,
  // this copy takes its place) or waits until after (and then sees the fresh time).
  Status Publish() override {
    if (!finished_) return Internal("publish before finish");
    if (published_) return Status::Ok();
    const std::string& h = info_.sha256;
    RETURN_IF_ERROR(store_->MakeShardDirs(h));
    std::string target = store_->PathFor(h);
    ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(store_->lock_path(), /*exclusive=*/false));
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && st.st_size == info_.size) {
      // Same bytes already stored (content addressing): keep the old copy, and mark it as
      // just published so that garbage collection's grace period covers it again.
      if (::utimensat(AT_FDCWD, target.c_str(), nullptr, 0) != 0) {
        return IoError("touch blob", errno);
      }
      ::unlink(tmp_path_.c_str());
      published_ = true;
      return Status::Ok();
    }
    // The temp file's time is its last write, which inspection may have followed by a
    // while: publishing is the moment that counts.
    if (::utimensat(AT_FDCWD, tmp_path_.c_str(), nullptr, 0) != 0) {
      return IoError("touch blob", errno);
    }
    if (::rename(tmp_path_.c_str(), target.c_str()) != 0) return IoError("rename blob", errno);
    published_ = true;
    return FsyncPath(DirName(target));
  }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;
  static constexpr size_t kBuffers = 3;
  // Buffered writes are handed to the disk every this many bytes (sync_file_range), so that
  // the disk works while the rest arrives and Finish's fsync only waits for the tail.
  // (Direct writes have reached the disk when write returns.)
  static constexpr int64_t kWritebackBytes = int64_t{8} << 20;
  static_assert(kBufferBytes % kDirectIoAlign == 0);

  // After a failure the bytes are useless: give their space back now (on a full disk,
  // other requests need it), not when the writer is destroyed.
  void Discard() {
    failed_ = true;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_path_.c_str());
    tmp_path_.clear();  // the name may be reused by another upload: never unlink it again
  }

  // Hashes (on the hasher's thread) and writes the full current buffer, then moves to the
  // next one once the hasher is done with that one's previous bytes.
  Status FlushFull() {
    tickets_[cur_] = hash_.Submit(bufs_[cur_].view());
    RETURN_IF_ERROR(WriteAll(bufs_[cur_].view()));
    cur_ = (cur_ + 1) % kBuffers;
    hash_.Wait(tickets_[cur_]);
    bufs_[cur_].Clear();
    return Status::Ok();
  }

  // Buffered writes from here on (the tail, or after the filesystem refused a direct write).
  Status StopDirectIo() {
    if (!direct_) return Status::Ok();
    if (!SetDirectIo(fd_, false)) {
      Status error = IoError("clear O_DIRECT on blob", errno);
      Discard();
      return error;
    }
    direct_ = false;
    return Status::Ok();
  }

  // Starts the disk writing what was written since the last call (not waiting for it).
  // Advisory: an error here shows again in Finish's fsync, which decides.
  void StartWriteback() {
    if (written_ - writeback_from_ < kWritebackBytes) return;
    (void)::sync_file_range(fd_, writeback_from_, written_ - writeback_from_,
                            SYNC_FILE_RANGE_WRITE);
    writeback_from_ = written_;
  }

  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        // A filesystem may refuse some direct writes (alignment it wants larger, or the
        // rest of a short write): write the rest buffered, as when it has no O_DIRECT.
        if (errno == EINVAL && direct_) {
          RETURN_IF_ERROR(StopDirectIo());
          continue;
        }
        Status error = IoError("write blob", errno);
        Discard();
        return error;
      }
      data.remove_prefix(static_cast<size_t>(n));
      written_ += n;
    }
    if (!direct_) StartWriteback();
    return Status::Ok();
  }

  int fd_;
  std::string tmp_path_;
  const FsBlobStore* store_;
  bool direct_;  // fd_ has O_DIRECT on
  std::array<AlignedBuffer, kBuffers> bufs_{
      AlignedBuffer(kBufferBytes), AlignedBuffer(kBufferBytes), AlignedBuffer(kBufferBytes)};
  std::array<uint64_t, kBuffers> tickets_{};  // each buffer's last hash submission
  size_t cur_ = 0;                            // the buffer being filled
  util::PipelinedSha256 hash_;  // after bufs_: destroyed (its thread stopped) before them
  int64_t size_ = 0;
  int64_t written_ = 0;         // bytes written to fd_
  int64_t writeback_from_ = 0;  // the first byte no writeback was started for
  bool failed_ = false;
  bool finished_ = false;
  bool published_ = false;
  BlobInfo info_;
};

}  // namespace

FsBlobStore::FsBlobStore(std::string root, const FsBlobOptions& options)
    : root_(std::move(root)),
      tmp_dir_(root_ + "/tmp"),
      lock_path_(root_ + "/gc.lock"),
      options_(options) {}

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::Create(const std::string& root,
                                                         const FsBlobOptions& options) {
  RETURN_IF_ERROR(MakeDir(root, DirName(root)));
  RETURN_IF_ERROR(MakeDir(root + "/sha256", root));
  RETURN_IF_ERROR(MakeDir(root + "/tmp", root));
  std::unique_ptr<FsBlobStore> store(new FsBlobStore(root, options));
  { ASSIGN_OR_RETURN(FileLock probe, FileLock::Acquire(store->lock_path_, false)); }
  if (!options.clean_tmp) return store;
  // Temp files are only ever open uploads; at start there are none, so all are debris.
  DIR* d = ::opendir(store->tmp_dir_.c_str());
  if (d == nullptr) return IoError("opendir " + store->tmp_dir_, errno);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    ::unlink((store->tmp_dir_ + "/" + n).c_str());
  }
  ::closedir(d);
  return store;
}

std::string FsBlobStore::PathFor(std::string_view sha256) const {
  std::string h(sha256);
  return root_ + "/sha256/" + h.substr(0, 2) + "/" + h.substr(2, 2) + "/" + h;
}

Status FsBlobStore::MakeShardDirs(std::string_view sha256) const {
  const std::string dir = DirName(PathFor(sha256));
  const std::string shard1 = DirName(dir);
  RETURN_IF_ERROR(MakeDir(shard1, DirName(shard1)));
  return MakeDir(dir, shard1);
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::NewWriter() {
  std::string path = tmp_dir_ + "/upload-XXXXXX";
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return IoError("create temp blob", errno);
  // Without O_DIRECT support (EINVAL, e.g. tmpfs) the writer writes buffered.
  const bool direct = options_.direct_io && SetDirectIo(fd, true);
  return std::unique_ptr<BlobWriter>(new FsBlobWriter(fd, path, this, direct));
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::Open(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  std::string path = PathFor(sha256);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " is not stored");
    return IoError("open blob", errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return IoError("stat blob", err);
  }
  if (!options_.verify_reads) {
    return std::unique_ptr<BlobReader>(new FsBlobReader(fd, st.st_size));
  }
  std::unique_ptr<BlobReader> reader(new VerifyingBlobReader(fd, st.st_size, std::string(sha256)));
  if (st.st_size <= options_.verify_upfront_max_bytes) RETURN_IF_ERROR(reader->VerifyAll());
  return reader;
}

Result<bool> FsBlobStore::Exists(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  struct stat st;
  if (::stat(PathFor(sha256).c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return IoError("stat blob", errno);
}

}  // namespace mv::storage
