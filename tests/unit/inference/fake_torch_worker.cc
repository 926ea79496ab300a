// A stand-in for modelvault-torch-worker that misbehaves on request, for torch_runner_test:
// it takes the real worker's flags and picks its behaviour from --method.
//   segv       raises SIGSEGV                 hang      waits forever without using CPU
//   garbage    writes a non-safetensors file  no_output exits 0 without writing anything
//   echo       copies the inputs to outputs   report    writes what the launcher set up
//   error      the worker's JSON error line   oom_error the same with resource_exhausted
//   exit3      exits 3 after some text        flood     1 MiB on stderr, then an error
//   big_file   writes past RLIMIT_FSIZE       orphan    leaves a child holding stderr
// It links nothing of modelvault, so sanitizer builds can leave it uninstrumented: ASan's
// shadow memory does not fit under the RLIMIT_AS the launcher sets.
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

namespace {

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  return f;
}

struct Int64s {
  std::string name;
  std::vector<int64_t> values;
};

// safetensors by hand: int64 vectors, in order.
std::string Encode(const std::vector<Int64s>& tensors) {
  std::string header = "{", data;
  for (const Int64s& t : tensors) {
    const size_t begin = data.size();
    data.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 8);
    header += (header.size() > 1 ? ",\"" : "\"") + t.name + "\":{\"dtype\":\"I64\",\"shape\":[" +
              std::to_string(t.values.size()) + "],\"data_offsets\":[" + std::to_string(begin) +
              "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  std::string out(8, '\0');
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
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
  return Write(
      f.at("--outputs"),
      Encode({
          {"fds", fds},
          {"limits", {Soft(RLIMIT_CPU), Soft(RLIMIT_AS), Soft(RLIMIT_FSIZE), Soft(RLIMIT_CORE)}},
          {"own_group", {getpgrp() == getpid() ? 1 : 0}},
          {"inherited_env", {std::getenv("MV_TORCH_RUNNER_TEST_MARKER") != nullptr ? 1 : 0}},
          {"cwd_is_run_dir", {cwd_is_run_dir ? 1 : 0}},
      }));
}

// The child stays in the worker's process group, holding stderr open, and never exits.
int Orphan(const std::map<std::string, std::string>& f) {
  const pid_t child = fork();
  if (child == 0) {
    while (true) pause();
  }
  return Write(f.at("--outputs"), Encode({{"child", {child}}}));
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
