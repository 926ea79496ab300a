// mv_security_deny_sandbox PROGRAM [ARGS...]: runs PROGRAM as on a kernel without user
// namespaces and without Landlock (unshare fails with EPERM, landlock_create_ruleset with
// ENOSYS), through a seccomp filter that its children inherit. The TorchScript worker must
// then refuse to run a module rather than run it unconfined.
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs("usage: mv_security_deny_sandbox PROGRAM [ARGS...]\n", stderr);
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) != 0 ||
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0) != 0 ||
      seccomp_load(ctx) != 0) {
    fputs("mv_security_deny_sandbox: cannot install the filter\n", stderr);
    return 2;
  }
  seccomp_release(ctx);
  execv(argv[1], argv + 1);
  perror("mv_security_deny_sandbox: execv");
  return 127;
}
