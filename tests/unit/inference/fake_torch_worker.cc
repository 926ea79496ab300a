// A stand-in for modelvault-torch-worker that misbehaves on request, for torch_runner_test:
// it takes the real worker's flags and picks its behaviour from --method.
//   segv       raises SIGSEGV                 hang      waits forever without using CPU
//   garbage    writes a non-safetensors file  no_output exits 0 without writing anything
//   echo       copies the inputs to outputs   report    writes what the launcher set up
//   error      the worker's JSON error line   oom_error the same with resource_exhausted
//   exit3      exits 3 after some text        flood     1 MiB on stderr, then an error
//   big_file   writes past RLIMIT_FSIZE       orphan    leaves a child holding stderr
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "registry/inference/safetensors_io.h"

namespace {

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  return f;
}

mv::Tensor Int64s(const std::string& name, const std::vector<int64_t>& v) {
  mv::Tensor t;
  t.name = name;
  t.dtype = mv::DType::kInt64;
  t.shape = {static_cast<int64_t>(v.size())};
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
  return t;
}

int Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return out.good() ? 0 : 1;
}

int64_t Soft(int resource) {
  struct rlimit rl {};
  getrlimit(resource, &rl);
  return rl.rlim_cur == RLIM_INFINITY ? -1 : static_cast<int64_t>(rl.rlim_cur);
}

// fds, limits (CPU, AS, FSIZE, CORE), own process group, inherited-env marker, cwd match.
int Report(const std::map<std::string, std::string>& f) {
  std::vector<int64_t> fds;
  DIR* d = opendir("/proc/self/fd");
  const int dir_fd = d != nullptr ? dirfd(d) : -1;
  while (dirent* e = d != nullptr ? readdir(d) : nullptr) {
    if (e->d_name[0] != '.' && std::atoi(e->d_name) != dir_fd) fds.push_back(std::atoi(e->d_name));
  }
  if (d != nullptr) closedir(d);
  char cwd[4096] = {};
  const bool cwd_is_run_dir =
      getcwd(cwd, sizeof cwd) != nullptr && f.at("--outputs").rfind(std::string(cwd) + "/", 0) == 0;
  auto st = mv::inference::EncodeSafetensors({
      Int64s("fds", fds),
      Int64s("limits", {Soft(RLIMIT_CPU), Soft(RLIMIT_AS), Soft(RLIMIT_FSIZE), Soft(RLIMIT_CORE)}),
      Int64s("own_group", {getpgrp() == getpid() ? 1 : 0}),
      Int64s("inherited_env", {std::getenv("MV_TORCH_RUNNER_TEST_MARKER") != nullptr ? 1 : 0}),
      Int64s("cwd_is_run_dir", {cwd_is_run_dir ? 1 : 0}),
  });
  return st.ok() ? Write(f.at("--outputs"), *st) : 1;
}

// The child stays in the worker's process group, holding stderr open, and never exits.
int Orphan(const std::map<std::string, std::string>& f) {
  const pid_t child = fork();
  if (child == 0) {
    while (true) pause();
  }
  auto st = mv::inference::EncodeSafetensors({Int64s("child", {child})});
  return st.ok() ? Write(f.at("--outputs"), *st) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto f = Flags(argc, argv);
  const std::string mode = f.count("--method") ? f.at("--method") : "";
  if (mode == "segv") raise(SIGSEGV);
  if (mode == "hang") {
    while (true) pause();
  }
  if (mode == "garbage") return Write(f.at("--outputs"), "this is not a safetensors file");
  if (mode == "no_output") return 0;
  if (mode == "echo") {
    std::ifstream in(f.at("--inputs"), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return Write(f.at("--outputs"), s.str());
  }
  if (mode == "report") return Report(f);
  if (mode == "orphan") return Orphan(f);
  if (mode == "error") {
    std::fprintf(
        stderr,
        "some libtorch noise\n{\"error\":\"bad \\\"thing\\\"\",\"code\":\"invalid_argument\"}\n");
    return 2;
  }
  if (mode == "oom_error") {
    std::fprintf(stderr, "{\"error\":\"can't allocate memory\",\"code\":\"resource_exhausted\"}\n");
    return 2;
  }
  if (mode == "exit3") {
    std::fprintf(stderr, "something odd happened\n");
    return 3;
  }
  if (mode == "flood") {
    const std::string line(1023, 'x');
    for (int i = 0; i < 1024; ++i) std::fprintf(stderr, "%s\n", line.c_str());
    std::fprintf(stderr, "{\"error\":\"after the flood\",\"code\":\"invalid_argument\"}\n");
    return 2;
  }
  if (mode == "big_file") {
    const std::string mib(1 << 20, 'z');
    std::ofstream out(f.at("--outputs"), std::ios::binary);
    for (int i = 0; i < 64; ++i) out << mib << std::flush;
    return 0;
  }
  std::fprintf(stderr, "{\"error\":\"unknown mode\",\"code\":\"internal\"}\n");
  return 2;
}
