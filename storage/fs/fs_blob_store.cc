#include "storage/fs/fs_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "registry/names.h"
#include "storage/fs/sha256.h"

namespace mv::storage {
namespace {

Status IoError(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT) return StorageFull("no space left on the blob store");
  return Internal(what + ": " + std::strerror(err));
}

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : IoError("fsync " + path, err);
}

// mkdir that tolerates an existing directory and syncs the parent when it created one.
Status MakeDir(const std::string& path, const std::string& parent) {
  if (::mkdir(path.c_str(), 0755) == 0) return FsyncPath(parent);
  if (errno == EEXIST) return Status::Ok();
  return IoError("mkdir " + path, errno);
}

class FsBlobReader final : public BlobReader {
 public:
  FsBlobReader(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FsBlobReader() override { ::close(fd_); }
  int64_t size() const override { return size_; }
  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::pread(fd_, buf, n, offset);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return IoError("read blob", errno);
    }
  }

 private:
  int fd_;
  int64_t size_;
};

class FsBlobWriter final : public BlobWriter {
 public:
  FsBlobWriter(int fd, std::string tmp_path, const FsBlobStore* store)
      : fd_(fd), tmp_path_(std::move(tmp_path)), store_(store) {}
  ~FsBlobWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!published_) ::unlink(tmp_path_.c_str());
  }

  // HTTP bodies arrive in small pieces; gathering them into large writes saves syscalls.
  Status Append(std::string_view data) override {
    if (failed_ || finished_) return Internal("blob writer is closed");
    hash_.Update(data);
    size_ += static_cast<int64_t>(data.size());
    if (buf_.size() + data.size() > kBufferBytes) RETURN_IF_ERROR(Flush());
    if (data.size() >= kBufferBytes) return WriteAll(data);
    buf_.append(data);
    return Status::Ok();
  }

  Result<BlobInfo> Finish() override {
    if (failed_) return Internal("blob writer failed earlier");
    if (!finished_) {
      RETURN_IF_ERROR(Flush());
      if (::fsync(fd_) != 0) {
        failed_ = true;
        return IoError("fsync blob", errno);
      }
      ::close(fd_);
      fd_ = -1;
      info_ = BlobInfo{hash_.HexDigest(), size_};
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

  Status Publish() override {
    if (!finished_) return Internal("publish before finish");
    if (published_) return Status::Ok();
    const std::string& h = info_.sha256;
    std::string dir = store_->PathFor(h);
    dir.resize(dir.rfind('/'));
    std::string shard1 = dir.substr(0, dir.rfind('/'));
    RETURN_IF_ERROR(MakeDir(shard1, shard1.substr(0, shard1.rfind('/'))));
    RETURN_IF_ERROR(MakeDir(dir, shard1));
    std::string target = store_->PathFor(h);
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && st.st_size == info_.size) {
      // Same bytes already stored (content addressing): keep the old copy.
      ::unlink(tmp_path_.c_str());
      published_ = true;
      return Status::Ok();
    }
    if (::rename(tmp_path_.c_str(), target.c_str()) != 0) return IoError("rename blob", errno);
    published_ = true;
    return FsyncPath(dir);
  }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;

  Status Flush() {
    Status s = WriteAll(buf_);
    buf_.clear();
    return s;
  }

  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = true;
        return IoError("write blob", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  int fd_;
  std::string tmp_path_;
  const FsBlobStore* store_;
  std::string buf_;
  Sha256 hash_;
  int64_t size_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  bool published_ = false;
  BlobInfo info_;
};

}  // namespace

FsBlobStore::FsBlobStore(std::string root)
    : root_(std::move(root)), tmp_dir_(root_ + "/tmp") {}

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::Create(const std::string& root) {
  std::string parent = root.find('/') == std::string::npos ? "." : root.substr(0, root.rfind('/'));
  if (parent.empty()) parent = "/";
  RETURN_IF_ERROR(MakeDir(root, parent));
  RETURN_IF_ERROR(MakeDir(root + "/sha256", root));
  RETURN_IF_ERROR(MakeDir(root + "/tmp", root));
  std::unique_ptr<FsBlobStore> store(new FsBlobStore(root));
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

Result<std::unique_ptr<BlobWriter>> FsBlobStore::NewWriter() {
  std::string path = tmp_dir_ + "/upload-XXXXXX";
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return IoError("create temp blob", errno);
  return std::unique_ptr<BlobWriter>(new FsBlobWriter(fd, path, this));
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
  return std::unique_ptr<BlobReader>(new FsBlobReader(fd, st.st_size));
}

Result<bool> FsBlobStore::Exists(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  struct stat st;
  if (::stat(PathFor(sha256).c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return IoError("stat blob", errno);
}

}  // namespace mv::storage
