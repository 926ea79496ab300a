#include "registry/audit_chain.h"

#include <deque>
#include <optional>

#include "util/sha256.h"

namespace mv {

const char* const kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

namespace {

void Field(std::string& out, const char* name, const std::string& value) {
  out += name;
  out += '=';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

void NullField(std::string& out, const char* name) {
  out += name;
  out += "=null;";
}

// The rows in id order, with one row of lookahead, read in batches.
class ChainCursor {
 public:
  explicit ChainCursor(AuditChainReader& reader) : reader_(reader) {}

  // The next row, or nullopt at the end.
  Result<std::optional<ChainedAuditEvent>> Next() {
    RETURN_IF_ERROR(Fill());
    if (buffer_.empty()) return std::optional<ChainedAuditEvent>();
    ChainedAuditEvent e = std::move(buffer_.front());
    buffer_.pop_front();
    return std::optional<ChainedAuditEvent>(std::move(e));
  }
  // The row Next() would return, without taking it; null at the end.
  Result<const ChainedAuditEvent*> Peek() {
    RETURN_IF_ERROR(Fill());
    return buffer_.empty() ? nullptr : &buffer_.front();
  }

 private:
  Status Fill() {
    if (!buffer_.empty() || done_) return Status::Ok();
    ASSIGN_OR_RETURN(std::vector<ChainedAuditEvent> rows, reader_.ReadAuditChain(last_id_, 1000));
    if (rows.empty()) done_ = true;
    for (ChainedAuditEvent& r : rows) {
      last_id_ = r.event.id;
      buffer_.push_back(std::move(r));
    }
    return Status::Ok();
  }

  AuditChainReader& reader_;
  std::deque<ChainedAuditEvent> buffer_;
  int64_t last_id_ = 0;
  bool done_ = false;
};

AuditChainReport Broken(AuditChainReport r, int64_t id, const char* problem, std::string message) {
  r.intact = false;
  r.head_hash.clear();
  r.first_bad_id = id;
  r.problem = problem;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string AuditCanonical(const AuditEvent& e) {
  std::string out;
  out.reserve(160 + e.actor.size() + e.comment.size() + e.from.size() + e.to.size());
  Field(out, "at", std::to_string(e.at_ms));
  Field(out, "actor", e.actor);
  Field(out, "action", e.action);
  Field(out, "model", e.model);
  if (e.version) {
    Field(out, "version", std::to_string(*e.version));
  } else {
    NullField(out, "version");
  }
  Field(out, "from", e.from);
  Field(out, "to", e.to);
  Field(out, "comment", e.comment);
  Field(out, "request_id", e.request_id);
  return out;
}

std::string AuditChainHash(const std::string& prev_hash, const AuditEvent& e) {
  util::Sha256 h;
  h.Update(prev_hash);
  h.Update(AuditCanonical(e));
  return h.HexDigest();
}

// At the first row that does not check out, the neighbours tell what happened: a row whose
// own hash is wrong was edited, unless the next row chains past it (then it was inserted);
// a row whose hash is right but whose link is not follows a deletion, or an insertion
// made with a correct hash (its successor then links to the row before it). Row ids are
// not hashed: inserting in the middle means renumbering, which must not hide the insertion.
Result<AuditChainReport> VerifyAuditChain(AuditChainReader& reader) {
  AuditChainReport r;
  ChainCursor cursor(reader);
  std::string prev = kAuditGenesisHash;  // hash of the last good row
  std::string before_prev;               // hash of the good row before that
  int64_t prev_id = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<ChainedAuditEvent> row, cursor.Next());
    if (!row) break;
    const int64_t id = row->event.id;
    const bool self_ok = AuditChainHash(row->prev_hash, row->event) == row->hash;
    const bool link_ok = row->prev_hash == prev;
    if (self_ok && link_ok) {
      ++r.rows;
      before_prev = prev;
      prev = row->hash;
      prev_id = id;
      continue;
    }
    ASSIGN_OR_RETURN(const ChainedAuditEvent* next, cursor.Peek());
    const std::string at = "audit row " + std::to_string(id);
    if (!self_ok) {
      if (next != nullptr && next->prev_hash == prev) {
        return Broken(r, id, "inserted", at + " was inserted: the row after it links past it");
      }
      return Broken(r, id, "edited",
                    at + " was edited: its content does not match its stored hash");
    }
    if (!before_prev.empty() && row->prev_hash == before_prev) {
      return Broken(r, prev_id, "inserted",
                    "audit row " + std::to_string(prev_id) + " was inserted: row " +
                        std::to_string(id) + " links past it");
    }
    return Broken(r, id, "deleted",
                  "the chain breaks before " + at + ": rows between it and row " +
                      std::to_string(prev_id) +
                      " were deleted (or that row was rewritten with a recomputed hash)");
  }
  r.head_hash = prev;
  return r;
}

}  // namespace mv
