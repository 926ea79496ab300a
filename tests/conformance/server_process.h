// The real `modelvault serve` as a child process: its own data dir, 127.0.0.1 port 0, the
// bound port read from --port-file, stdout and stderr in a log file. The child gets SIGKILL
// if this process dies first (PR_SET_PDEATHSIG), so a crashed suite leaves no server.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace mv::conformance {

class ServerProcess {
 public:
  // Starts `binary serve --data-dir <work_dir>/data --port 0 --port-file ... --quiet
  // <extra flags>` and waits up to `start_timeout_ms` for its port. Internal (with the
  // log's tail) when it cannot be started or exits first. Call from the thread that will
  // also stop it (the death signal follows the thread that forked).
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& binary,
                                                      const std::string& work_dir,
                                                      const std::vector<std::string>& extra,
                                                      int start_timeout_ms);
  ~ServerProcess();  // SIGKILL and reap when Stop was not called
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  // The admin token the server wrote to <work_dir>/data/admin-token (auth is on by default);
  // empty when there is none.
  const std::string& token() const { return token_; }
  // Whether the child is still running (reaps it when it is not). Not thread-safe: call it
  // from the thread that started the server.
  bool Alive();
  // How the child ended, e.g. "exit 0" or "signal 11"; "running" while it runs.
  std::string ExitText() const { return exit_text_; }
  // SIGTERM, then waits up to `timeout_ms` (SIGKILL after that). Internal unless the child
  // exits with status 0, as `modelvault serve` does after a graceful shutdown.
  Status Stop(int timeout_ms);
  // The last `bytes` of the server's log.
  std::string LogTail(size_t bytes) const;

 private:
  ServerProcess() = default;
  bool Reap(int options);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string exit_text_ = "running";
  std::string log_path_;
};

}  // namespace mv::conformance
