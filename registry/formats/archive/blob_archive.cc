#include "registry/formats/archive/blob_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>

namespace mv::formats::archive {

// libarchive's callbacks read through this; it remembers the first BlobReader error so
// Inspect can tell "cannot read" from "malformed".
struct BlobSource {
  explicit BlobSource(BlobReader& r) : reader(r) {}
  BlobReader& reader;
  int64_t offset = 0;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
  Status io_status;
};

namespace {

la_ssize_t ReadCallback(::archive* a, void* data, const void** out) {
  auto* s = static_cast<BlobSource*>(data);
  Result<size_t> n = s->reader.ReadAt(s->offset, s->buffer.data(), s->buffer.size());
  if (!n.ok()) {
    s->io_status = n.status();
    archive_set_error(a, EIO, "read failed");
    return ARCHIVE_FATAL;
  }
  s->offset += static_cast<int64_t>(*n);
  *out = s->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

la_int64_t SkipCallback(::archive*, void* data, la_int64_t request) {
  auto* s = static_cast<BlobSource*>(data);
  la_int64_t n = std::clamp<la_int64_t>(request, 0, s->reader.size() - s->offset);
  s->offset += n;
  return n;
}

la_int64_t SeekCallback(::archive*, void* data, la_int64_t offset, int whence) {
  auto* s = static_cast<BlobSource*>(data);
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->offset : s->reader.size();
  if (offset > s->reader.size() - base || base + offset < 0) return ARCHIVE_FATAL;
  s->offset = base + offset;
  return s->offset;
}

const char* EntryType(mode_t type) {
  switch (type) {
    case AE_IFREG:
      return "file";
    case AE_IFDIR:
      return "dir";
    case AE_IFLNK:
      return "symlink";
    default:
      return "other";
  }
}

}  // namespace

BlobArchive::BlobArchive(BlobReader& bytes) : source_(std::make_unique<BlobSource>(bytes)) {}

BlobArchive::~BlobArchive() {
  if (a_ != nullptr) archive_read_free(a_);
}

Status BlobArchive::Failure(const char* what) const {
  if (!source_->io_status.ok()) return source_->io_status;
  const char* why = a_ != nullptr ? archive_error_string(a_) : nullptr;
  return DataLoss(std::string(what) + ": " + (why != nullptr ? why : "unknown error"));
}

Result<std::unique_ptr<BlobArchive>> BlobArchive::Open(BlobReader& bytes, Format format) {
  std::unique_ptr<BlobArchive> ar(new BlobArchive(bytes));
  ar->a_ = archive_read_new();
  if (ar->a_ == nullptr) return Internal("archive_read_new failed");
  ::archive* a = ar->a_;
  if (format == Format::kZip) {
    if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK) {
      return Internal("libarchive lacks zip support");
    }
  } else if (format == Format::k7z) {
    if (archive_read_support_format_7zip(a) != ARCHIVE_OK) {
      return Internal("libarchive lacks 7-Zip support");
    }
  } else {
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    // Callers open kTar only for a tar header or compression magic; raw reads a compressed
    // stream that holds no tar (its bid is below tar's).
    archive_read_support_format_raw(a);
    // Only filters built into libarchive: ARCHIVE_WARN means it would spawn a program.
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
  }
  archive_read_set_read_callback(a, ReadCallback);
  archive_read_set_skip_callback(a, SkipCallback);
  archive_read_set_seek_callback(a, SeekCallback);
  archive_read_set_callback_data(a, ar->source_.get());
  if (archive_read_open1(a) != ARCHIVE_OK) return ar->Failure("cannot open archive");
  return ar;
}

Result<bool> BlobArchive::Next(ArchiveEntry& entry) {
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(a_, &e);
  if (rc == ARCHIVE_EOF) return false;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Failure("malformed archive");
  const char* name = archive_entry_pathname(e);
  entry.name = name != nullptr ? name : "";
  const char* hardlink = archive_entry_hardlink(e);
  const char* symlink = archive_entry_symlink(e);
  entry.type = hardlink != nullptr ? "hardlink" : EntryType(archive_entry_filetype(e));
  entry.link_target = hardlink != nullptr ? hardlink : symlink != nullptr ? symlink : "";
  entry.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
  return true;
}

Result<std::string> BlobArchive::ReadData(size_t max) {
  std::string out;
  RETURN_IF_ERROR(ReadDataInto(max, &out));
  return out;
}

Status BlobArchive::ReadDataInto(size_t max, std::string* out) {
  char buf[16 * 1024];
  size_t start = out->size();
  while (out->size() - start < max) {
    la_ssize_t n = archive_read_data(a_, buf, std::min(sizeof(buf), max - (out->size() - start)));
    if (n < 0) return Failure("cannot read entry");
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace mv::formats::archive
