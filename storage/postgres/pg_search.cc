// Listing and searching models and versions with the filter language, keyset-paged.
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"
#include "storage/sqlite/filter_sql.h"

namespace mv::storage::pg {
namespace {

void BindAll(Stmt& s, const std::vector<SqlParam>& params, int first) {
  int i = first;
  for (const SqlParam& p : params) {
    if (const auto* n = std::get_if<int64_t>(&p)) {
      s.Bind(i++, *n);
    } else if (const auto* d = std::get_if<double>(&p)) {
      s.Bind(i++, *d);
    } else {
      s.Bind(i++, std::get<std::string>(p));
    }
  }
}

}  // namespace

Result<std::vector<Model>> PgMetadataStore::ListModels(const std::string& after_name, int limit,
                                                       const search::Node* filter) {
  ASSIGN_OR_RETURN(SqlFragment where, CompileModelFilter(filter, SqlDialect::kPostgres));
  auto c = pool_->Acquire();
  std::vector<std::string> names;
  {
    ASSIGN_OR_RETURN(
        Stmt s, c->PrepareDynamic("SELECT m.name FROM models m WHERE m.name > ? AND (" + where.sql +
                                  ") ORDER BY m.name LIMIT ?"));
    s.Bind(1, after_name);
    BindAll(s, where.params, 2);
    s.Bind(static_cast<int>(where.params.size()) + 2, int64_t{limit});
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      names.push_back(s.Text(0));
    }
  }
  std::vector<Model> out;
  out.reserve(names.size());
  for (const auto& n : names) {
    ASSIGN_OR_RETURN(Model m, LoadModel(*c, n));
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<VersionHit>> PgMetadataStore::SearchVersions(const VersionSearch& q) {
  ASSIGN_OR_RETURN(SqlFragment where, CompileVersionFilter(q.filter, SqlDialect::kPostgres));
  const char* cmp = q.newest_first ? "<" : ">";
  std::string sql =
      std::string("SELECT m.name, ") + kVersionColumns +
      " FROM versions v JOIN models m ON m.id = v.model_id"
      " WHERE v.deleted_at IS NULL AND (?::boolean OR v.state = 'sealed')"
      // The model and the cursor only when given, as plain terms (as in the
      // SQLite store), so the plan can walk versions_by_model_created.
      + (q.model.empty() ? "" : " AND m.name = ?") +
      (q.after ? std::string(" AND (v.created_at, v.id) ") + cmp + " (?::bigint, ?::bigint)" : "") +
      " AND (" + where.sql +
      ")"
      " ORDER BY v.created_at " +
      (q.newest_first ? "DESC" : "ASC") + ", v.id " + (q.newest_first ? "DESC" : "ASC") +
      " LIMIT ?";
  auto c = pool_->Acquire();
  std::vector<VersionHit> out;
  std::vector<int64_t> ids;
  {
    ASSIGN_OR_RETURN(Stmt s, c->PrepareDynamic(sql));
    int i = 1;
    s.Bind(i++, int64_t{q.include_drafts ? 1 : 0});
    if (!q.model.empty()) s.Bind(i++, q.model);
    if (q.after) {
      s.Bind(i++, q.after->first);
      s.Bind(i++, q.after->second);
    }
    BindAll(s, where.params, i);
    s.Bind(i + static_cast<int>(where.params.size()), int64_t{q.limit});
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      VersionHit hit;
      hit.version = ReadVersionRow(s, s.Text(0), 1);
      hit.cursor = {hit.version.created_at_ms, s.Int(1)};
      ids.push_back(s.Int(1));
      out.push_back(std::move(hit));
    }
  }
  std::vector<Version*> versions;
  for (VersionHit& hit : out) versions.push_back(&hit.version);
  RETURN_IF_ERROR(LoadVersionDetails(*c, ids, versions));  // the whole page in one statement
  return out;
}

}  // namespace mv::storage::pg
