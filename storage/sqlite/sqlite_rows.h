// Row readers and writers shared by the SQLite store's files. Internal to storage/sqlite.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "registry/audit_chain.h"
#include "registry/types.h"
#include "storage/sqlite/sqlite_conn.h"

namespace mv::storage {

// The columns ReadVersionRow expects, in order, for a query over `versions v`.
inline constexpr const char* kVersionColumns =
    "v.id, v.number, v.state, v.description, v.meta, v.created_at, v.sealed_at, v.stage, "
    "v.stage_changed_at, v.deleted_at";
// Fills a Version (without artifacts and aliases) from a row of kVersionColumns at `first`.
Version ReadVersionRow(const Stmt& s, const std::string& model, int first = 0);

// The id of model `name`; NotFound when absent.
Result<int64_t> ModelId(Connection& c, const std::string& name);
// The full model record with tags and version counts; NotFound when absent.
Result<Model> LoadModel(Connection& c, const std::string& name);
// The version's row id and record (artifacts and aliases included); NotFound when absent.
Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number);
// Artifacts and aliases of a version row.
Status LoadVersionDetails(Connection& c, int64_t version_id, Version& v);

// Appends one audit event; call inside the transaction of the change it records.
Status AppendAudit(Connection& c, const Actor& who, int64_t now_ms, const std::string& action,
                   const std::string& model, std::optional<int64_t> version,
                   const std::string& from = "", const std::string& to = "",
                   const std::string& comment = "");

// Gives the rows written before the chain existed (migration 0008) their hashes, in id
// order, in one write transaction. A no-op once every row has one.
Status ChainUnhashedAudit(Connection& c);
// Up to `limit` audit rows with id > after_id, ascending, with their stored hashes.
Result<std::vector<ChainedAuditEvent>> ReadAuditChainRows(Connection& c, int64_t after_id,
                                                          int limit);
// Queues one webhook delivery per active webhook that listens to the event `action` makes
// (none for actions without one) and whose glob matches `model`. Called by AppendAudit and
// by the parity report's write, inside the change's transaction: the outbox.
Status QueueWebhookDeliveries(Connection& c, const Actor& who, int64_t now_ms,
                              const std::string& action, const std::string& model,
                              std::optional<int64_t> version, const std::string& from,
                              const std::string& to, const std::string& comment);

// Writes a new version's parents, runs/datasets/commits and attributes.
// InvalidArgument when a parent version does not exist.
Status InsertLineageAndAttrs(Connection& c, int64_t version_id, const VersionSpec& spec);
// The row id of a sealed version; InvalidArgument when there is none (a bad parent).
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

}  // namespace mv::storage
