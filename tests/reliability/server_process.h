// The built `modelvault` binary as a child process, for the reliability drivers: started
// on port 0 with --port-file, signalled and reaped by PID; and one-shot commands whose
// output is captured.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace mv::reliability {

class ServerProcess {
 public:
  // Runs `binary serve --data-dir DIR --port 0 --port-file DIR.port --quiet EXTRA...` with
  // stdout and stderr appended to `log_path`, and waits (up to 60 s) for the port file.
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& binary,
                                                      const std::string& data_dir,
                                                      const std::vector<std::string>& extra,
                                                      const std::string& log_path);
  ~ServerProcess();  // SIGKILLs and reaps a child still running

  int port() const { return port_; }
  // The admin token the server wrote to DIR/admin-token (auth is on by default); empty when
  // there is none (--auth off).
  const std::string& token() const { return token_; }
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Reaps the child: its exit code, or 128 + the signal that ended it.
  int Wait();
  // Whether the child has exited (reaping it if so).
  bool Exited();
  // Resident set size from /proc/PID/status, in KiB (VmRSS; VmHWM for the peak); -1 when gone.
  int64_t RssKib(const char* field = "VmRSS:") const;

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs argv to completion; its stdout goes to *out. Returns the exit code (128 + signal).
int RunCommand(const std::vector<std::string>& argv, std::string* out);

// Regular files under `dir` (recursively), as paths relative to it.
std::vector<std::string> FilesUnder(const std::string& dir);

// A fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& prefix);

}  // namespace mv::reliability
