// BlobArchive: libarchive reading a zip or tar straight from a BlobReader, nothing
// extracted to disk. Used by the archive and npz inspectors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "registry/blob_store.h"
#include "util/status.h"

struct archive;

namespace mv::formats::archive {

struct BlobSource;  // libarchive's view of the BlobReader (blob_archive.cc)

struct ArchiveEntry {
  std::string name;
  std::string type;  // "file", "dir", "symlink", "hardlink", "other"
  std::string link_target;
  int64_t size = -1;  // declared uncompressed size; -1 when the archive does not say
};

// Not thread-safe; one per inspection. Borrows `bytes`, which must outlive it.
class BlobArchive {
 public:
  enum class Format {
    kZip,  // read through the central directory (seekable): declared sizes are known
    kTar,  // plain or gzip/bzip2/xz/zstd compressed (libarchive's built-in filters only);
           // a compressed stream that is no tar reads as one member named "data"
    k7z,   // 7-Zip
  };

  ~BlobArchive();
  BlobArchive(const BlobArchive&) = delete;
  BlobArchive& operator=(const BlobArchive&) = delete;

  // Opens the archive. Errors: DataLoss when libarchive does not recognize the bytes (the
  // message says why), the BlobReader's own error when it cannot read, Internal when
  // libarchive cannot be set up.
  static Result<std::unique_ptr<BlobArchive>> Open(BlobReader& bytes, Format format);

  // Advances to the next entry: true with `entry` filled, false at the end. DataLoss for a
  // malformed archive, the BlobReader's error when a read failed.
  Result<bool> Next(ArchiveEntry& entry);

  // Reads up to `max` more bytes of the current entry's data (fewer at its end). Errors as
  // for Next.
  Result<std::string> ReadData(size_t max);
  // As ReadData, but what was read before an error stays in `out` (appended).
  Status ReadDataInto(size_t max, std::string* out);

 private:
  explicit BlobArchive(BlobReader& bytes);
  Status Failure(const char* what) const;

  std::unique_ptr<BlobSource> source_;
  ::archive* a_ = nullptr;
};

}  // namespace mv::formats::archive
