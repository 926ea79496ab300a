// The maintenance half of FsBlobStore: listing, re-hashing, removal and hard-link sharing,
// for verify, gc and backup.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "registry/names.h"
#include "storage/fs/fs_blob_readers.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/fs/fs_util.h"

namespace mv::storage {
namespace {

bool IsShard(const std::string& name) {
  return name.size() == 2 && ValidateSha256Hex(name + std::string(62, '0')).ok();
}

// Calls fn(name) for each entry of `dir` but "." and "..". Missing dir: nothing.
Status ForEachEntry(const std::string& dir, const std::function<Status(const std::string&)>& fn) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno == ENOENT ? Status::Ok() : IoError("opendir " + dir, errno);
  Status st;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    st = fn(n);
    if (!st.ok()) break;
  }
  ::closedir(d);
  return st;
}

class FsRemovalPause final : public BlobRemovalPause {
 public:
  explicit FsRemovalPause(FileLock lock) : lock_(std::move(lock)) {}

 private:
  FileLock lock_;
};

}  // namespace

Status FsBlobStore::List(const std::function<Status(const StoredBlob&)>& fn) {
  const std::string top = root_ + "/sha256";
  return ForEachEntry(top, [&](const std::string& s1) {
    if (!IsShard(s1)) return Status::Ok();
    return ForEachEntry(top + "/" + s1, [&](const std::string& s2) {
      if (!IsShard(s2)) return Status::Ok();
      const std::string dir = top + "/" + s1 + "/" + s2;
      return ForEachEntry(dir, [&](const std::string& name) {
        if (!ValidateSha256Hex(name).ok() || name.compare(0, 2, s1) != 0 ||
            name.compare(2, 2, s2) != 0) {
          return Status::Ok();
        }
        struct stat st;
        if (::stat((dir + "/" + name).c_str(), &st) != 0) {
          return errno == ENOENT ? Status::Ok() : IoError("stat blob", errno);  // just removed
        }
        if (!S_ISREG(st.st_mode)) return Status::Ok();
        return fn(StoredBlob{name, static_cast<int64_t>(st.st_size), MtimeMs(st)});
      });
    });
  });
}

Result<std::string> FsBlobStore::Rehash(std::string_view sha256,
                                        const std::function<void(int64_t)>& progress) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  int fd = ::open(PathFor(sha256).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " is not stored");
    return IoError("open blob", errno);
  }
  auto digest = HashFd(fd, progress);
  ::close(fd);
  return digest;
}

// The check and the unlink happen under the exclusive lock, so a concurrent Publish of the
// same digest (which holds it shared while it looks for the blob and refreshes its time)
// is ordered entirely before or entirely after.
Result<bool> FsBlobStore::RemoveIfOlder(std::string_view sha256, int64_t cutoff_ms) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  const std::string path = PathFor(sha256);
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(lock_path_, /*exclusive=*/true));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return IoError("stat blob", errno);
  }
  if (MtimeMs(st) >= cutoff_ms) return false;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return IoError("unlink blob", errno);
  }
  RETURN_IF_ERROR(FsyncPath(DirName(path)));
  return true;
}

Result<std::unique_ptr<BlobRemovalPause>> FsBlobStore::PauseRemovals() {
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(lock_path_, /*exclusive=*/false));
  return std::unique_ptr<BlobRemovalPause>(new FsRemovalPause(std::move(lock)));
}

Result<bool> FsBlobStore::LinkInto(std::string_view sha256, BlobStore& dest) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  auto* fs_dest = dynamic_cast<FsBlobStore*>(&dest);
  if (fs_dest == nullptr) return false;
  RETURN_IF_ERROR(fs_dest->MakeShardDirs(sha256));
  const std::string target = fs_dest->PathFor(sha256);
  if (::link(PathFor(sha256).c_str(), target.c_str()) != 0) {
    if (errno == EEXIST) return true;
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " is not stored");
    if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP) return false;
    return IoError("link blob", errno);
  }
  RETURN_IF_ERROR(FsyncPath(DirName(target)));
  return true;
}

}  // namespace mv::storage
