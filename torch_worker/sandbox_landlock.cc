// Landlock without its header's newest parts: Debian 12's linux/landlock.h knows ABI 3 at
// most, the running kernel may know more. The constants are the kernel's stable UAPI.
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "torch_worker/sandbox.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

namespace mv::torch_worker {
namespace {

constexpr uint32_t kCreateRulesetVersion = 1U << 0;

// struct landlock_ruleset_attr as of ABI 6; older kernels get the prefix they know.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

// Every filesystem right up to `abi`: EXECUTE .. MAKE_SYM (ABI 1), REFER (2), TRUNCATE (3),
// IOCTL_DEV (5).
uint64_t FsRights(int abi) {
  uint64_t rights = (uint64_t{1} << 13) - 1;
  if (abi >= 2) rights |= uint64_t{1} << 13;
  if (abi >= 3) rights |= uint64_t{1} << 14;
  if (abi >= 5) rights |= uint64_t{1} << 15;
  return rights;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<int> EnterLandlock() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  if (abi < 1) {
    return Unavailable(errno == EOPNOTSUPP ? "disabled at boot (not in the lsm= list)"
                                           : Errno("not supported by this kernel"));
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Unavailable(Errno("no_new_privs"));
  RulesetAttr attr{};
  attr.handled_access_fs = FsRights(static_cast<int>(abi));
  size_t size = sizeof attr.handled_access_fs;
  if (abi >= 4) {
    attr.handled_access_net = 0x3;  // BIND_TCP | CONNECT_TCP
    size = offsetof(RulesetAttr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = 0x3;  // ABSTRACT_UNIX_SOCKET | SIGNAL
    size = sizeof attr;
  }
  // No rule is added: every handled right is refused everywhere. Descriptors opened before
  // keep the rights they were opened with.
  const int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) return Unavailable(Errno("landlock_create_ruleset"));
  const long restricted = ::syscall(SYS_landlock_restrict_self, ruleset, 0);
  const int saved = errno;
  ::close(ruleset);
  errno = saved;
  if (restricted != 0) return Unavailable(Errno("landlock_restrict_self"));
  return static_cast<int>(abi);
}

}  // namespace mv::torch_worker
