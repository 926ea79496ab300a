// A file reader that hashes what it hands out (push hashes while it sends, so a file is read once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/sha256.h"
#include "util/status.h"

namespace mv::cli {

// Reads the first `size` bytes of a file front to back, in pieces the caller sizes, and
// hashes exactly the bytes it returns: the digest is that of what was handed out (sent),
// whatever the file holds later. Owns its descriptor. Not thread-safe.
class HashingFileReader {
 public:
  // InvalidArgument naming `path` when it cannot be opened.
  static Result<std::unique_ptr<HashingFileReader>> Open(const std::string& path, int64_t size);
  ~HashingFileReader();
  HashingFileReader(const HashingFileReader&) = delete;
  HashingFileReader& operator=(const HashingFileReader&) = delete;

  // Reads up to `capacity` bytes that follow the previous read (never past `size`) into
  // `buf`; returns how many, 0 once `size` bytes were read. InvalidArgument when the file
  // ends before `size` bytes ("got shorter") or a read fails.
  Result<size_t> ReadNext(char* buf, size_t capacity);
  // Bytes read (and hashed) so far.
  int64_t offset() const { return offset_; }
  // The digest of the `size` bytes; FailedPrecondition before all of them were read. Call once.
  Result<std::string> HexDigest();

 private:
  HashingFileReader(std::string path, int fd, int64_t size);

  std::string path_;
  int fd_;
  int64_t size_;
  int64_t offset_ = 0;
  util::Sha256 hasher_;
};

}  // namespace mv::cli
