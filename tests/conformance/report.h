// The suite's verdict: which failures were expected, which were not, which listed tests
// now pass, and the counts, printed for the ctest log.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "util/status.h"
#include "tests/conformance/case_runner.h"
#include "tests/conformance/expected_failures.h"

namespace mv::conformance {

struct RunInfo {
  std::string cases_dir;
  int jobs = 0;
  std::string selection;  // e.g. " (311 of 932 tests: 1 in 3)"; empty when all ran
  bool verbose = false;   // print what each expected failure actually did
  bool server_alive_after_run = true;
  Status server_stop;  // how the server shut down
  double seconds = 0;
};

// Prints the summary and the failures to `out`. Returns true when the run passes: every
// failure is listed (and got an answer), every listed test that ran failed, every listed
// test exists, and the server stayed up and stopped cleanly.
bool PrintReport(const std::vector<CaseResult>& results, const std::vector<std::string>& all_tests,
                 const std::map<std::string, ExpectedFailure>& expected, const RunInfo& info,
                 std::FILE* out);

}  // namespace mv::conformance
