// The TorchScript worker's sandbox (torch_worker/sandbox.h), applied for real in a forked
// child, which then tries what an escaping module would: open a file by name, stat one,
// make a socket, run a program, signal its parent. The child reports what happened on a
// pipe and exits; the confinement never reaches the test process. TorchScript has no
// network operator, so the network is probed here rather than through a module.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "torch_worker/sandbox.h"

namespace mv::torch_worker {
namespace {

// Runs `body` in a forked child and returns what it wrote: "" when every probe behaved,
// otherwise the probes that did not, one per line.
std::string InChild(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    const std::string report = body();
    (void)!::write(fds[1], report.data(), report.size());
    ::_exit(0);  // no atexit handlers (LeakSanitizer would ptrace, which is refused)
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out += "child died (status " + std::to_string(status) + ")\n";
  }
  return out;
}

// "" when `result` is -1 with errno `want`, else a line saying what happened instead.
std::string Refused(const char* what, long result, int want) {
  const int err = errno;
  if (result == -1 && err == want) return "";
  return std::string(what) + ": got " + std::to_string(result) + " (" + std::strerror(err) +
         "), want " + std::strerror(want) + "\n";
}

std::string Expect(bool ok, const std::string& what) { return ok ? "" : what + "\n"; }

// What an escaping module would try, after the seccomp filter is in place.
std::string ProbeFilter(int preopened) {
  std::string r;
  r += Refused("open /etc/passwd", ::open("/etc/passwd", O_RDONLY), EACCES);
  r += Expect(LastRefusal() == "open" || LastRefusal() == "openat",
              "LastRefusal after open is \"" + LastRefusal() + "\"");
  r += Expect(RefusalMeaning(LastRefusal()) == "a file outside its inputs", "open's meaning");
  r += Refused("openat", ::syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY), EACCES);
  r += Refused("creat", ::creat("/tmp/mv-sandbox-probe", 0600), EACCES);
  r += Refused("socket AF_INET", ::socket(AF_INET, SOCK_STREAM, 0), EACCES);
  r += Expect(LastRefusal() == "socket", "LastRefusal after socket is \"" + LastRefusal() + "\"");
  r += Expect(RefusalMeaning("socket") == "the network", "socket's meaning");
  r += Refused("socket AF_UNIX", ::socket(AF_UNIX, SOCK_STREAM, 0), EACCES);
  int pair[2];
  r += Refused("socketpair", ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), EACCES);
  char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
  r += Refused("execve", ::execve("/bin/true", argv, nullptr), EACCES);
  r += Refused("kill the parent", ::kill(::getppid(), 0), EACCES);
  r += Refused("unshare", ::unshare(CLONE_NEWUSER), EACCES);
  r += Refused("io_uring_setup", ::syscall(SYS_io_uring_setup, 1, nullptr), EACCES);
  // What the worker itself does afterwards still works: read a pre-opened file, threads,
  // memory, signals to itself.
  char c = 0;
  r += Expect(::pread(preopened, &c, 1, 0) == 1 && c == 'm', "reading the pre-opened file");
  int value = 0;
  std::thread([&value] { value = 42; }).join();
  r += Expect(value == 42, "a thread");
  r += Expect(::kill(::getpid(), 0) == 0, "signal to itself");
  return r;
}

int PreopenedFile() {
  char path[] = "/tmp/mv-sandbox-test-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return -1;
  ::unlink(path);
  (void)!::write(fd, "model", 5);
  return fd;
}

TEST(SandboxLayersTest, SeccompFilterRefusesFilesSocketsExecAndSignalsAndNamesTheCall) {
  const std::string report = InChild([] {
    const int fd = PreopenedFile();
    const Status s = InstallSeccompFilter();
    if (!s.ok()) return "InstallSeccompFilter: " + s.ToString();
    return ProbeFilter(fd);
  });
  EXPECT_EQ(report, "");
}

TEST(SandboxLayersTest, EnterSandboxHidesTheFilesystemAndTheNetwork) {
  const std::string report = InChild([] {
    const int fd = PreopenedFile();
    auto layers = EnterSandbox();
    if (!layers.ok()) return "EnterSandbox: " + layers.status().ToString();
    std::string r = Expect(layers->seccomp, "no seccomp: " + layers->Describe());
    if (layers->namespaces) {  // an empty root: even stat finds nothing
      struct stat st {};
      r += Refused("stat /etc/passwd", ::stat("/etc/passwd", &st), ENOENT);
      r += Refused("stat /proc/self", ::stat("/proc/self", &st), ENOENT);
    }
    return r + ProbeFilter(fd);
  });
  EXPECT_EQ(report, "");
}

TEST(SandboxLayersTest, ThisMachineHasEveryLayer) {
  // Records what the kernel offers; a kernel without user namespaces or Landlock still
  // passes the test above with the layers it has.
  const std::string report = InChild([] {
    auto layers = EnterSandbox();
    return layers.ok() ? layers->Describe() : layers.status().message();
  });
  RecordProperty("sandbox_layers", report);
  std::printf("sandbox layers here: %s\n", report.c_str());
  EXPECT_NE(report.find("seccomp"), std::string::npos) << report;
}

// Each of the first two layers alone: namespaces leave nothing to name and no route out;
// Landlock refuses every file opened after it, and TCP connects (ABI >= 4).
TEST(SandboxLayersTest, NamespacesAloneLeaveAnEmptyRootAndNoNetwork) {
  const std::string report = InChild([] {
    const Status s = EnterNamespaces();
    if (!s.ok()) return "EnterNamespaces (skipped where the kernel refuses): " + s.ToString();
    struct stat st {};
    std::string r = Refused("stat /etc/passwd", ::stat("/etc/passwd", &st), ENOENT);
    r += Refused("open /etc/passwd", ::open("/etc/passwd", O_RDONLY), ENOENT);
    r += Refused("mkdir in the read-only root", ::mkdir("/x", 0700), EROFS);
    const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(80);
    addr.sin_addr.s_addr = htonl(0x01010101);  // 1.1.1.1
    r += Refused("connect out", ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
                 ENETUNREACH);
    return r;
  });
  if (report.rfind("EnterNamespaces (skipped", 0) == 0) GTEST_SKIP() << report;
  EXPECT_EQ(report, "");
}

TEST(SandboxLayersTest, LandlockAloneRefusesFilesAndTcp) {
  const std::string report = InChild([] {
    const int fd = PreopenedFile();
    auto abi = EnterLandlock();
    if (!abi.ok())
      return "EnterLandlock (skipped where the kernel lacks it): " + abi.status().ToString();
    std::string r = Refused("open /etc/passwd", ::open("/etc/passwd", O_RDONLY), EACCES);
    r += Refused("creat in /tmp", ::creat("/tmp/mv-sandbox-landlock-probe", 0600), EACCES);
    char c = 0;
    r += Expect(::pread(fd, &c, 1, 0) == 1 && c == 'm', "reading the pre-opened file");
    if (*abi >= 4) {
      const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(9);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      r += Refused("connect", ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
                   EACCES);
    }
    return r;
  });
  if (report.rfind("EnterLandlock (skipped", 0) == 0) GTEST_SKIP() << report;
  EXPECT_EQ(report, "");
}

// A kernel without unprivileged user namespaces (an outer filter refuses unshare): Landlock
// and seccomp still hide the files and the network, and the sandbox says what is missing.
TEST(SandboxLayersTest, WithoutNamespacesLandlockAndSeccompStillConfine) {
  const std::string report = InChild([] {
    scmp_filter_ctx outer = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(outer, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
    if (seccomp_load(outer) != 0) return std::string("cannot load the outer filter");
    seccomp_release(outer);
    const int fd = PreopenedFile();
    auto layers = EnterSandbox();
    if (!layers.ok()) return "EnterSandbox: " + layers.status().ToString();
    std::string r = Expect(!layers->namespaces && layers->landlock_abi > 0 && layers->seccomp,
                           "layers: " + layers->Describe());
    r += Expect(layers->Describe().find("missing: namespaces (unshare") != std::string::npos,
                "Describe: " + layers->Describe());
    return r + ProbeFilter(fd);
  });
  EXPECT_EQ(report, "");
}

// A kernel without user namespaces and without Landlock, imitated with an outer filter:
// the sandbox refuses rather than confine only partly.
TEST(SandboxLayersTest, WithoutNamespacesAndLandlockTheSandboxIsUnavailable) {
  const std::string report = InChild([] {
    scmp_filter_ctx outer = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(outer, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
    seccomp_rule_add(outer, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0);
    if (seccomp_load(outer) != 0) return std::string("cannot load the outer filter");
    seccomp_release(outer);
    auto layers = EnterSandbox();
    if (layers.ok()) return "EnterSandbox succeeded: " + layers->Describe();
    std::string r = Expect(layers.status().code() == Code::kFailedPrecondition,
                           "code: " + layers.status().ToString());
    return r + Expect(layers.status().message().rfind("sandbox unavailable: ", 0) == 0 &&
                          layers.status().message().find("landlock") != std::string::npos,
                      "message: " + layers.status().message());
  });
  EXPECT_EQ(report, "");
}

}  // namespace
}  // namespace mv::torch_worker
