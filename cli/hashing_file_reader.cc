#include "cli/hashing_file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace mv::cli {

Result<std::unique_ptr<HashingFileReader>> HashingFileReader::Open(const std::string& path,
                                                                   int64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  // A hint only: the kernel may read further ahead; failure changes nothing.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<HashingFileReader>(new HashingFileReader(path, fd, size));
}

HashingFileReader::HashingFileReader(std::string path, int fd, int64_t size)
    : path_(std::move(path)), fd_(fd), size_(size) {}

HashingFileReader::~HashingFileReader() { ::close(fd_); }

Result<size_t> HashingFileReader::ReadNext(char* buf, size_t capacity) {
  const size_t want =
      static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(capacity), size_ - offset_));
  if (want == 0) return size_t{0};
  ssize_t n;
  do {
    n = ::read(fd_, buf, want);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
  if (n == 0) return InvalidArgument(path_ + " got shorter while it was uploaded");
  hasher_.Update(buf, static_cast<size_t>(n));
  offset_ += n;
  return static_cast<size_t>(n);
}

Result<std::string> HashingFileReader::HexDigest() {
  if (offset_ != size_) {
    return FailedPrecondition("only " + std::to_string(offset_) + " of " + std::to_string(size_) +
                              " bytes of " + path_ + " were read");
  }
  return hasher_.HexDigest();
}

}  // namespace mv::cli
