#include "torch_worker/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mv::torch_worker {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Status WriteProcFile(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable(Errno(std::string("cannot open ") + path));
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (n != static_cast<ssize_t>(text.size())) {
    return Unavailable(Errno(std::string("cannot write ") + path));
  }
  return Status::Ok();
}

// The number of threads of this process: unshare(CLONE_NEWUSER) and Landlock need one.
int ThreadCount() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(dir)) n += e->d_name[0] != '.';
  ::closedir(dir);
  return n;
}

// The root becomes an empty tmpfs: mounted over /tmp (any directory would do: the mount
// namespace is private), pivoted to, the old root detached, then made read-only.
Status EmptyRoot() {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Unavailable(Errno("cannot make the mounts private"));
  }
  constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (::mount("mv-sandbox", "/tmp", "tmpfs", kFlags, "size=16k,nr_inodes=16,mode=0555") != 0) {
    return Unavailable(Errno("cannot mount a tmpfs over /tmp"));
  }
  if (::chdir("/tmp") != 0) return Unavailable(Errno("cannot enter the new root"));
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return Unavailable(Errno("pivot_root"));
  if (::umount2(".", MNT_DETACH) != 0) return Unavailable(Errno("cannot detach the old root"));
  if (::chdir("/") != 0) return Unavailable(Errno("cannot enter the new root"));
  if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | kFlags, nullptr) != 0) {
    return Unavailable(Errno("cannot make the new root read-only"));
  }
  return Status::Ok();
}

}  // namespace

std::string SandboxLayers::Describe() const {
  std::string out;
  const auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (namespaces) add("namespaces");
  if (landlock_abi > 0) add("landlock (ABI " + std::to_string(landlock_abi) + ")");
  if (seccomp) add("seccomp");
  if (out.empty()) out = "none";
  if (!missing.empty()) out += "; missing: " + missing;
  return out;
}

Status EnterNamespaces() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    return Unavailable(Errno("unshare of user, mount and network namespaces"));
  }
  // The same ids inside as outside; the capabilities the new namespace grants are what the
  // mounts below need, and the seccomp filter refuses every call that could use them later.
  RETURN_IF_ERROR(WriteProcFile("/proc/self/setgroups", "deny"));
  RETURN_IF_ERROR(
      WriteProcFile("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1"));
  RETURN_IF_ERROR(
      WriteProcFile("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1"));
  return EmptyRoot();
}

Result<SandboxLayers> EnterSandbox() {
  const int threads = ThreadCount();
  if (threads != 1) {
    return FailedPrecondition(
        "sandbox unavailable: the worker must be single-threaded to "
        "confine itself, and runs " +
        std::to_string(threads) + " threads");
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return FailedPrecondition(Errno("sandbox unavailable: PR_SET_NO_NEW_PRIVS"));
  }
  SandboxLayers layers;
  const Status ns = EnterNamespaces();
  layers.namespaces = ns.ok();
  auto landlock = EnterLandlock();
  layers.landlock_abi = landlock.ok() ? *landlock : 0;
  if (!ns.ok()) layers.missing = "namespaces (" + ns.message() + ")";
  if (!landlock.ok()) {
    layers.missing += (layers.missing.empty() ? "" : ", ") + std::string("landlock (") +
                      landlock.status().message() + ")";
  }
  if (!layers.namespaces && layers.landlock_abi == 0) {
    return FailedPrecondition("sandbox unavailable: no way to hide the filesystem: " +
                              layers.missing);
  }
  const Status filter = InstallSeccompFilter();
  if (!filter.ok()) {
    return FailedPrecondition("sandbox unavailable: seccomp: " + filter.message());
  }
  layers.seccomp = true;
  return layers;
}

}  // namespace mv::torch_worker
