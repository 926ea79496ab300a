#include "registry/formats/torch/torch_zip_reader.h"

#include <algorithm>
#include <set>

#include "registry/formats/archive/blob_archive.h"

namespace mv::formats::torch {
namespace {

constexpr int64_t kSmallEntry = 4096;        // version, byteorder
constexpr int64_t kMaxCodeFile = 1 << 20;    // one code/*.py source
constexpr int64_t kMaxCodeTotal = 16 << 20;  // all sources together
constexpr size_t kMaxDuplicateReports = 20;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// How many bytes of entry `name` to read: 0 for entries only listed.
int64_t ReadBound(std::string_view name, int64_t pickle_bound, int64_t code_left) {
  if (name == "data.pkl" || name == "constants.pkl") return pickle_bound;
  if (name == "version" || name == ".data/version" || name == "byteorder") return kSmallEntry;
  if (StartsWith(name, "code/") && EndsWith(name, ".py")) return std::min(kMaxCodeFile, code_left);
  return 0;
}

struct Reading {
  int64_t budget = 0;  // bytes all read entries may still take
  int foreign = 0;
  int64_t code_left = kMaxCodeTotal;
  std::set<std::string> reported;
};

Status ReadEntry(archive::BlobArchive& ar, const std::string& rel, int64_t bound, Reading* reading,
                 TorchZip* zip) {
  bound = std::min(bound, reading->budget);
  ASSIGN_OR_RETURN(std::string data, ar.ReadData(static_cast<size_t>(bound) + 1));
  if (static_cast<int64_t>(data.size()) > bound) {
    data.resize(static_cast<size_t>(bound));
    zip->findings.push_back(
        {Finding::Level::kError, "entry-too-large",
         rel + " is larger than the " + std::to_string(bound) + " bytes an inspection reads"});
  }
  reading->budget -= static_cast<int64_t>(data.size());
  if (StartsWith(rel, "code/")) reading->code_left -= static_cast<int64_t>(data.size());
  zip->files[rel] = std::move(data);
  return Status::Ok();
}

Status AddEntry(archive::BlobArchive& ar, const archive::ArchiveEntry& e, Reading* reading,
                TorchZip* zip) {
  if (e.type != "file") return Status::Ok();
  if (zip->top.empty() && zip->sizes.empty()) {
    size_t slash = e.name.find('/');
    zip->top = slash == std::string::npos ? "" : e.name.substr(0, slash);
  }
  std::string prefix = zip->top.empty() ? "" : zip->top + "/";
  if (!StartsWith(e.name, prefix) || e.name.size() == prefix.size()) {
    if (reading->foreign++ >= static_cast<int>(kMaxDuplicateReports)) return Status::Ok();
    zip->findings.push_back({Finding::Level::kWarning, "foreign-entry",
                             e.name + " is outside the archive folder " + zip->top});
    return Status::Ok();
  }
  std::string rel = e.name.substr(prefix.size());
  if (!zip->sizes.emplace(rel, e.size).second) {
    if (reading->reported.size() < kMaxDuplicateReports && reading->reported.insert(rel).second) {
      zip->findings.push_back({Finding::Level::kError, "duplicate-entry",
                               e.name + " appears twice; loaders may disagree on which wins"});
    }
    return Status::Ok();
  }
  int64_t bound = ReadBound(rel, reading->budget, reading->code_left);
  return bound > 0 ? ReadEntry(ar, rel, bound, reading, zip) : Status::Ok();
}

}  // namespace

bool TorchZip::HasDir(const std::string& prefix) const {
  auto it = sizes.lower_bound(prefix);
  return it != sizes.end() && StartsWith(it->first, prefix);
}

Result<TorchZip> ReadTorchZip(BlobReader& bytes, const InspectLimits& limits) {
  ASSIGN_OR_RETURN(auto ar, archive::BlobArchive::Open(bytes, archive::BlobArchive::Format::kZip));
  TorchZip zip;
  Reading reading;
  reading.budget = limits.max_read_bytes;
  archive::ArchiveEntry entry;
  for (int64_t count = 0;; ++count) {
    ASSIGN_OR_RETURN(bool more, ar->Next(entry));
    if (!more) break;
    if (count >= limits.max_items) {
      zip.findings.push_back({Finding::Level::kError, "too-many-entries",
                              "more than " + std::to_string(limits.max_items) + " entries"});
      break;
    }
    RETURN_IF_ERROR(AddEntry(*ar, entry, &reading, &zip));
  }
  return zip;
}

bool LooksLikeTorchZip(std::string_view head) {
  if (head.size() < 30 || !StartsWith(head, "PK\x03\x04")) return false;
  size_t n = static_cast<uint8_t>(head[26]) | (static_cast<uint8_t>(head[27]) << 8);
  std::string_view first = head.substr(30, std::min(n, head.size() - 30));
  size_t slash = first.find('/');
  std::string_view rel = slash == std::string_view::npos ? first : first.substr(slash + 1);
  return rel == "data.pkl" || rel == "constants.pkl" || rel == "version" ||
         StartsWith(rel, "data/") || StartsWith(rel, "code/") || StartsWith(rel, ".data/");
}

}  // namespace mv::formats::torch
