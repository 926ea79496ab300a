// The audit log: appended inside each change's transaction as a hash chain
// (registry/audit_chain.h), read with filters and paging, and read whole for verification.
#include "registry/audit_chain.h"
#include "storage/store_rows.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {

namespace {

// The hash of the newest row: the next row's prev_hash. Locks the chain's head row until
// the transaction ends, so appenders on every replica take turns and cannot fork the chain.
Result<std::string> ChainHead(Connection& c) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT hash FROM audit_head WHERE id = 1 FOR UPDATE"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Text(0) : std::string(kAuditGenesisHash);
}

// An AuditEvent from a row of: id, at, actor, action, model, version, from_value, to_value,
// comment, request_id (NULL text columns read as "").
}  // namespace

Status AppendAudit(Connection& c, const Actor& who, int64_t now_ms, const std::string& action,
                   const std::string& model, std::optional<int64_t> version,
                   const std::string& from, const std::string& to, const std::string& comment) {
  AuditEvent e;
  e.at_ms = now_ms;
  e.actor = who.name;
  e.action = action;
  e.model = model;
  e.version = version;
  e.from = from;
  e.to = to;
  e.comment = comment;
  e.request_id = who.request_id;
  ASSIGN_OR_RETURN(std::string prev, ChainHead(c));
  const std::string hash = AuditChainHash(prev, e);
  // The row and the new head in one round trip.
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("WITH e AS (INSERT INTO audit_events(at, actor, action, "
                                     "model, version, from_value, to_value, comment, "
                                     "request_id, prev_hash, hash) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?11) RETURNING id) "
                                     "UPDATE audit_head SET hash = ?11 WHERE id = 1 "
                                     "AND EXISTS (SELECT 1 FROM e)"));
  s.Bind(1, now_ms).Bind(2, who.name).Bind(3, action).Bind(4, model);
  if (version) {
    s.Bind(5, *version);
  } else {
    s.BindNull(5);
  }
  s.Bind(6, from).Bind(7, to).Bind(8, comment).Bind(9, who.request_id);
  s.Bind(10, prev).Bind(11, hash);
  RETURN_IF_ERROR(s.Run());
  return QueueWebhookDeliveries(c, who, now_ms, action, model, version, from, to, comment);
}

Result<std::vector<ChainedAuditEvent>> ReadAuditChainRows(Connection& c, int64_t after_id,
                                                          int limit) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT id, at, actor, action, COALESCE(model, ''), "
                                     "version, COALESCE(from_value, ''), "
                                     "COALESCE(to_value, ''), comment, request_id, "
                                     "COALESCE(prev_hash, ''), COALESCE(hash, '') "
                                     "FROM audit_events WHERE id > ? ORDER BY id LIMIT ?"));
  s.Bind(1, after_id).Bind(2, int64_t{limit});
  std::vector<ChainedAuditEvent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ChainedAuditEvent e;
    e.event = ReadAuditRow(s);
    e.prev_hash = s.Text(10);
    e.hash = s.Text(11);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<ChainedAuditEvent>> PgMetadataStore::ReadAuditChain(int64_t after_id,
                                                                       int limit) {
  auto c = pool_->Acquire();
  return ReadAuditChainRows(*c, after_id, limit);
}

Result<std::vector<AuditEvent>> PgMetadataStore::ListAudit(const AuditQuery& q) {
  auto c = pool_->Acquire();
  // Empty filters match everything; an action filter "stage" also matches "stage.forced".
  ASSIGN_OR_RETURN(
      Stmt s, c->Prepare("SELECT id, at, actor, action, COALESCE(model, ''), version, "
                         "COALESCE(from_value, ''), COALESCE(to_value, ''), comment, request_id "
                         "FROM audit_events WHERE id > ? AND (?::text = '' OR model = ?) "
                         "AND (?::text = '' OR action = ? OR action LIKE ?::text || '.%') "
                         "AND at >= ? AND at <= ? ORDER BY id LIMIT ?"));
  s.Bind(1, q.after_id).Bind(2, q.model).Bind(3, q.model);
  s.Bind(4, q.action).Bind(5, q.action).Bind(6, q.action);
  s.Bind(7, q.since_ms.value_or(INT64_MIN)).Bind(8, q.until_ms.value_or(INT64_MAX));
  s.Bind(9, int64_t{q.limit});
  std::vector<AuditEvent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    AuditEvent e = ReadAuditRow(s);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mv::storage::pg
