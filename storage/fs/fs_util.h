// POSIX helpers shared by the filesystem blob store's files. Internal to storage/fs.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "util/status.h"

namespace mv::storage {

// ENOSPC/EDQUOT -> StorageFull, anything else -> Internal naming `what`.
Status IoError(const std::string& what, int err);
// fsync of a directory, so that a rename or unlink in it is durable.
Status FsyncPath(const std::string& path);
// mkdir that tolerates an existing directory and syncs `parent` when it created one.
Status MakeDir(const std::string& path, const std::string& parent);
// The directory part of a path ("a/b/c" -> "a/b").
std::string DirName(const std::string& path);
// Modification time of a stat result in Unix milliseconds.
int64_t MtimeMs(const struct stat& st);

// flock(2) on the store's lock file: Publish holds it shared around its check-and-publish,
// removals hold it exclusive around their check-and-unlink, so that neither sees the other
// half done. Each holder opens its own descriptor: flock locks belong to an open file
// description, and threads sharing one would release each other's lock.
class FileLock {
 public:
  // Blocks until granted. Internal when the lock file cannot be opened or locked.
  static Result<FileLock> Acquire(const std::string& path, bool exclusive);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace mv::storage
