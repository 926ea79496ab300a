// ArchiveFormat: zip and tar files (a SavedModel directory, a bundle of files). Lists the
// entries with libarchive and flags names that would escape an extraction directory,
// links, too many entries and zip bombs. Nothing is extracted.
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

// Kind "zip" (torch and npz zips are left to their own inspectors) or "tar". Thread-safe.
class ArchiveFormat : public ArtifactFormat {
 public:
  explicit ArchiveFormat(BlobArchive::Format format) : format_(format) {}
  std::string_view kind() const override;
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;

 private:
  BlobArchive::Format format_;
};

// Whether an entry name would land outside the extraction directory: a ".." component,
// an absolute path, a drive letter or a backslash path.
bool IsUnsafeEntryPath(std::string_view name);

}  // namespace mv::formats::archive
