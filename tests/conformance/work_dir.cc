#include "tests/conformance/work_dir.h"

#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

namespace mv::conformance {
namespace {

namespace fs = std::filesystem;

void RemoveAll(const std::vector<fs::path>& paths, int threads) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::error_code ec;
      for (size_t i = next++; i < paths.size(); i = next++) fs::remove(paths[i], ec);
    });
  }
  for (std::thread& w : workers) w.join();
}

}  // namespace

std::string MakeWorkDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/mv-conformance.XXXXXX";
  return ::mkdtemp(templ.data()) ? templ : "";
}

void RemoveTree(const std::string& dir, int threads) {
  std::map<int, std::vector<fs::path>, std::greater<int>> by_depth;  // deepest first
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    by_depth[it.depth()].push_back(it->path());
  }
  for (const auto& [depth, paths] : by_depth) RemoveAll(paths, threads);
  fs::remove_all(dir, ec);  // whatever is left, and dir itself
}

}  // namespace mv::conformance
