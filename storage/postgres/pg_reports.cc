// Version reports: derived data about a sealed version's artifacts (weights, environment,
// references, parity), written after sealing and replaced when recomputed.
#include <string>
#include <string_view>

#include "storage/store_rules.h"
#include "storage/postgres/pg_change_feed.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {

Status CheckReport(Connection& c, const std::string& kind, const std::string& status,
                   const std::string& report_json) {
  if (!IsReportWord(kind)) return InvalidArgument("report kind must match [a-z0-9_-]{1,64}");
  if (!IsReportWord(status)) return InvalidArgument("report status must match [a-z0-9_-]{1,64}");
  if (report_json.size() > kMaxReportBytes) {
    return InvalidArgument("report '" + kind + "' is larger than " +
                           std::to_string(kMaxReportBytes) + " bytes");
  }
  // Text that is not JSON fails the cast (SQLSTATE 22P02, mapped to InvalidArgument).
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT jsonb_typeof(?::jsonb) = 'object'"));
  s.Bind(1, report_json);
  auto row = s.Step();
  if (!row.ok() && row.status().code() != Code::kInvalidArgument) return row.status();
  if (!row.ok() || !*row || s.Int(0) != 1) {
    return InvalidArgument("report '" + kind + "' is not a JSON object");
  }
  return Status::Ok();
}

Status WriteReport(Connection& c, int64_t version_id, const std::string& model,
                   int64_t number, const std::string& kind, const std::string& status,
                   const std::string& report_json, int64_t now_ms) {
  {
    // Long polls on other replicas may wait for a parity report: they hear of it as it
    // commits (PgChangeFeed, ChangeTopic::kReports).
    static const std::string sql =
        std::string("WITH i AS (INSERT INTO version_reports(version_id, kind, status, "
                    "report_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT "
                    "(version_id, kind) DO UPDATE SET status = excluded.status, report_json = "
                    "excluded.report_json, updated_at = excluded.updated_at RETURNING kind) "
                    "SELECT pg_notify('") +
        PgChannel(ChangeTopic::kReports) + "', i.kind) FROM i WHERE i.kind = 'parity'";
    ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql.c_str()));
    s.Bind(1, version_id).Bind(2, kind).Bind(3, status).Bind(4, report_json).Bind(5, now_ms);
    RETURN_IF_ERROR(s.Run());
  }
  // A finished parity check is a webhook event, queued with the report it announces.
  if (kind == "parity" && status != "pending") {
    RETURN_IF_ERROR(QueueWebhookDeliveries(c, Actor{"modelvault", ""}, now_ms, "parity.finished",
                                           model, number, "", status, ""));
  }
  return Status::Ok();
}

Status PgMetadataStore::PutVersionReport(const std::string& model, int64_t number,
                                         const std::string& kind, const std::string& status,
                                         const std::string& report_json, int64_t now_ms) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(CheckReport(*c, kind, status, report_json));
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(RequireReportable(loaded.second, model, number));
  RETURN_IF_ERROR(
      WriteReport(*c, loaded.first, model, number, kind, status, report_json, now_ms));
  return txn.Commit();
}

Result<std::vector<VersionReport>> PgMetadataStore::ListVersionReports(const std::string& model,
                                                                       int64_t number) {
  auto c = pool_->Acquire();
  ReadTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT r.kind, r.status, r.report_json, r.updated_at, "
                                      "v.id FROM versions v LEFT JOIN version_reports r ON "
                                      "r.version_id = v.id WHERE v.model_id = ? AND v.number = ? "
                                      "ORDER BY r.kind"));
  s.Bind(1, model_id).Bind(2, number);
  std::vector<VersionReport> out;
  bool found = false;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    found = true;
    if (s.IsNull(0)) continue;  // the version has no reports
    out.push_back(VersionReport{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
  }
  if (!found) return NotFound("model '" + model + "' has no version " + std::to_string(number));
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> PgMetadataStore::ListVersionsWithReport(
    const std::string& kind, const std::string& status, int limit) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT m.name, v.number FROM version_reports r "
                                      "JOIN versions v ON v.id = r.version_id "
                                      "JOIN models m ON m.id = v.model_id "
                                      "WHERE r.kind = ? AND r.status = ? AND v.state = 'sealed' "
                                      "AND v.deleted_at IS NULL ORDER BY m.name, v.number "
                                      "LIMIT ?"));
  s.Bind(1, kind).Bind(2, status).Bind(3, static_cast<int64_t>(limit));
  std::vector<std::pair<std::string, int64_t>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.emplace_back(s.Text(0), s.Int(1));
  }
  return out;
}

}  // namespace mv::storage::pg
