#include "registry/formats/archive/archive_members.h"

#include <algorithm>

#include "registry/formats/archive/string_reader.h"

namespace mv::formats::archive {
namespace {

// Members inspected per archive at most; more make an error (nothing beyond is vouched for).
constexpr int64_t kMaxInspectedMembers = 10000;
// Bytes read out of an archive over its own size beyond this: a bomb, inspection stops.
constexpr int64_t kMaxExpansion = 1000;

int Rank(Safety s) { return s == Safety::kUnsafe ? 2 : s == Safety::kUnknown ? 1 : 0; }

}  // namespace

Safety Worse(Safety a, Safety b) { return Rank(a) >= Rank(b) ? a : b; }

MemberInspector::MemberInspector(const FormatRegistry& registry, const InspectLimits& limits,
                                 int64_t archive_bytes)
    : registry_(registry), limits_(limits), archive_bytes_(std::max<int64_t>(archive_bytes, 1)) {}

void MemberInspector::Unreadable(const ArchiveEntry& e, const std::string& why, Summary& item,
                                 Inspection& out) {
  worst_ = Worse(worst_, Safety::kUnknown);
  item.Set("safety", SafetyName(Safety::kUnknown)).Set("verdict", why);
  out.findings.push_back(
      {Finding::Level::kError, "member-not-inspected",
       "member '" + e.name + "': " + why + "; what a loader would read from it is unknown"});
}

void MemberInspector::Copy(const ArchiveEntry& e, const Inspection& member, Inspection& out) {
  for (const Finding& f : member.findings) {
    if (f.level == Finding::Level::kInfo) continue;
    if (copied_++ >= kMaxMemberFindings) {
      if (copied_ == kMaxMemberFindings + 1) {
        out.findings.push_back({Finding::Level::kWarning, "member-findings-truncated",
                                "more member findings than " + std::to_string(kMaxMemberFindings) +
                                    "; see the members"});
      }
      // Errors still count: the archive must stay blocked whatever was left out.
      if (f.level != Finding::Level::kError) continue;
    }
    out.findings.push_back({f.level, f.code, "member '" + e.name + "': " + f.message});
  }
}

Status MemberInspector::Inspect(BlobArchive& ar, const ArchiveEntry& e, Summary& item,
                                Inspection& out) {
  if (limits_.max_archive_depth <= 0) {
    Unreadable(e, "nested deeper than " + std::to_string(limits_.max_archive_depth) + " archives",
               item, out);
    return Status::Ok();
  }
  if (inspected_ >= kMaxInspectedMembers) {
    Unreadable(e, "more than " + std::to_string(kMaxInspectedMembers) + " members", item, out);
    return Status::Ok();
  }
  int64_t budget =
      std::min(limits_.max_read_bytes - read_bytes_, archive_bytes_ * kMaxExpansion - read_bytes_);
  if (budget <= 0) {
    Unreadable(e, "the archive expands beyond what an inspection reads", item, out);
    return Status::Ok();
  }
  ++inspected_;
  std::string data;
  Status read = ar.ReadDataInto(static_cast<size_t>(budget) + 1, &data);
  if (!read.ok() && read.code() != Code::kDataLoss) return read;
  read_bytes_ += static_cast<int64_t>(data.size());
  if (static_cast<int64_t>(data.size()) > budget) {
    Unreadable(e, "larger than the " + std::to_string(budget) + " bytes left to read", item, out);
    return Status::Ok();
  }
  if (!read.ok()) {
    // Encrypted (or flagged so), a bad CRC, a corrupt stream: a loader that streams the
    // member may still run what was read before the error, so that part is inspected too.
    Unreadable(e, read.message(), item, out);
    if (data.empty()) return Status::Ok();
  }
  InspectLimits child = limits_;
  child.max_read_bytes = std::max<int64_t>(limits_.max_read_bytes - read_bytes_, 0) +
                         static_cast<int64_t>(data.size());
  child.max_archive_depth = limits_.max_archive_depth - 1;
  StringReader reader(std::move(data));
  ASSIGN_OR_RETURN(Inspection member, registry_.Inspect(reader, e.name, child));
  worst_ = Worse(worst_, member.safety);
  if (read.ok()) {
    item.Set("kind", member.kind)
        .Set("safety", SafetyName(member.safety))
        .Set("verdict", member.verdict);
  } else {
    item.Set("kind", member.kind);
  }
  Copy(e, member, out);
  return Status::Ok();
}

}  // namespace mv::formats::archive
