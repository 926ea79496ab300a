// Stages, aliases and deletion: the mutable part of a version's life.
#include "registry/lifecycle.h"
#include "storage/store_rules.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

Status CheckLiveSealed(const std::string& model, const Version& v, const char* what) {
  if (v.deleted_at_ms) return FailedPrecondition(Label(model, v.number) + " is deleted");
  if (v.state != VersionState::kSealed) {
    return FailedPrecondition(Label(model, v.number) + " is a draft: commit it before " + what);
  }
  return Status::Ok();
}

Status SetStage(Connection& c, int64_t version_id, Stage to, int64_t now_ms) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("UPDATE versions SET stage = ?, stage_changed_at = ? "
                                     "WHERE id = ?"));
  return s.Bind(1, StageName(to)).Bind(2, now_ms).Bind(3, version_id).Run();
}

// The production holder of a model other than `except`, as (row id, number).
Result<std::optional<std::pair<int64_t, int64_t>>> ProductionHolder(Connection& c,
                                                                    int64_t model_id) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT id, number FROM versions WHERE model_id = ? AND "
                                     "stage = 'production'"));
  s.Bind(1, model_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::pair<int64_t, int64_t>>();
  return std::optional<std::pair<int64_t, int64_t>>(std::make_pair(s.Int(0), s.Int(1)));
}

// The version number `alias` points at, or nullopt.
Result<std::optional<int64_t>> AliasTarget(Connection& c, int64_t model_id,
                                           const std::string& alias) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT v.number FROM aliases a JOIN versions v ON "
                                     "v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?"));
  s.Bind(1, model_id).Bind(2, alias);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

}  // namespace

Result<TransitionResult> SqliteMetadataStore::Transition(const std::string& model, int64_t number,
                                                         const TransitionRequest& req,
                                                         const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(CheckLiveSealed(model, loaded.second, "staging it"));
  TransitionResult result;
  const Stage from = loaded.second.stage;
  if (from == req.to) {
    result.version = std::move(loaded.second);
    result.changed = false;
    return result;
  }
  RETURN_IF_ERROR(CheckTransition(from, req.to));
  if (req.to == Stage::kProduction) {
    ASSIGN_OR_RETURN(auto holder, ProductionHolder(*c, model_id));
    if (holder) {
      Stage demoted = req.archive_previous ? Stage::kArchived : Stage::kStaging;
      RETURN_IF_ERROR(SetStage(*c, holder->first, demoted, now_ms));
      RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "stage", model, holder->second, "production",
                                  StageName(demoted),
                                  "replaced by version " + std::to_string(number)));
      result.displaced = holder->second;
    }
  }
  RETURN_IF_ERROR(SetStage(*c, loaded.first, req.to, now_ms));
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, req.action, model, number, StageName(from),
                              StageName(req.to), req.comment));
  ASSIGN_OR_RETURN(auto after, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  result.version = std::move(after.second);
  return result;
}

// The stage is a literal, not a bound parameter: a parameter compared with the column of the
// partial index versions_one_production makes SQLite re-prepare the statement on every bind
// (the plan depends on the value), which cost the serving hot path about a tenth of its CPU.
namespace {
#define MV_VERSION_IN_STAGE(stage)                                                  \
  "SELECT number FROM versions WHERE model_id = ? AND stage = '" stage "' AND "     \
  "deleted_at IS NULL ORDER BY stage_changed_at DESC, number DESC LIMIT 1"
const char* VersionInStageSql(Stage stage) {
  switch (stage) {
    case Stage::kNone: return MV_VERSION_IN_STAGE("none");
    case Stage::kStaging: return MV_VERSION_IN_STAGE("staging");
    case Stage::kProduction: return MV_VERSION_IN_STAGE("production");
    case Stage::kArchived: return MV_VERSION_IN_STAGE("archived");
  }
  return MV_VERSION_IN_STAGE("none");
}
#undef MV_VERSION_IN_STAGE
}  // namespace

Result<int64_t> SqliteMetadataStore::VersionInStage(const std::string& model, Stage stage) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(Stmt s, c->Prepare(VersionInStageSql(stage)));
  s.Bind(1, model_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("model '" + model + "' has no version in " + StageName(stage));
  return s.Int(0);
}

Result<int64_t> SqliteMetadataStore::LatestVersion(const std::string& model) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT MAX(number) FROM versions WHERE model_id = ? AND "
                                      "state = 'sealed' AND deleted_at IS NULL"));
  s.Bind(1, model_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.IsNull(0)) return NotFound("model '" + model + "' has no versions yet");
  return s.Int(0);
}

Result<int64_t> SqliteMetadataStore::ResolveAlias(const std::string& model,
                                                  const std::string& alias) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(std::optional<int64_t> target, AliasTarget(*c, model_id, alias));
  if (!target) return NoAlias(model, alias);
  return *target;
}

Status SqliteMetadataStore::SetAlias(const std::string& model, const std::string& alias,
                                     int64_t number, const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(CheckLiveSealed(model, loaded.second, "giving it an alias"));
  ASSIGN_OR_RETURN(std::optional<int64_t> target, AliasTarget(*c, model_id, alias));
  if (target == number) return txn.Commit();  // already there: no event
  const std::string previous = target ? std::to_string(*target) : "";
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO aliases(model_id, alias, version_id, "
                                        "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(model_id, "
                                        "alias) DO UPDATE SET version_id = excluded.version_id, "
                                        "updated_at = excluded.updated_at"));
    RETURN_IF_ERROR(s.Bind(1, model_id).Bind(2, alias).Bind(3, loaded.first).Bind(4, now_ms).Run());
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "alias.set", model, number, previous,
                              std::to_string(number), alias));
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteAlias(const std::string& model, const std::string& alias,
                                        const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  ASSIGN_OR_RETURN(std::optional<int64_t> target, AliasTarget(*c, model_id, alias));
  if (!target) return NoAlias(model, alias);
  const int64_t number = *target;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("DELETE FROM aliases WHERE model_id = ? AND alias = ?"));
    RETURN_IF_ERROR(s.Bind(1, model_id).Bind(2, alias).Run());
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "alias.delete", model, number,
                              std::to_string(number), "", alias));
  return txn.Commit();
}

Result<Version> SqliteMetadataStore::DeleteVersion(const std::string& model, int64_t number,
                                                   const std::string& comment, const Actor& who,
                                                   int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  const Version& v = loaded.second;
  const int64_t id = loaded.first;
  if (v.deleted_at_ms) return FailedPrecondition(Label(model, number) + " is already deleted");
  if (v.stage == Stage::kProduction) {
    return FailedPrecondition(Label(model, number) +
                              " is in production: promote another version or archive it first");
  }
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE versions SET deleted_at = ?, meta = '{}', "
                                        "description = '', stage = 'none', stage_changed_at = ? "
                                        "WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, now_ms).Bind(3, id).Run());
  }
  if (v.stage != Stage::kNone) {
    RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "stage", model, number, StageName(v.stage),
                                "none", "deleted"));
  }
  for (const std::string& alias : v.aliases) {
    RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "alias.delete", model, number,
                                std::to_string(number), "", alias));
  }
  for (const char* sql : {"DELETE FROM aliases WHERE version_id = ?",
                          "DELETE FROM version_attrs WHERE version_id = ?",
                          "DELETE FROM artifacts WHERE version_id = ?"}) {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare(sql));
    RETURN_IF_ERROR(s.Bind(1, id).Run());
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "version.delete", model, number,
                              VersionStateName(v.state), "deleted", comment));
  ASSIGN_OR_RETURN(auto after, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  return std::move(after.second);
}

}  // namespace mv::storage
