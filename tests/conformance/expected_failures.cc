#include "tests/conformance/expected_failures.h"

#include <sstream>

namespace mv::conformance {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

const std::vector<Category>& KnownCategories() {
  static const auto* categories = new std::vector<Category>{
      {"random", "random ops (RandomNormal, Bernoulli, ...): outputs are draws", false},
      {"training", "training ops and training-mode ops: optimizers, random dropout masks", false},
      {"non-tensor", "sequence/optional/map inputs or outputs: OIP carries only tensors", false},
      {"string-locale", "string ops that need a locale this machine may not have", true},
      {"ort-unimplemented", "ops or types ONNX Runtime 1.29 does not implement", false},
      {"ort-differs", "ONNX Runtime 1.29 answers differently from onnx 1.12's reference", false},
      {"bad-test-data", "onnx 1.12 test data that contradicts its own model", false},
      {"inspector", "models the registry's inspector refuses", false},
      {"upload-rejected", "uploads the registry legitimately rejects", false},
      {"not-packaged", "Debian ships only the model's download URL; tests download nothing", false},
  };
  return *categories;
}

const Category* FindCategory(const std::string& name) {
  for (const Category& c : KnownCategories()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<std::map<std::string, ExpectedFailure>> ParseExpectedFailures(const std::string& text) {
  std::map<std::string, ExpectedFailure> out;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = "expected_failures.txt:" + std::to_string(line_no) + ": ";
    ExpectedFailure e;
    e.line = line_no;
    const size_t gap = line.find_first_of(" \t");
    const size_t colon = line.find(':', gap == std::string::npos ? 0 : gap);
    if (gap == std::string::npos || colon == std::string::npos) {
      return InvalidArgument(where + "want \"test_name  category: reason\", got \"" + line + "\"");
    }
    e.test = line.substr(0, gap);
    e.category = Trim(line.substr(gap, colon - gap));
    e.reason = Trim(line.substr(colon + 1));
    if (!FindCategory(e.category))
      return InvalidArgument(where + "unknown category '" + e.category + "'");
    if (e.reason.empty()) return InvalidArgument(where + "no reason for " + e.test);
    if (!out.emplace(e.test, e).second) return InvalidArgument(where + e.test + " listed twice");
  }
  return out;
}

}  // namespace mv::conformance
