#include "storage/fs/fs_blob_readers.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "storage/fs/fs_util.h"

namespace mv::storage {
namespace {

constexpr size_t kHashChunk = 1 << 20;

}  // namespace

Result<std::string> HashFd(int fd, const std::function<void(int64_t)>& progress) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<char> buf(kHashChunk);
  util::Sha256 hash;
  int64_t offset = 0;
  while (true) {
    ssize_t got = ::pread(fd, buf.data(), buf.size(), offset);
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError("read blob", errno);
    }
    if (got == 0) break;
    hash.Update(std::string_view(buf.data(), static_cast<size_t>(got)));
    offset += got;
    if (progress) progress(got);
  }
  return hash.HexDigest();
}

FsBlobReader::~FsBlobReader() { ::close(fd_); }

Result<size_t> FsBlobReader::ReadAt(int64_t offset, char* buf, size_t n) {
  while (true) {
    ssize_t got = ::pread(fd_, buf, n, offset);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) return IoError("read blob", errno);
  }
}

Status VerifyingBlobReader::Mismatch(const std::string& actual) {
  corrupt_ = true;
  return DataLoss("blob " + sha256_ + " is corrupt: its stored bytes hash to " + actual);
}

Status VerifyingBlobReader::VerifyAll() {
  if (corrupt_) return DataLoss("blob " + sha256_ + " is corrupt");
  if (verified_) return Status::Ok();
  ASSIGN_OR_RETURN(std::string actual, HashFd(fd_, nullptr));
  if (actual != sha256_) return Mismatch(actual);
  verified_ = true;
  return Status::Ok();
}

Result<size_t> VerifyingBlobReader::ReadAt(int64_t offset, char* buf, size_t n) {
  if (corrupt_) return DataLoss("blob " + sha256_ + " is corrupt");
  if (!verified_ && (!sequential_ || offset != next_)) {
    sequential_ = false;
    RETURN_IF_ERROR(VerifyAll());
  }
  ASSIGN_OR_RETURN(size_t got, FsBlobReader::ReadAt(offset, buf, n));
  if (verified_ || got == 0) return got;
  running_.Update(std::string_view(buf, got));
  next_ += static_cast<int64_t>(got);
  if (next_ >= size_) {
    std::string actual = running_.HexDigest();
    if (actual != sha256_) return Mismatch(actual);
    verified_ = true;
  }
  return got;
}

}  // namespace mv::storage
