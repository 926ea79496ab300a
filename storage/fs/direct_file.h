// Helpers for writing files with O_DIRECT (the page cache bypassed). Internal to storage/fs.
// O_DIRECT wants the memory, the file offset and the length of every write aligned; the
// blob writer's buffers are AlignedBuffer and it writes whole buffers at multiples of their
// size, so only a blob's tail needs a buffered write.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace mv::storage {

// The alignment used for direct I/O: memory addresses, offsets and lengths.
inline constexpr size_t kDirectIoAlign = 4096;

// A fixed-capacity byte buffer aligned to kDirectIoAlign, allocated on first use (a small
// upload touches one page of it). Throws std::bad_alloc when memory runs out, as
// std::string would.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t capacity) : capacity_(capacity) {}

  // Appends up to capacity() - size() bytes of `data`; returns how many it took.
  size_t Append(std::string_view data);
  void Clear() { size_ = 0; }
  // Frees the memory; the next Append allocates it again.
  void Release() {
    data_.reset();
    size_ = 0;
  }

  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data_;
  size_t capacity_;
  size_t size_ = 0;
};

// Turns O_DIRECT on or off for an open file (fcntl F_SETFL). Fails (false, errno set; EINVAL
// on filesystems without direct I/O, such as older tmpfs) and leaves the file as it was.
bool SetDirectIo(int fd, bool on);

// Whether a file created in `dir` accepts O_DIRECT (creates and removes a probe file).
bool DirectIoSupported(const std::string& dir);

}  // namespace mv::storage
