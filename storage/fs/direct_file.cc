#include "storage/fs/direct_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace mv::storage {

size_t AlignedBuffer::Append(std::string_view data) {
  if (!data_) {
    void* p = nullptr;
    if (::posix_memalign(&p, kDirectIoAlign, capacity_) != 0) throw std::bad_alloc();
    data_.reset(static_cast<char*>(p));
  }
  const size_t n = std::min(data.size(), capacity_ - size_);
  if (n > 0) std::memcpy(data_.get() + size_, data.data(), n);
  size_ += n;
  return n;
}

bool SetDirectIo(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  const int want = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
  return want == flags || ::fcntl(fd, F_SETFL, want) == 0;
}

bool DirectIoSupported(const std::string& dir) {
  std::string path = dir + "/direct-probe-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = SetDirectIo(fd, true);
  ::close(fd);
  ::unlink(path.c_str());
  return ok;
}

}  // namespace mv::storage
