#include "tests/scaleout/s3_server.h"

#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace mv::test {
namespace fs = std::filesystem;

Result<std::unique_ptr<S3Server>> S3Server::Start(const std::string& bucket) {
  const std::string script = std::string(MV_SCALEOUT_DIR) + "/s3_server.js";
  if (!fs::exists(std::string(MV_SCALEOUT_DIR) + "/node_modules/@20minutes/s3rver")) {
    return FailedPrecondition("the s3rver npm package is not installed in " +
                              std::string(MV_SCALEOUT_DIR) + " (run scripts/setup-deps)");
  }
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                     "/mv-s3rver-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Internal("mkdtemp " + tmpl);
  std::unique_ptr<S3Server> s(new S3Server());
  s->dir_ = tmpl;
  s->bucket_ = bucket;
  const std::string port_file = s->dir_ + "/port";
  const std::string data = s->dir_ + "/data";
  std::vector<std::string> args = {"node", script, data, port_file, bucket};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawnp(&s->pid_, "node", nullptr, nullptr, argv.data(), environ) != 0) {
    s->pid_ = -1;
    return FailedPrecondition("cannot run node (run scripts/setup-deps)");
  }
  for (int i = 0; i < 300; ++i) {  // up to 30 s on a loaded machine
    std::ifstream in(port_file);
    if (in >> s->port_ && s->port_ > 0) return s;
    int status = 0;
    if (::waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
      s->pid_ = -1;
      return Internal("s3_server.js exited before listening");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Internal("s3_server.js did not write its port within 30 s");
}

S3Server::~S3Server() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string S3Server::BlobsUrl(const std::string& prefix) const {
  return "s3://" + bucket_ + (prefix.empty() ? "" : "/" + prefix) + "?endpoint=" + endpoint() +
         "&region=us-east-1";
}

void S3Server::SetCredentialsEnv(const std::string& secret) {
  ::setenv("AWS_ACCESS_KEY_ID", kAccessKey, 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", secret.c_str(), 1);
  ::unsetenv("AWS_SESSION_TOKEN");
}

}  // namespace mv::test
