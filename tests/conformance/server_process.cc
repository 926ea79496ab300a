#include "tests/conformance/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace mv::conformance {
namespace {

std::string StatusText(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// In the child: never returns. TMPDIR is the work dir, so what the server (or ONNX Runtime,
// which leaves .ses and mat-debug-<pid>.log files there) writes to it goes away with it.
[[noreturn]] void ExecServer(const std::vector<std::string>& argv, const std::string& log,
                             const std::string& tmp_dir) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::setenv("TMPDIR", tmp_dir.c_str(), 1);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "cannot execute %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

int ReadPort(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  return (in >> port) ? port : 0;
}

}  // namespace

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(const std::string& binary,
                                                            const std::string& work_dir,
                                                            const std::vector<std::string>& extra,
                                                            int start_timeout_ms) {
  std::unique_ptr<ServerProcess> s(new ServerProcess());
  s->log_path_ = work_dir + "/server.log";
  const std::string port_file = work_dir + "/port";
  std::vector<std::string> argv = {binary,   "serve",     "--data-dir",  work_dir + "/data",
                                   "--port", "0",         "--port-file", port_file,
                                   "--host", "127.0.0.1", "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  s->pid_ = ::fork();
  if (s->pid_ < 0) return Internal("fork failed");
  if (s->pid_ == 0) ExecServer(argv, s->log_path_, work_dir);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(start_timeout_ms);
  while ((s->port_ = ReadPort(port_file)) == 0) {
    if (!s->Alive()) {
      return Internal("the server exited (" + s->exit_text_ + ") before listening:\n" +
                      s->LogTail(2000));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Internal("the server wrote no port file within " + std::to_string(start_timeout_ms) +
                      " ms:\n" + s->LogTail(2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Written before the server listens.
  std::ifstream token(work_dir + "/data/admin-token");
  token >> s->token_;
  return s;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    Reap(0);
  }
}

bool ServerProcess::Reap(int options) {
  if (exited_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, options);
  if (r != pid_) return false;
  exited_ = true;
  wait_status_ = status;
  exit_text_ = StatusText(status);
  return true;
}

bool ServerProcess::Alive() { return !Reap(WNOHANG); }

Status ServerProcess::Stop(int timeout_ms) {
  if (!exited_) ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!Reap(WNOHANG)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      Reap(0);
      return Internal("the server did not stop within " + std::to_string(timeout_ms) +
                      " ms of SIGTERM");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(wait_status_) || WEXITSTATUS(wait_status_) != 0) {
    return Internal("the server ended with " + exit_text_ + ":\n" + LogTail(3000));
  }
  return Status::Ok();
}

std::string ServerProcess::LogTail(size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() <= bytes ? all : "..." + all.substr(all.size() - bytes);
}

}  // namespace mv::conformance
