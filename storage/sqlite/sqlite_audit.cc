// The audit log: appended inside each change's transaction, read with filters and paging.
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {

Status AppendAudit(Connection& c, const Actor& who, int64_t now_ms, const std::string& action,
                   const std::string& model, std::optional<int64_t> version,
                   const std::string& from, const std::string& to, const std::string& comment) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO audit_events(at, actor, action, model, version, "
                                     "from_value, to_value, comment, request_id) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, now_ms).Bind(2, who.name).Bind(3, action).Bind(4, model);
  if (version) {
    s.Bind(5, *version);
  } else {
    s.BindNull(5);
  }
  s.Bind(6, from).Bind(7, to).Bind(8, comment).Bind(9, who.request_id);
  RETURN_IF_ERROR(s.Run());
  return QueueWebhookDeliveries(c, who, now_ms, action, model, version, from, to, comment);
}

Result<std::vector<AuditEvent>> SqliteMetadataStore::ListAudit(const AuditQuery& q) {
  auto c = pool_->Acquire();
  // Empty filters match everything; an action filter "stage" also matches "stage.forced".
  ASSIGN_OR_RETURN(
      Stmt s, c->Prepare("SELECT id, at, actor, action, COALESCE(model, ''), version, "
                         "COALESCE(from_value, ''), COALESCE(to_value, ''), comment, request_id "
                         "FROM audit_events WHERE id > ? AND (? = '' OR model = ?) "
                         "AND (? = '' OR action = ? OR action LIKE ? || '.%') "
                         "AND at >= ? AND at <= ? ORDER BY id LIMIT ?"));
  s.Bind(1, q.after_id).Bind(2, q.model).Bind(3, q.model);
  s.Bind(4, q.action).Bind(5, q.action).Bind(6, q.action);
  s.Bind(7, q.since_ms.value_or(INT64_MIN)).Bind(8, q.until_ms.value_or(INT64_MAX));
  s.Bind(9, int64_t{q.limit});
  std::vector<AuditEvent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    AuditEvent e;
    e.id = s.Int(0);
    e.at_ms = s.Int(1);
    e.actor = s.Text(2);
    e.action = s.Text(3);
    e.model = s.Text(4);
    if (!s.IsNull(5)) e.version = s.Int(5);
    e.from = s.Text(6);
    e.to = s.Text(7);
    e.comment = s.Text(8);
    e.request_id = s.Text(9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mv::storage
