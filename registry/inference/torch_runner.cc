#include "registry/inference/torch_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "util/json_read.h"
#include "registry/inference/safetensors_io.h"

namespace mv::inference {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxStderrBytes = 64 << 10;
constexpr int64_t kOutputHeaderSlack = int64_t{1} << 20;
constexpr int kExitWorkerError = 2;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// A private 0700 directory, removed with its contents when the object goes away.
class RunDir {
 public:
  static Result<RunDir> Make(const std::string& root) {
    std::string base = root;
    if (base.empty()) {
      const char* env = std::getenv("TMPDIR");
      base = env != nullptr && *env != '\0' ? env : "/tmp";
    }
    std::string tmpl = base + "/mv-torch-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Internal(Errno("cannot create a temp dir in " + base));
    }
    return RunDir(std::move(tmpl));
  }
  RunDir(RunDir&& other) noexcept : path_(std::exchange(other.path_, "")) {}
  RunDir& operator=(RunDir&&) = delete;
  ~RunDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit RunDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

Status WriteNewFile(const std::string& path, std::string_view bytes) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Internal(Errno("cannot create " + path));
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return errno == ENOSPC ? StorageFull(Errno("cannot write " + path))
                             : Internal(Errno("cannot write " + path));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// The whole regular file, refused (ResourceExhausted) above `max_bytes`.
Result<std::string> ReadBoundedFile(const std::string& path, int64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Internal("the TorchScript worker wrote no output file");
  }
  if (st.st_size > max_bytes) {
    return ResourceExhausted("the TorchScript outputs are larger than " +
                             std::to_string(max_bytes) + " bytes");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t at = 0;
  while (at < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Internal(Errno("cannot read " + path));
    at += static_cast<size_t>(n);
  }
  return out;
}

// Everything the child needs, built before fork: after it only async-signal-safe calls.
struct Spawn {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string dir;
  TorchLimits limits;
};

void SetLimit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl {};
  rl.rlim_cur = soft;
  rl.rlim_max = hard;
  ::setrlimit(resource, &rl);
}

[[noreturn]] void ExecChild(const Spawn& s, char* const* argv, char* const* envp, int err_fd,
                            int null_fd) {
  ::setpgid(0, 0);
  if (::chdir(s.dir.c_str()) != 0) ::_exit(127);
  const auto cpu = static_cast<rlim_t>(s.limits.cpu_seconds);
  SetLimit(RLIMIT_CPU, cpu, cpu + 1);
  SetLimit(RLIMIT_AS, static_cast<rlim_t>(s.limits.memory_bytes),
           static_cast<rlim_t>(s.limits.memory_bytes));
  const auto fsize = static_cast<rlim_t>(s.limits.max_output_bytes + kOutputHeaderSlack);
  SetLimit(RLIMIT_FSIZE, fsize, fsize);
  SetLimit(RLIMIT_CORE, 0, 0);
  if (::dup2(null_fd, 0) < 0 || ::dup2(err_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
  // The server's sockets and files stay out of the worker, CLOEXEC or not.
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    for (int fd = 3; fd < 65536; ++fd) ::close(fd);
  }
  ::execve(argv[0], argv, envp);
  static const char kMsg[] = "{\"error\":\"cannot execute the TorchScript worker\"}\n";
  (void)!::write(2, kMsg, sizeof kMsg - 1);
  ::_exit(127);
}

struct Exit {
  bool timed_out = false;
  int status = 0;
  double cpu_seconds = 0;
  std::string output;  // the end of the worker's stdout and stderr
};

// Keeps the last kMaxStderrBytes (the worker's error line comes last), in at most twice that.
void ReadSome(int fd, std::string& into, bool& eof) {
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EINTR)) eof = true;
  if (n <= 0) return;
  into.append(buf, static_cast<size_t>(n));
  if (into.size() > 2 * kMaxStderrBytes) into.erase(0, into.size() - kMaxStderrBytes);
}

// Whether `pid` has exited, without reaping it (its pid, and so its group, stay reserved).
// ECHILD (someone else reaped it: SIGCHLD ignored) counts as exited, and sets `reaped`.
bool Exited(pid_t pid, bool& reaped) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    reaped = errno == ECHILD;
    return reaped;
  }
  return info.si_pid == pid;
}

// Reads the worker's output until it exits or the deadline passes (then kills its group).
Exit Collect(pid_t pid, int out_fd, Clock::time_point deadline) {
  Exit e;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool eof = false, reaped = false;
  while (!Exited(pid, reaped)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      e.timed_out = true;
      break;
    }
    // Without a pidfd (old kernels) the exit is noticed by polling every 20 ms.
    pollfd fds[2] = {{eof ? -1 : out_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int wait_ms =
        static_cast<int>(pidfd >= 0 ? std::min<int64_t>(left, 60000) : std::min<int64_t>(left, 20));
    if (::poll(fds, 2, wait_ms) > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ReadSome(out_fd, e.output, eof);
    }
  }
  // The group: anything the worker left behind. Not once reaped: the pid may be reused.
  if (!reaped) ::kill(-pid, SIGKILL);
  ::fcntl(out_fd, F_SETFL, O_NONBLOCK);
  while (!eof) ReadSome(out_fd, e.output, eof);
  struct rusage ru {};
  while (::wait4(pid, &e.status, 0, &ru) < 0 && errno == EINTR) {
  }
  e.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  if (pidfd >= 0) ::close(pidfd);
  return e;
}

Result<Exit> SpawnAndWait(const Spawn& s) {
  std::vector<char*> argv, envp;
  for (const std::string& a : s.args) argv.push_back(const_cast<char*>(a.c_str()));
  for (const std::string& v : s.env) envp.push_back(const_cast<char*>(v.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Internal(Errno("pipe"));
  Fd out_r(pipe_fds[0]), out_w(pipe_fds[1]);
  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_fd.get() < 0) return Internal(Errno("cannot open /dev/null"));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(s.limits.wall_seconds));
  const pid_t pid = ::fork();
  if (pid < 0) return Unavailable(Errno("cannot start the TorchScript worker"));
  if (pid == 0) ExecChild(s, argv.data(), envp.data(), out_w.get(), null_fd.get());
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
  out_w.Close();
  return Collect(pid, out_r.get(), deadline);
}

std::string SignalName(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGABRT:
      return "SIGABRT";
    case SIGILL:
      return "SIGILL";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGSYS:
      return "SIGSYS: a system call the sandbox refuses";
    default:
      return "signal " + std::to_string(sig);
  }
}

// The worker's {"error":...,"code":...} line (the last one), as a Status.
Status WorkerError(const std::string& output) {
  const size_t at = output.rfind("{\"error\"");
  std::string message = "the TorchScript worker failed without saying why";
  std::string code;
  if (at != std::string::npos) {
    const size_t end = output.find('\n', at);
    auto line = util::ReadJson(output.substr(at, end - at));
    if (line.ok() && line->is_object()) {
      if (auto k = line->find("code"); k != line->end() && k->is_string()) {
        code = k->get<std::string>();
      }
      // Not the module's fault: this machine cannot confine it, so it was not run at all.
      const char* prefix =
          code == "sandbox_unavailable" ? "TorchScript not run: " : "TorchScript: ";
      if (auto e = line->find("error"); e != line->end() && e->is_string()) {
        message = prefix + e->get<std::string>().substr(0, 2048);
      }
    }
  }
  if (code == "sandbox_unavailable") return FailedPrecondition(message);
  return code == "resource_exhausted" ? ResourceExhausted(message) : InvalidArgument(message);
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string Tail(const std::string& s) {
  return s.size() <= 512 ? s : "..." + s.substr(s.size() - 512);
}

Status ExitStatus(const Exit& e, const TorchLimits& limits) {
  if (e.timed_out) {
    return Unavailable("the TorchScript worker ran longer than " + Seconds(limits.wall_seconds) +
                       " s and was killed");
  }
  if (WIFSIGNALED(e.status)) {
    const int sig = WTERMSIG(e.status);
    if (sig == SIGXCPU || (sig == SIGKILL && e.cpu_seconds >= limits.cpu_seconds)) {
      return ResourceExhausted("the TorchScript worker used more than " +
                               std::to_string(limits.cpu_seconds) + " s of CPU and was killed");
    }
    if (sig == SIGXFSZ) {
      return ResourceExhausted("the TorchScript outputs are larger than " +
                               std::to_string(limits.max_output_bytes) + " bytes");
    }
    return Internal("the TorchScript worker crashed (" + SignalName(sig) + ")" +
                    (e.output.empty() ? "" : ": " + Tail(e.output)));
  }
  const int code = WIFEXITED(e.status) ? WEXITSTATUS(e.status) : -1;
  if (code == 0) return Status::Ok();
  if (code == kExitWorkerError) return WorkerError(e.output);
  return Internal("the TorchScript worker exited with code " + std::to_string(code) + ": " +
                  Tail(e.output));
}

}  // namespace

TorchRunner::TorchRunner(std::string worker_path, TorchLimits limits, std::string temp_root)
    : worker_path_(std::move(worker_path)), limits_(limits), temp_root_(std::move(temp_root)) {}

std::string TorchRunner::DefaultWorkerPath() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (self.parent_path() / "modelvault-torch-worker").string();
}

bool TorchRunner::Available() const {
  return !worker_path_.empty() && ::access(worker_path_.c_str(), X_OK) == 0;
}

Result<std::vector<Tensor>> TorchRunner::Run(const std::string& torchscript,
                                             const std::vector<Tensor>& inputs,
                                             const std::string& method) const {
  ASSIGN_OR_RETURN(RunDir dir, RunDir::Make(temp_root_));
  const std::string model = dir.path() + "/model.pt";
  RETURN_IF_ERROR(WriteNewFile(model, torchscript));
  return RunIn(dir.path(), model, inputs, method);
}

Result<std::vector<Tensor>> TorchRunner::RunFile(const std::string& path,
                                                 const std::vector<Tensor>& inputs,
                                                 const std::string& method) const {
  ASSIGN_OR_RETURN(RunDir dir, RunDir::Make(temp_root_));
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).string();
  if (ec) return InvalidArgument("bad TorchScript path: " + path);
  return RunIn(dir.path(), absolute, inputs, method);
}

Result<std::vector<Tensor>> TorchRunner::RunIn(const std::string& dir,
                                               const std::string& model_path,
                                               const std::vector<Tensor>& inputs,
                                               const std::string& method) const {
  if (!Available()) {
    return Unavailable("the TorchScript worker is not installed (" + worker_path_ + ")");
  }
  ASSIGN_OR_RETURN(std::string encoded, EncodeSafetensors(inputs));
  RETURN_IF_ERROR(WriteNewFile(dir + "/inputs.safetensors", encoded));
  encoded.clear();
  encoded.shrink_to_fit();
  Spawn s;
  s.dir = dir;
  s.limits = limits_;
  s.args = {worker_path_};
  const auto flag = [&s](const char* name, std::string value) {
    s.args.push_back(name);
    s.args.push_back(std::move(value));
  };
  flag("--model", model_path);
  flag("--inputs", dir + "/inputs.safetensors");
  flag("--outputs", dir + "/outputs.safetensors");
  flag("--method", method);
  flag("--threads", std::to_string(limits_.threads));
  flag("--cpu-seconds", std::to_string(limits_.cpu_seconds));
  flag("--memory-bytes", std::to_string(limits_.memory_bytes));
  flag("--max-output-bytes", std::to_string(limits_.max_output_bytes));
  // A clean environment: nothing of the server's (credentials, LD_PRELOAD) reaches it.
  const std::string threads = std::to_string(limits_.threads);
  s.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
           "HOME=" + dir,
           "TMPDIR=" + dir,
           "LC_ALL=C",
           "OMP_NUM_THREADS=" + threads,
           "MKL_NUM_THREADS=" + threads};
  if (const char* lib = std::getenv("LD_LIBRARY_PATH")) {
    s.env.push_back(std::string("LD_LIBRARY_PATH=") + lib);
  }
  ASSIGN_OR_RETURN(Exit e, SpawnAndWait(s));
  RETURN_IF_ERROR(ExitStatus(e, limits_));
  ASSIGN_OR_RETURN(std::string out, ReadBoundedFile(dir + "/outputs.safetensors",
                                                    limits_.max_output_bytes + kOutputHeaderSlack));
  auto tensors = DecodeSafetensors(out);
  if (!tensors.ok()) {
    return Internal("the TorchScript worker wrote unreadable outputs: " +
                    tensors.status().message());
  }
  return tensors;
}

}  // namespace mv::inference
