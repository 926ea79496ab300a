// Helpers for the inspector tests: run an inspector over bytes in memory, look up
// findings, and feed it every prefix of a file.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "registry/formats/artifact_format.h"
#include "tests/fakes/memory_blob_reader.h"

namespace mv::formats::test {

inline Inspection InspectBytes(const ArtifactFormat& format, const std::string& bytes,
                               const InspectLimits& limits = {},
                               std::string_view name = "artifact") {
  mv::test::MemoryBlobReader reader(bytes);
  Result<Inspection> r = format.Inspect(reader, name, limits);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Inspection{};
}

inline std::vector<std::string> Codes(const Inspection& in) {
  std::vector<std::string> codes;
  for (const Finding& f : in.findings) codes.push_back(f.code);
  return codes;
}

inline const Finding* FindCode(const Inspection& in, std::string_view code) {
  for (const Finding& f : in.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

inline bool HasCode(const Inspection& in, std::string_view code) {
  return FindCode(in, code) != nullptr;
}

inline bool HasErrors(const Inspection& in) {
  for (const Finding& f : in.findings) {
    if (f.level == Finding::Level::kError) return true;
  }
  return false;
}

// Every proper prefix must inspect without crashing and without an I/O error; returns
// how many prefixes produced at least one error finding.
inline int InspectEveryPrefix(const ArtifactFormat& format, const std::string& bytes,
                              const InspectLimits& limits = {}) {
  int with_errors = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    Inspection in = InspectBytes(format, bytes.substr(0, n), limits);
    with_errors += HasErrors(in) ? 1 : 0;
  }
  return with_errors;
}

}  // namespace mv::formats::test
