// The tamper-evident audit log: each row stores SHA-256(previous row's hash || this row's
// canonical content), so editing, inserting or deleting a row breaks the chain from there
// on. What the chain cannot show: someone who rewrites every later hash, or who cuts rows
// off the end; the head hash that verification reports can be recorded elsewhere to catch
// both (docs/operations.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/types.h"
#include "util/status.h"

namespace mv {

// The previous hash of the first row: 64 zeros.
extern const char* const kAuditGenesisHash;

struct ChainedAuditEvent {
  AuditEvent event;
  std::string prev_hash;  // as stored in the row
  std::string hash;       // as stored in the row
};

// The bytes hashed for a row: every column but the id and the hashes, each as name=<len>:<bytes>;
// (a missing model or version as name=null;), in a fixed order. Unambiguous byte for byte.
std::string AuditCanonical(const AuditEvent& e);
// Lower-case hex SHA-256 of prev_hash || AuditCanonical(e).
std::string AuditChainHash(const std::string& prev_hash, const AuditEvent& e);

// Reads the chain in id order; implemented by the store that keeps the log.
class AuditChainReader {
 public:
  virtual ~AuditChainReader() = default;
  // Up to `limit` rows with id > after_id, ascending.
  virtual Result<std::vector<ChainedAuditEvent>> ReadAuditChain(int64_t after_id, int limit) = 0;
};

struct AuditChainReport {
  bool intact = true;
  int64_t rows = 0;          // rows checked (all of them when intact)
  std::string head_hash;     // the last row's hash when intact (genesis for an empty log)
  int64_t first_bad_id = 0;  // the row named by the finding (0 when intact)
  std::string problem;       // "edited", "inserted" or "deleted"
  std::string message;       // one sentence for people
};

// Walks the whole chain and names the first row that was edited, inserted or deleted
// (deleted: the first row after the gap). Errors only when the reader fails.
Result<AuditChainReport> VerifyAuditChain(AuditChainReader& reader);

}  // namespace mv
