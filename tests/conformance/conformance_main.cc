// The ONNX backend node tests through modelvault's HTTP API and Open Inference Protocol.
//
// Starts the real `modelvault serve` on port 0 over a fresh data dir, then for every
// test_* directory of Debian's libonnx-testdata (onnx 1.12): registers a model, uploads
// model.onnx as a version, checks GET /v2/models/{m}/versions/{v} (names, datatypes and
// shapes) against the graph, and runs every test_data_set through POST .../infer:
// - with the binary tensor extension (exact bytes for every datatype, outputs asked for by
//   name), compared with output_N.pb as onnx.backend.test.runner compares: same datatype
//   and shape, floats with assert_allclose(rtol=1e-3, atol=1e-7) (onnx 1.12's loader
//   defaults; on-disk node tests carry no per-test overrides), everything else exactly;
// - with JSON tensors, where JSON can carry the values (no NaN or infinity, UTF-8 strings):
//   the JSON answer must equal the binary answer bit for bit.
// onnx 1.12 wrote bfloat16 test data as UINT16 tensors of the same bits; they are read as
// BF16 where the graph declares BF16.
//
// The other sets of the same package (pytorch-converted, pytorch-operator, real, simple) run
// the same way with --cases /usr/share/libonnx-testdata/data/<set>; their exceptions are the
// lines of expected_failures.txt prefixed "<set>/" (the node set's have no prefix).
//
// Each failure must be listed in expected_failures.txt with its reason; an unlisted
// failure, a listed test that passes (unless its category depends on the machine), a
// listed test that does not exist, a request that gets no answer or a server that does not
// exit 0 after SIGTERM fails the run (exit 1).
//
// usage: mv_conformance --server BIN --expected FILE [--cases DIR] [--jobs N]
//                       [--filter SUBSTRING] [--every N] [--server-arg ARG]... [--verbose]
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/conformance/case_runner.h"
#include "tests/conformance/expected_failures.h"
#include "tests/conformance/node_case.h"
#include "tests/conformance/report.h"
#include "tests/conformance/server_process.h"
#include "tests/conformance/work_dir.h"

namespace mv::conformance {
namespace {

constexpr const char* kDefaultCases = "/usr/share/libonnx-testdata/data/node";

struct Options {
  std::string server;
  std::string expected;
  std::string cases = kDefaultCases;
  std::string filter;
  std::vector<std::string> server_args;
  int jobs = 2;
  int every = 1;  // run every Nth case (sorted by name), for the sanitizer builds
  bool verbose = false;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--verbose") {
      o.verbose = true;
    } else if (has_value && a == "--server") {
      o.server = argv[++i];
    } else if (has_value && a == "--expected") {
      o.expected = argv[++i];
    } else if (has_value && a == "--cases") {
      o.cases = argv[++i];
    } else if (has_value && a == "--filter") {
      o.filter = argv[++i];
    } else if (has_value && a == "--server-arg") {
      o.server_args.push_back(argv[++i]);
    } else if (has_value && a == "--jobs") {
      o.jobs = std::max(1, std::atoi(argv[++i]));
    } else if (has_value && a == "--every") {
      o.every = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "mv_conformance: unknown or incomplete argument '%s'\n", a.c_str());
      return false;
    }
  }
  return !o.server.empty() && !o.expected.empty();
}

// The case directories to run: 1 in o.every of `names` (sorted) that contain o.filter.
// `selection` says so when that is not all of them.
std::vector<std::string> SelectCases(const Options& o, const std::vector<std::string>& names,
                                     std::string& selection) {
  std::vector<std::string> dirs;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i % static_cast<size_t>(o.every) == 0 && names[i].find(o.filter) != std::string::npos) {
      dirs.push_back(o.cases + "/" + names[i]);
    }
  }
  if (dirs.size() < names.size()) {
    selection = " (" + std::to_string(dirs.size()) + " of " + std::to_string(names.size()) +
                " tests: 1 in " + std::to_string(o.every) +
                (o.filter.empty() ? "" : " matching '" + o.filter + "'") + ")";
  }
  return dirs;
}

// The entries of `all` for the test set in `cases_dir` (its last path component): "set/test"
// entries for that set with the prefix dropped; unprefixed ones for the node set.
std::map<std::string, ExpectedFailure> ForSet(const std::map<std::string, ExpectedFailure>& all,
                                              const std::string& cases_dir) {
  std::string set = cases_dir.substr(cases_dir.find_last_of('/') + 1);
  std::map<std::string, ExpectedFailure> out;
  for (const auto& [name, e] : all) {
    const size_t slash = name.find('/');
    const std::string prefix = slash == std::string::npos ? "node" : name.substr(0, slash);
    if (prefix != set) continue;
    ExpectedFailure copy = e;
    copy.test = name.substr(slash == std::string::npos ? 0 : slash + 1);
    out.emplace(copy.test, std::move(copy));
  }
  return out;
}

// Runs the cases on `jobs` threads, each with its own connection.
std::vector<CaseResult> RunAll(const std::vector<std::string>& dirs, int port,
                               const std::string& token, int jobs) {
  std::vector<CaseResult> results(dirs.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      CaseRunner runner(port, Tolerance{}, /*read_timeout_s=*/300, token);
      for (size_t i = next++; i < dirs.size(); i = next++) results[i] = runner.Run(dirs[i]);
    });
  }
  for (std::thread& t : workers) t.join();
  return results;
}

int Main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout (| head) must not skip the cleanup
  Options o;
  if (!ParseArgs(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: mv_conformance --server BIN --expected FILE [--cases DIR] "
                 "[--jobs N] [--filter S] [--every N] [--server-arg A]... [--verbose]\n");
    return 2;
  }
  std::vector<std::string> names = ListCases(o.cases);
  if (names.empty()) {
    std::fprintf(stderr,
                 "mv_conformance: FAILED: no ONNX node tests in %s. Debian's libonnx-testdata "
                 "is missing: run scripts/setup-deps (or apt-get install libonnx-testdata).\n",
                 o.cases.c_str());
    return 1;
  }
  auto list_text = ReadFile(o.expected);
  auto expected = list_text.ok()
                      ? ParseExpectedFailures(*list_text)
                      : Result<std::map<std::string, ExpectedFailure>>(list_text.status());
  if (!expected.ok()) {
    std::fprintf(stderr, "mv_conformance: %s\n", expected.status().message().c_str());
    return 1;
  }
  std::string selection;
  const std::vector<std::string> dirs = SelectCases(o, names, selection);
  const std::string work = MakeWorkDir();
  if (work.empty()) {
    std::fprintf(stderr, "mv_conformance: cannot create a temp dir\n");
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  auto server = ServerProcess::Start(o.server, work, o.server_args, 120'000);
  if (!server.ok()) {
    std::fprintf(stderr, "mv_conformance: %s\n", server.status().message().c_str());
    RemoveTree(work, 8);
    return 1;
  }
  std::vector<CaseResult> results = RunAll(dirs, (*server)->port(), (*server)->token(), o.jobs);
  RunInfo info;
  info.cases_dir = o.cases;
  info.jobs = o.jobs;
  info.selection = selection;
  info.verbose = o.verbose;
  info.server_alive_after_run = (*server)->Alive();
  info.server_stop = (*server)->Stop(60'000);
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool ok = PrintReport(results, names, ForSet(*expected, o.cases), info, stdout);
  RemoveTree(work, 8);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mv::conformance

int main(int argc, char** argv) { return mv::conformance::Main(argc, argv); }
