// The TorchScript worker's sandbox. An uploaded TorchScript file is a program: its `forward`
// may call torch.from_file, torch.load or any other operator that reaches the filesystem.
// The worker opens the few files it needs (the artifact, its inputs, its outputs) first and
// then confines itself, before libtorch reads a byte of the artifact, in three layers:
//
//   1. namespaces: a new user namespace (unprivileged) owning new mount, network, IPC and
//      UTS namespaces; the root becomes an empty read-only tmpfs, the network has no
//      interface but a down loopback. Nothing of the host's filesystem is left to name.
//   2. Landlock: every filesystem access right the kernel knows is handled and none is
//      granted; TCP bind/connect (ABI >= 4) and abstract UNIX sockets and signals outside
//      the sandbox (ABI >= 6) are refused too.
//   3. seccomp (libseccomp): opening files (open, openat, openat2, creat, by handle),
//      sockets, exec, ptrace, mounts, new namespaces, io_uring, bpf and the like are refused
//      with EACCES; the worker learns which call was refused (LastRefusal) to say so.
//
// Required: seccomp, and at least one of the first two for the filesystem. Without them
// EnterSandbox fails ("sandbox unavailable: ...") and the worker refuses to run the module.
#pragma once

#include <string>

#include "util/status.h"

namespace mv::torch_worker {

struct SandboxLayers {
  bool namespaces = false;
  int landlock_abi = 0;  // 0: no Landlock
  bool seccomp = false;
  std::string missing;  // why an optional layer is absent; "" when every layer is in place

  // "namespaces, landlock (ABI 7), seccomp", plus what is missing.
  std::string Describe() const;
};

// Confines the calling process, for good, with every layer the kernel offers; the threads
// and children it makes later inherit the confinement. Call it single-threaded (unshare and
// Landlock act on the calling thread), after opening every file the process will need.
// Returns the layers in place, or FailedPrecondition("sandbox unavailable: ...") when a
// required layer is missing: the process is then partly confined and must not run untrusted
// code. Not thread-safe; call once.
Result<SandboxLayers> EnterSandbox();

// The individual layers, for EnterSandbox and the tests. Each returns Unavailable with the
// reason when the kernel or the process cannot apply it.
Status EnterNamespaces();
Result<int> EnterLandlock();  // the ABI version applied
Status InstallSeccompFilter();

// The name of the system call the seccomp filter refused last ("openat", "socket"), or ""
// when none was; and what it means ("a file outside its inputs", "the network", ...).
// Thread-safe.
std::string LastRefusal();
std::string RefusalMeaning(const std::string& syscall);

}  // namespace mv::torch_worker
