// Row readers and writers shared by the PostgreSQL store's files; the counterparts of
// storage/sqlite/sqlite_rows.h. Internal to storage/postgres.
//
// Concurrency: a write transaction that changes a model's versions, stages or aliases first
// locks the model's row (LockModelId: SELECT ... FOR UPDATE), so writers of one model, from
// any replica, run one after another as they do under SQLite's single writer; numbers are
// MAX+1 under that lock and the partial unique index still guards production. Audit appends
// serialize on the audit_head row.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "registry/audit_chain.h"
#include "registry/types.h"
#include "storage/postgres/pg_conn.h"

namespace mv::storage::pg {

inline constexpr const char* kVersionColumns =
    "v.id, v.number, v.state, v.description, v.meta, v.created_at, v.sealed_at, v.stage, "
    "v.stage_changed_at, v.deleted_at";
Version ReadVersionRow(const Stmt& s, const std::string& model, int first = 0);

// The id of model `name`; NotFound when absent.
Result<int64_t> ModelId(Connection& c, const std::string& name);
// The same, locking the model's row until the transaction ends.
Result<int64_t> LockModelId(Connection& c, const std::string& name);
Result<Model> LoadModel(Connection& c, const std::string& name);
// The version's row id and record (artifacts and aliases, and with `with_reports` the
// reports of a live sealed version), in one statement. NotFound when absent.
Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number, bool with_reports = false);
// Artifacts and aliases of the version rows `ids`, into `versions` (same order), in one
// statement.
Status LoadVersionDetails(Connection& c, const std::vector<int64_t>& ids,
                          const std::vector<Version*>& versions);

// Appends one audit event to the chain; call inside the change's transaction.
Status AppendAudit(Connection& c, const Actor& who, int64_t now_ms, const std::string& action,
                   const std::string& model, std::optional<int64_t> version,
                   const std::string& from = "", const std::string& to = "",
                   const std::string& comment = "");
Result<std::vector<ChainedAuditEvent>> ReadAuditChainRows(Connection& c, int64_t after_id,
                                                          int limit);
Status QueueWebhookDeliveries(Connection& c, const Actor& who, int64_t now_ms,
                              const std::string& action, const std::string& model,
                              std::optional<int64_t> version, const std::string& from,
                              const std::string& to, const std::string& comment);

Status InsertLineageAndAttrs(Connection& c, int64_t version_id, const VersionSpec& spec);
Result<int64_t> SealedVersionRowId(Connection& c, const std::string& model, int64_t number);

// The rules of PutVersionReport (storage/*/..._reports.cc), shared with the parity jobs'
// finish: CheckReport validates kind, status and JSON (InvalidArgument); RequireReportable
// (storage/store_rules.h) refuses drafts and tombstones; WriteReport replaces the report of
// version row `version_id` and queues its webhook event, inside the caller's transaction.
Status CheckReport(Connection& c, const std::string& kind, const std::string& status,
                   const std::string& report_json);
Status WriteReport(Connection& c, int64_t version_id, const std::string& model,
                   int64_t number, const std::string& kind, const std::string& status,
                   const std::string& report_json, int64_t now_ms);

}  // namespace mv::storage::pg
