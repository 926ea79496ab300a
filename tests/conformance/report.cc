#include "tests/conformance/report.h"

#include <algorithm>
#include <set>

namespace mv::conformance {
namespace {

constexpr size_t kMaxListed = 40;  // unexpected failures printed in full

// The first `n` lines of `text`, each indented.
std::string FirstLines(const std::string& text, int n, const std::string& indent) {
  std::string out;
  size_t at = 0;
  for (int i = 0; i < n && at <= text.size(); ++i) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    out += indent + text.substr(at, nl - at) + "\n";
    at = nl + 1;
  }
  if (at < text.size()) out += indent + "...\n";
  return out;
}

struct Tally {
  int passed = 0;
  int json_checked = 0;
  std::map<std::string, int> by_category;
  std::vector<const CaseResult*> unexpected;
  std::vector<const CaseResult*> expected_failed;
  std::vector<const ExpectedFailure*> now_passing;
  std::vector<const ExpectedFailure*> may_pass;  // passed here; their category allows it
  std::vector<const ExpectedFailure*> stale;
  std::vector<std::string> http_5xx;
};

Tally Count(const std::vector<CaseResult>& results, const std::vector<std::string>& all_tests,
            const std::map<std::string, ExpectedFailure>& expected) {
  Tally t;
  for (const CaseResult& r : results) {
    auto it = expected.find(r.name);
    const bool listed = it != expected.end();
    if (r.http_status >= 500) t.http_5xx.push_back(r.name);
    if (r.passed) {
      ++t.passed;
      t.json_checked += r.json_checked ? 1 : 0;
      if (listed) {
        const Category* c = FindCategory(it->second.category);
        (c && c->may_pass ? t.may_pass : t.now_passing).push_back(&it->second);
      }
    } else if (listed && !r.transport_error) {
      ++t.by_category[it->second.category];
      t.expected_failed.push_back(&r);
    } else {
      t.unexpected.push_back(&r);
    }
  }
  const std::set<std::string> exists(all_tests.begin(), all_tests.end());
  for (const auto& [name, e] : expected) {
    if (!exists.count(name)) t.stale.push_back(&e);
  }
  return t;
}

void PrintCounts(const Tally& t, size_t total, const RunInfo& info, std::FILE* out) {
  std::fprintf(out, "== ONNX backend node tests through modelvault's Open Inference Protocol ==\n");
  std::fprintf(out, "cases %s%s, %d workers, %.1f s (server start to stop)\n",
               info.cases_dir.c_str(), info.selection.c_str(), info.jobs, info.seconds);
  std::fprintf(out, "total                          %5zu\n", total);
  std::fprintf(out, "passed                         %5d  (binary and JSON: %d, binary only: %d)\n",
               t.passed, t.json_checked, t.passed - t.json_checked);
  int expected_total = 0;
  for (const auto& [category, n] : t.by_category) expected_total += n;
  std::fprintf(out, "expected failures              %5d\n", expected_total);
  for (const Category& c : KnownCategories()) {
    auto it = t.by_category.find(c.name);
    if (it == t.by_category.end()) continue;
    std::fprintf(out, "  %-28s %5d  %s\n", c.name.c_str(), it->second, c.what.c_str());
  }
  std::fprintf(out, "unexpected failures            %5zu\n", t.unexpected.size());
  std::fprintf(out, "expected failures now passing  %5zu\n", t.now_passing.size());
  std::string names;
  for (const std::string& n : t.http_5xx) names += " " + n;
  std::fprintf(out, "answered with HTTP 5xx         %5zu%s\n", t.http_5xx.size(), names.c_str());
}

void PrintSlowest(const std::vector<CaseResult>& results, std::FILE* out) {
  std::vector<const CaseResult*> by_time;
  for (const CaseResult& r : results) by_time.push_back(&r);
  const size_t n = std::min<size_t>(5, by_time.size());
  std::partial_sort(
      by_time.begin(), by_time.begin() + static_cast<ptrdiff_t>(n), by_time.end(),
      [](const CaseResult* a, const CaseResult* b) { return a->seconds > b->seconds; });
  std::fprintf(out, "slowest:");
  for (size_t i = 0; i < n; ++i) {
    std::fprintf(out, " %s %.2f s%s", by_time[i]->name.c_str(), by_time[i]->seconds,
                 i + 1 < n ? "," : "\n");
  }
}

void PrintLists(const Tally& t, const RunInfo& info, std::FILE* out) {
  if (!t.unexpected.empty()) {
    std::fprintf(out, "\nUNEXPECTED FAILURES (not in expected_failures.txt, or no answer):\n");
    const size_t shown = std::min<size_t>(t.unexpected.size(), kMaxListed);
    for (size_t i = 0; i < shown; ++i) {
      const CaseResult* r = t.unexpected[i];
      std::fprintf(out, "  %s [%s]\n%s", r->name.c_str(), r->stage.c_str(),
                   FirstLines(r->detail, 6, "      ").c_str());
    }
    if (shown < t.unexpected.size()) {
      std::fprintf(out, "  ... and %zu more\n", t.unexpected.size() - shown);
    }
  }
  if (!t.now_passing.empty()) {
    std::fprintf(out, "\nLISTED AS EXPECTED FAILURES BUT PASSING (remove them from the list):\n");
    for (const ExpectedFailure* e : t.now_passing) {
      std::fprintf(out, "  %s  (line %d, %s: %s)\n", e->test.c_str(), e->line, e->category.c_str(),
                   e->reason.c_str());
    }
  }
  if (!t.may_pass.empty()) {
    std::fprintf(out, "\nLISTED, PASSING HERE (their category depends on the machine):\n");
    for (const ExpectedFailure* e : t.may_pass) {
      std::fprintf(out, "  %s  (%s: %s)\n", e->test.c_str(), e->category.c_str(),
                   e->reason.c_str());
    }
  }
  if (!t.stale.empty()) {
    std::fprintf(out, "\nLISTED TESTS THAT DO NOT EXIST in %s:\n", info.cases_dir.c_str());
    for (const ExpectedFailure* e : t.stale) {
      std::fprintf(out, "  %s (line %d)\n", e->test.c_str(), e->line);
    }
  }
  if (info.verbose && !t.expected_failed.empty()) {
    std::fprintf(out, "\nEXPECTED FAILURES, AS THEY FAILED:\n");
    for (const CaseResult* r : t.expected_failed) {
      std::fprintf(out, "  %s [%s]\n%s", r->name.c_str(), r->stage.c_str(),
                   FirstLines(r->detail, 3, "      ").c_str());
    }
  }
}

}  // namespace

bool PrintReport(const std::vector<CaseResult>& results, const std::vector<std::string>& all_tests,
                 const std::map<std::string, ExpectedFailure>& expected, const RunInfo& info,
                 std::FILE* out) {
  const Tally t = Count(results, all_tests, expected);
  PrintCounts(t, results.size(), info, out);
  PrintSlowest(results, out);
  PrintLists(t, info, out);
  bool ok = t.unexpected.empty() && t.now_passing.empty() && t.stale.empty();
  if (!info.server_alive_after_run) {
    std::fprintf(out, "\nthe server died during the run\n");
    ok = false;
  }
  if (!info.server_stop.ok()) {
    std::fprintf(out, "\nserver shutdown: %s\n", info.server_stop.message().c_str());
    ok = false;
  }
  std::fprintf(out, "\nconformance: %s\n", ok ? "PASS" : "FAIL");
  std::fflush(out);
  return ok;
}

}  // namespace mv::conformance
