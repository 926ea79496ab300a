// tests/conformance/expected_failures.txt: one line per node test that is known not to
// pass through modelvault's Open Inference Protocol, "test_name  category: reason".
// Blank lines and lines starting with '#' are ignored. The category must be one of
// KnownCategories(); the reason must say specifically why this test cannot pass.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "util/status.h"

namespace mv::conformance {

struct ExpectedFailure {
  std::string test;
  std::string category;
  std::string reason;  // after "category: "
  int line = 0;
};

struct Category {
  std::string name;
  std::string what;
  // The outcome depends on the machine (e.g. which locales are generated): a listed test
  // of this category that passes is reported, not counted against the run.
  bool may_pass = false;
};

// Every category, in the order the summary prints them.
const std::vector<Category>& KnownCategories();
// The category named `name`; null when there is none.
const Category* FindCategory(const std::string& name);

// Parses the list. InvalidArgument naming the line for a malformed line, an unknown
// category, an empty reason or a test listed twice.
Result<std::map<std::string, ExpectedFailure>> ParseExpectedFailures(const std::string& text);

}  // namespace mv::conformance
