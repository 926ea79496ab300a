#include "registry/formats/artifact_format.h"

#include <algorithm>

#include "registry/formats/name_expectations.h"
#include "registry/formats/sniff.h"

namespace mv::formats {

const char* LevelName(Finding::Level level) {
  switch (level) {
    case Finding::Level::kInfo:
      return "info";
    case Finding::Level::kWarning:
      return "warning";
    case Finding::Level::kError:
      return "error";
  }
  return "info";
}

const char* SafetyName(Safety s) {
  switch (s) {
    case Safety::kSafe:
      return "safe";
    case Safety::kUnsafe:
      return "unsafe";
    case Safety::kUnknown:
      return "unknown";
  }
  return "unknown";
}

void FormatRegistry::Register(std::unique_ptr<ArtifactFormat> format) {
  formats_.push_back(std::move(format));
}

const ArtifactFormat* FormatRegistry::Find(std::string_view head, int64_t size,
                                           std::string_view name) const {
  // The bytes decide first: a pickle named model.safetensors is a pickle. Only when no
  // inspector recognises them does the name pick one (which then reports why they do not
  // parse as what they are named).
  for (const auto& f : formats_) {
    if (f->Sniff(head, size, "")) return f.get();
  }
  for (const auto& f : formats_) {
    if (f->Sniff(head, size, name)) return f.get();
  }
  return nullptr;
}

Result<Inspection> FormatRegistry::Inspect(BlobReader& bytes, std::string_view name,
                                           const InspectLimits& limits) const {
  std::string head(static_cast<size_t>(std::min<int64_t>(bytes.size(), kSniffBytes)), '\0');
  size_t got = 0;
  while (got < head.size()) {
    ASSIGN_OR_RETURN(size_t n,
                     bytes.ReadAt(static_cast<int64_t>(got), head.data() + got, head.size() - got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  const ArtifactFormat* f = Find(head, bytes.size(), name);
  Inspection in;
  if (f == nullptr) {
    in.kind = "other";
    in.safety = Safety::kUnknown;
    in.verdict = "stored and checksummed; not a format the registry inspects";
  } else {
    ASSIGN_OR_RETURN(in, f->Inspect(bytes, name, limits));
  }
  CheckNameExpectation(name, in);
  return in;
}

Result<InspectionRecord> FormatRegistry::InspectArtifact(BlobReader& bytes,
                                                         std::string_view name) const {
  ASSIGN_OR_RETURN(Inspection in, Inspect(bytes, name, limits_));
  InspectionRecord r;
  r.kind = in.kind;
  r.safety = SafetyName(in.safety);
  r.verdict = in.verdict;
  r.summary_json = in.summary.ToJson();
  Summary findings = Summary::MakeArray();
  for (const Finding& f : in.findings) {
    findings.Push(Summary::MakeObject()
                      .Set("level", LevelName(f.level))
                      .Set("code", f.code)
                      .Set("message", f.message));
    r.error_count += f.level == Finding::Level::kError;
    r.warning_count += f.level == Finding::Level::kWarning;
  }
  r.findings_json = findings.ToJson();
  return r;
}

}  // namespace mv::formats
