#include "registry/formats/archive/archive_format.h"

#include "registry/formats/archive/archive_members.h"
#include "registry/formats/archive/blob_bytes.h"

namespace mv::formats::archive {
namespace {

void Add(Inspection& out, Finding::Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The container a kTar archive is, from its first bytes: "tar", a compression stream
// (which may hold a tar or any one file), or "" for neither.
std::string_view TarKind(std::string_view head) {
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") return "tar";
  if (StartsWith(head, "\x1f\x8b")) return "gzip";
  if (StartsWith(head, std::string_view("\xfd"
                                        "7zXZ\0",
                                        6)))
    return "xz";
  if (StartsWith(head, "BZh")) return "bzip2";
  if (StartsWith(head, "\x28\xb5\x2f\xfd")) return "zstd";
  return "";
}

struct Totals {
  int64_t entries = 0;
  int64_t declared_bytes = 0;
  bool overflow = false;
};

// Records one entry: its findings, its line in the summary, the running totals.
void AddEntry(const ArchiveEntry& e, Totals& t, Summary item, Summary& listed, Inspection& out) {
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

bool HasError(const Inspection& in) {
  for (const Finding& f : in.findings) {
    if (f.level == Finding::Level::kError) return true;
  }
  return false;
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
  switch (format_) {
    case BlobArchive::Format::kZip:
      return "zip";
    case BlobArchive::Format::k7z:
      return "7z";
    case BlobArchive::Format::kTar:
      return "tar";
  }
  return "tar";
}

bool ArchiveFormat::Sniff(std::string_view head, int64_t, std::string_view) const {
  switch (format_) {
    // Registered after the torch and npz inspectors: any zip they leave is a plain one.
    case BlobArchive::Format::kZip:
      return StartsWith(head, "PK\x03\x04");
    case BlobArchive::Format::k7z:
      return StartsWith(head, std::string_view("7z\xbc\xaf\x27\x1c", 6));
    case BlobArchive::Format::kTar:
      return !TarKind(head).empty();
  }
  return false;
}

void ArchiveFormat::SetVerdict(const MemberInspector* members, Inspection& out) const {
  if (members == nullptr) {
    out.safety = Safety::kUnknown;
    out.verdict = "an archive: entries listed, their contents not inspected";
    return;
  }
  out.safety = members->worst();
  out.verdict = "an archive of " + std::to_string(members->inspected()) + " inspected members; " +
                (out.safety == Safety::kUnsafe    ? "loading a member would run code"
                 : out.safety == Safety::kUnknown ? "some members could not be judged"
                                                  : "every member is safe");
  if (HasError(out)) out.safety = Worse(out.safety, Safety::kUnknown);
}

Result<Inspection> ArchiveFormat::Inspect(BlobReader& bytes, std::string_view,
                                          const InspectLimits& limits) const {
  Inspection out;
  out.kind = std::string(kind());
  if (format_ == BlobArchive::Format::kTar) {
    std::string head;
    ASSIGN_OR_RETURN(head, ReadRange(bytes, 0, 512));
    std::string_view k = TarKind(head);
    if (!k.empty()) out.kind = std::string(k);
  }
  out.safety = Safety::kUnknown;
  std::unique_ptr<MemberInspector> members;
  if (members_ != nullptr) {
    members = std::make_unique<MemberInspector>(*members_, limits, bytes.size());
  }
  Result<std::unique_ptr<BlobArchive>> ar = BlobArchive::Open(bytes, format_);
  if (!ar.ok()) {
    if (ar.status().code() != Code::kDataLoss) return ar.status();
    Add(out, Finding::Level::kError, "malformed-archive", ar.status().message());
    out.verdict = "not a readable archive: nothing in it could be checked";
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
    Summary item = Summary::MakeObject();
    if (members != nullptr && entry.type == "file") {
      RETURN_IF_ERROR(members->Inspect(**ar, entry, item, out));
    }
    AddEntry(entry, totals, std::move(item), listed, out);
  }
  AddSizeFindings(totals, bytes.size(), out);
  SetVerdict(members.get(), out);
  out.summary.Set("entry_count", totals.entries)
      .Set("declared_uncompressed_bytes", totals.declared_bytes)
      .Set("entries", std::move(listed))
      .Set("entries_truncated", totals.entries > kMaxListedEntries);
  return out;
}

}  // namespace mv::formats::archive
