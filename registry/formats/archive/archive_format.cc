#include "registry/formats/archive/archive_format.h"

#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/sniff.h"

namespace mv::formats::archive {
namespace {

void Add(Inspection& out, Finding::Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

bool LooksLikeTar(std::string_view head, std::string_view name) {
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") return true;
  for (std::string_view ext : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst"}) {
    if (EndsWithNoCase(name, ext)) return true;
  }
  return false;
}

struct Totals {
  int64_t entries = 0;
  int64_t declared_bytes = 0;
  bool overflow = false;
};

// Records one entry: its findings, its line in the summary, the running totals.
void AddEntry(const ArchiveEntry& e, Totals& t, Summary& listed, Inspection& out) {
  if (IsUnsafeEntryPath(e.name)) {
    Add(out, Finding::Level::kError, "unsafe-path",
        "entry '" + e.name + "' would be written outside the extraction directory");
  }
  if (e.type == "symlink" || e.type == "hardlink") {
    Add(out, Finding::Level::kWarning, "link-entry",
        "entry '" + e.name + "' is a " + e.type + " to '" + e.link_target + "'");
  }
  if (e.size > 0) {
    if (e.size > kMaxExpandedBytes - t.declared_bytes) t.overflow = true;
    t.declared_bytes = t.overflow ? kMaxExpandedBytes : t.declared_bytes + e.size;
  }
  if (t.entries < kMaxListedEntries) {
    Summary item = Summary::MakeObject();
    item.Set("name", e.name).Set("type", e.type);
    item.Set("size", e.size >= 0 ? Summary(e.size) : Summary());
    if (!e.link_target.empty()) item.Set("link_target", e.link_target);
    listed.Push(std::move(item));
  }
  ++t.entries;
}

void AddSizeFindings(const Totals& t, int64_t file_size, Inspection& out) {
  if (t.overflow) {
    Add(out, Finding::Level::kError, "zip-bomb",
        "entries declare more than " + std::to_string(kMaxExpandedBytes) + " uncompressed bytes");
  } else if (file_size > 0 && t.declared_bytes / file_size > kMaxCompressionRatio) {
    Add(out, Finding::Level::kWarning, "compression-ratio",
        std::to_string(t.declared_bytes) + " uncompressed bytes from " + std::to_string(file_size) +
            " (ratio above " + std::to_string(kMaxCompressionRatio) + ")");
  }
}

}  // namespace

bool IsUnsafeEntryPath(std::string_view name) {
  if (name.empty()) return false;
  if (name[0] == '/' || name[0] == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string_view ArchiveFormat::kind() const {
  return format_ == BlobArchive::Format::kZip ? "zip" : "tar";
}

bool ArchiveFormat::Sniff(std::string_view head, int64_t size, std::string_view name) const {
  if (format_ == BlobArchive::Format::kZip) return SniffKind(head, size) == "zip";
  return LooksLikeTar(head, name);
}

Result<Inspection> ArchiveFormat::Inspect(BlobReader& bytes, std::string_view,
                                          const InspectLimits& limits) const {
  Inspection out;
  out.kind = std::string(kind());
  out.safety = Safety::kUnknown;
  out.verdict = "an archive: entries listed, their contents not inspected";
  Result<std::unique_ptr<BlobArchive>> ar = BlobArchive::Open(bytes, format_);
  if (!ar.ok()) {
    if (ar.status().code() != Code::kDataLoss) return ar.status();
    Add(out, Finding::Level::kError, "malformed-archive", ar.status().message());
    return out;
  }
  Totals totals;
  Summary listed = Summary::MakeArray();
  ArchiveEntry entry;
  while (true) {
    if (totals.entries >= limits.max_items) {
      Add(out, Finding::Level::kError, "too-many-entries",
          "more than " + std::to_string(limits.max_items) + " entries; listing stopped");
      break;
    }
    Result<bool> more = (*ar)->Next(entry);
    if (!more.ok()) {
      if (more.status().code() != Code::kDataLoss) return more.status();
      Add(out, Finding::Level::kError, "malformed-archive", more.status().message());
      break;
    }
    if (!*more) break;
    AddEntry(entry, totals, listed, out);
  }
  AddSizeFindings(totals, bytes.size(), out);
  out.summary.Set("entry_count", totals.entries)
      .Set("declared_uncompressed_bytes", totals.declared_bytes)
      .Set("entries", std::move(listed))
      .Set("entries_truncated", totals.entries > kMaxListedEntries);
  return out;
}

}  // namespace mv::formats::archive
