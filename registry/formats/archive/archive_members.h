// MemberInspector: every file inside an archive goes through the same inspectors as a
// top-level file (recursively: an archive in an archive is looked into too), within bounds
// on depth, member count, bytes read out and expansion ratio. The archive's safety is the
// worst of its members'; a member that cannot be read (encrypted, corrupt, over a bound) is
// "unknown" with an error finding, so it blocks production.
#pragma once

#include <cstdint>

#include "registry/formats/archive/blob_archive.h"
#include "registry/formats/artifact_format.h"

namespace mv::formats::archive {

// Findings copied from members into the archive's inspection, at most.
inline constexpr int64_t kMaxMemberFindings = 200;

// unsafe > unknown > safe.
Safety Worse(Safety a, Safety b);

// Not thread-safe; one per archive inspection. Borrows `registry`.
class MemberInspector {
 public:
  MemberInspector(const FormatRegistry& registry, const InspectLimits& limits,
                  int64_t archive_bytes);
  // Reads the current entry of `ar` (a file) and inspects it; sets "kind", "safety" and
  // "verdict" on `item`, adds the member's warnings and errors (prefixed by its name) to
  // `out`. Returns only BlobReader errors; everything the member's bytes cause is a finding.
  Status Inspect(BlobArchive& ar, const ArchiveEntry& e, Summary& item, Inspection& out);
  // The worst member safety so far (safe when no member was inspected).
  Safety worst() const { return worst_; }
  int64_t inspected() const { return inspected_; }

 private:
  void Unreadable(const ArchiveEntry& e, const std::string& why, Summary& item, Inspection& out);
  void Copy(const ArchiveEntry& e, const Inspection& member, Inspection& out);

  const FormatRegistry& registry_;
  InspectLimits limits_;
  int64_t archive_bytes_;
  int64_t read_bytes_ = 0;
  int64_t inspected_ = 0;
  int64_t copied_ = 0;
  Safety worst_ = Safety::kSafe;
};

}  // namespace mv::formats::archive
