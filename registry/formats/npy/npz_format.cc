#include <algorithm>

#include "registry/formats/archive/blob_archive.h"
#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/npy/npy_format.h"
#include "registry/formats/sniff.h"

namespace mv::formats::npy {
namespace {

using archive::ArchiveEntry;
using archive::BlobArchive;
using archive::EndsWithNoCase;

void Add(Inspection& out, Finding::Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

// Inspects one member: reads only its header (decompressing at most the header's bytes).
Status InspectMember(BlobArchive& ar, const ArchiveEntry& e, const InspectLimits& limits,
                     Summary& arrays, Inspection& out) {
  std::string where = "member '" + e.name + "' ";
  if (e.type != "file") {
    Add(out, Finding::Level::kWarning, "unexpected-member", where + "is a " + e.type);
    return Status::Ok();
  }
  if (!EndsWithNoCase(e.name, ".npy")) {
    Add(out, Finding::Level::kWarning, "unexpected-member", where + "is not an .npy file");
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::string head, ar.ReadData(kNpyPreambleBytes));
  Result<int64_t> size = NpyHeaderSize(head);
  if (size.ok() && *size > static_cast<int64_t>(head.size())) {
    int64_t rest = std::min(*size, limits.max_read_bytes) - static_cast<int64_t>(head.size());
    ASSIGN_OR_RETURN(std::string more,
                     ar.ReadData(static_cast<size_t>(std::max<int64_t>(0, rest))));
    head += more;
  }
  Result<NpyHeader> h = ParseNpyHeader(head);
  if (!h.ok()) {
    Add(out, Finding::Level::kError, "malformed-npy", where + h.status().message());
    return Status::Ok();
  }
  Summary item = NpyArraySummary(*h);
  item.Set("name", e.name.substr(0, e.name.size() - 4));
  int64_t data = CheckNpyHeader(*h, where, out);
  if (e.size >= 0 && data >= 0 && !h->object && e.size - h->data_offset != data) {
    Add(out, Finding::Level::kError, "size-mismatch",
        where + "needs " + std::to_string(data) + " data bytes; it holds " +
            std::to_string(e.size - h->data_offset));
  }
  arrays.Push(std::move(item));
  return Status::Ok();
}

}  // namespace

bool NpzFormat::Sniff(std::string_view head, int64_t size, std::string_view name) const {
  std::string kind = SniffKind(head, size);
  return kind == "npz" || (kind == "zip" && EndsWithNoCase(name, ".npz"));
}

Result<Inspection> NpzFormat::Inspect(BlobReader& bytes, std::string_view,
                                      const InspectLimits& limits) const {
  Inspection out;
  out.kind = "npz";
  out.verdict = "plain numeric arrays: loading runs no code";
  Result<std::unique_ptr<BlobArchive>> ar = BlobArchive::Open(bytes, BlobArchive::Format::kZip);
  if (!ar.ok()) {
    if (ar.status().code() != Code::kDataLoss) return ar.status();
    Add(out, Finding::Level::kError, "malformed-npz", ar.status().message());
    out.safety = Safety::kUnknown;
    out.verdict = "not a readable npz file";
    return out;
  }
  Summary arrays = Summary::MakeArray();
  ArchiveEntry entry;
  for (int64_t count = 0;; ++count) {
    if (count >= limits.max_items) {
      Add(out, Finding::Level::kError, "too-many-entries", "listing stopped");
      break;
    }
    Result<bool> more = (*ar)->Next(entry);
    Status st = more.ok() ? Status::Ok() : more.status();
    if (more.ok() && *more) st = InspectMember(**ar, entry, limits, arrays, out);
    if (!st.ok()) {
      if (st.code() != Code::kDataLoss) return st;
      Add(out, Finding::Level::kError, "malformed-npz", st.message());
      break;
    }
    if (!*more) break;
  }
  out.summary.Set("arrays", std::move(arrays));
  return out;
}

}  // namespace mv::formats::npy
