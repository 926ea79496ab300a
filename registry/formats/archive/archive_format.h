// ArchiveFormat: zip, tar, 7z and compressed streams (a SavedModel directory, a bundle of
// files, a gzipped pickle). Lists the entries with libarchive and flags names that would
// escape an extraction directory, links, too many entries and zip bombs; with a registry to
// inspect members with, every member goes through it (archive_members.h). Nothing is
// written to disk.
#pragma once

#include "registry/formats/archive/blob_archive.h"
#include "registry/formats/artifact_format.h"

namespace mv::formats::archive {

// Summaries list at most this many entries (all are checked).
inline constexpr int64_t kMaxListedEntries = 1000;
// Declared uncompressed bytes beyond this make a "zip-bomb" error.
inline constexpr int64_t kMaxExpandedBytes = int64_t{1} << 40;
// Declared uncompressed bytes over file bytes beyond this make a "compression-ratio" warning.
inline constexpr int64_t kMaxCompressionRatio = 1000;

class MemberInspector;

// Kind "zip" (torch and npz zips are left to their own inspectors: register this after
// them), "7z", "tar", or for kTar a compression stream: "gzip", "xz", "bzip2", "zstd".
// Thread-safe.
class ArchiveFormat : public ArtifactFormat {
 public:
  // `members` (borrowed, may be null: entries are then listed, not inspected) inspects each
  // member; it is usually the registry this format is registered in.
  explicit ArchiveFormat(BlobArchive::Format format, const FormatRegistry* members = nullptr)
      : format_(format), members_(members) {}
  std::string_view kind() const override;
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;

 private:
  void SetVerdict(const MemberInspector* members, Inspection& out) const;

  BlobArchive::Format format_;
  const FormatRegistry* members_;
};

// Whether an entry name would land outside the extraction directory: a ".." component,
// an absolute path, a drive letter or a backslash path.
bool IsUnsafeEntryPath(std::string_view name);

}  // namespace mv::formats::archive
