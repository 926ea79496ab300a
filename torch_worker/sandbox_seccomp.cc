// The worker's seccomp filter (Debian's libseccomp). Everything is allowed except the calls
// below: an allowlist would have to follow libtorch, OpenMP and glibc release by release,
// while what an escape needs (a new file, a socket, a new program, another process's memory,
// a privilege) goes through these. Refused calls trap into a SIGSYS handler that makes them
// fail with EACCES and remembers which one it was, so that the worker can say "the sandbox
// refused openat" instead of a bare "permission denied".
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "torch_worker/sandbox.h"

namespace mv::torch_worker {
namespace {

std::atomic<long> g_refused{-1};
constexpr int kSysSeccomp = 1;  // si_code of a seccomp trap (SYS_SECCOMP in linux/signal.h)

// Syscalls that reach a file by name: what the worker needs it opened before the filter.
constexpr const char* kFileCalls[] = {"open",
                                      "openat",
                                      "openat2",
                                      "creat",
                                      "open_by_handle_at",
                                      "name_to_handle_at",
                                      "mknod",
                                      "mknodat",
                                      "link",
                                      "linkat",
                                      "symlink",
                                      "symlinkat",
                                      "unlink",
                                      "unlinkat",
                                      "rename",
                                      "renameat",
                                      "renameat2",
                                      "mkdir",
                                      "mkdirat",
                                      "rmdir",
                                      "truncate",
                                      "chmod",
                                      "fchmodat",
                                      "fchmodat2",
                                      "chown",
                                      "lchown",
                                      "fchownat",
                                      "utime",
                                      "utimes",
                                      "utimensat",
                                      "futimesat",
                                      "inotify_add_watch",
                                      "fanotify_init",
                                      "fanotify_mark",
                                      "chroot",
                                      "acct",
                                      "swapon",
                                      "swapoff",
                                      "quotactl",
                                      "memfd_secret"};
constexpr const char* kNetworkCalls[] = {"socket", "socketpair", "connect", "bind",
                                         "listen", "accept",     "accept4"};
// Another program, another process, the kernel's privileged interfaces, or a way around
// this filter (io_uring performs opens of its own).
constexpr const char* kOtherCalls[] = {"execve",
                                       "execveat",
                                       "ptrace",
                                       "process_vm_readv",
                                       "process_vm_writev",
                                       "kcmp",
                                       "pidfd_getfd",
                                       "mount",
                                       "umount2",
                                       "pivot_root",
                                       "move_mount",
                                       "open_tree",
                                       "fsopen",
                                       "fsmount",
                                       "fsconfig",
                                       "fspick",
                                       "mount_setattr",
                                       "unshare",
                                       "setns",
                                       "bpf",
                                       "perf_event_open",
                                       "userfaultfd",
                                       "keyctl",
                                       "add_key",
                                       "request_key",
                                       "io_uring_setup",
                                       "io_uring_enter",
                                       "io_uring_register",
                                       "kexec_load",
                                       "kexec_file_load",
                                       "init_module",
                                       "finit_module",
                                       "delete_module",
                                       "reboot",
                                       "syslog",
                                       "personality",
                                       "iopl",
                                       "ioperm",
                                       "landlock_create_ruleset",
                                       "landlock_add_rule",
                                       "landlock_restrict_self",
                                       "tkill",
                                       "pidfd_open",
                                       "pidfd_send_signal"};
// Signals: only to this process (its threads); the server runs under the same user.
constexpr const char* kSignalCalls[] = {"kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"};
// clone() flags that make namespaces (CLONE_NEWNS .. CLONE_NEWCGROUP, CLONE_NEWTIME).
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,     CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,   CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP, 0x80 /* CLONE_NEWTIME */};

#if defined(__x86_64__) || defined(__aarch64__)
constexpr bool kCanTrap = true;

void OnSigsys(int, siginfo_t* info, void* context) {
  if (info->si_code != kSysSeccomp) return;
  g_refused.store(info->si_syscall, std::memory_order_relaxed);
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = -EACCES;
#else
  uc->uc_mcontext.regs[0] = static_cast<unsigned long long>(-EACCES);
#endif
}
#else
constexpr bool kCanTrap = false;  // refused with EACCES, without naming the call
void OnSigsys(int, siginfo_t*, void*) {}
#endif

struct Release {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, Release>;

Status Add(scmp_filter_ctx ctx, uint32_t action, const char* name) {
  const int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return Status::Ok();  // not a call of this architecture
  const int rc = seccomp_rule_add(ctx, action, nr, 0);
  if (rc != 0) return Unavailable(std::string("cannot add ") + name + ": " + std::strerror(-rc));
  return Status::Ok();
}

Status AddRules(scmp_filter_ctx ctx, uint32_t refuse) {
  for (const char* name : kFileCalls) RETURN_IF_ERROR(Add(ctx, refuse, name));
  for (const char* name : kNetworkCalls) RETURN_IF_ERROR(Add(ctx, refuse, name));
  for (const char* name : kOtherCalls) RETURN_IF_ERROR(Add(ctx, refuse, name));
  const auto self = static_cast<scmp_datum_t>(::getpid());
  for (const char* name : kSignalCalls) {
    if (seccomp_rule_add(ctx, refuse, seccomp_syscall_resolve_name(name), 1,
                         SCMP_A0(SCMP_CMP_NE, self)) != 0) {
      return Unavailable(std::string("cannot add the rule for ") + name);
    }
  }
  for (unsigned long flag : kNamespaceFlags) {
    if (seccomp_rule_add(ctx, refuse, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))) {
      return Unavailable("cannot add the clone rules");
    }
  }
  // clone3 passes its flags in memory the filter cannot read: ENOSYS makes glibc use clone.
  if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0 ||
      // The handler that reports refusals stays in place.
      seccomp_rule_add(ctx, refuse, SCMP_SYS(rt_sigaction), 1,
                       SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(SIGSYS))) != 0) {
    return Unavailable("cannot add the clone3 and sigaction rules");
  }
  return Status::Ok();
}

bool Among(const std::string& name, const auto& list) {
  for (const char* n : list) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace

Status InstallSeccompFilter() {
  if (kCanTrap) {
    struct sigaction sa {};
    sa.sa_sigaction = OnSigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(SIGSYS, &sa, nullptr) != 0) return Unavailable("cannot handle SIGSYS");
  }
  Filter ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (ctx == nullptr) return Unavailable("seccomp_init failed");
  // Threads that already exist get the filter too (TSYNC); no_new_privs is set (the default).
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1);
  RETURN_IF_ERROR(AddRules(ctx.get(), kCanTrap ? SCMP_ACT_TRAP : SCMP_ACT_ERRNO(EACCES)));
  const int rc = seccomp_load(ctx.get());
  if (rc != 0) return Unavailable(std::string("seccomp_load: ") + std::strerror(-rc));
  return Status::Ok();
}

std::string LastRefusal() {
  const long nr = g_refused.load(std::memory_order_relaxed);
  if (nr < 0) return "";
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
  std::string out = name != nullptr ? name : "system call " + std::to_string(nr);
  std::free(name);
  return out;
}

std::string RefusalMeaning(const std::string& syscall) {
  if (Among(syscall, kFileCalls)) return "a file outside its inputs";
  if (Among(syscall, kNetworkCalls)) return "the network";
  return "a call outside the worker's needs";
}

}  // namespace mv::torch_worker
