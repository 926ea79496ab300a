// Downstream lineage: the versions made from a dataset, commit, run or parent version, and
// (transitive) everything made from those, keyset-paged in (depth, row id) order.
#include <string>
#include <vector>

#include "storage/store_rules.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

Status NoSuchParent(const LineageQuery& q) {
  return NotFound("model '" + q.ref + "' has no sealed version " +
                  std::to_string(q.parent_version));
}

// The whole walk is the function mv_lineage_downstream (schema/postgres/0002_lineage_walk.sql):
// one round trip, which reads one snapshot, however many levels it goes down. Its answer and
// bounds are the SQLite walk's (storage/sqlite/sqlite_lineage_walk.cc); the measurement that
// chose it is bench/results/2026-12-07-pg-lineage.md.
Result<std::vector<LineageNode>> Transitive(Connection& c, const LineageQuery& q) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT node_id, node_depth, model_name, version_number,"
                                     " version_stage FROM mv_lineage_downstream(?1::text,"
                                     " ?2::text, ?3::text, ?4::bigint, ?5::integer, ?6::bigint,"
                                     " ?7::integer)"));
  s.Bind(1, q.kind);
  if (q.kind == "parent") {
    s.BindNull(2).Bind(3, q.ref).Bind(4, q.parent_version);
  } else {
    s.Bind(2, q.ref).BindNull(3).BindNull(4);
  }
  s.Bind(5, int64_t{q.after_depth}).Bind(6, q.after_id).Bind(7, int64_t{q.limit});
  std::vector<LineageNode> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    LineageNode n;
    n.row_id = s.Int(0);
    n.depth = static_cast<int>(s.Int(1));
    n.model = s.Text(2);
    n.version = s.Int(3);
    n.stage = StageFromName(s.Text(4)).value_or(Stage::kNone);
    out.push_back(std::move(n));
  }
  return out;
}

// Direct answers (depth 1) in one statement, names joined in, filtered before the limit so
// that a page is never short. For a parent, the statement also finds the parent: its row
// (kind 0) comes first, the answers (kind 1) after; no kind 0 row means no such sealed
// version.
Result<std::vector<LineageNode>> Direct(Connection& c, const LineageQuery& q) {
  std::vector<LineageNode> out;
  const int64_t after = q.after_depth == 1 ? q.after_id : 0;
  const bool past_depth_one = q.after_depth > 1;
  ASSIGN_OR_RETURN(
      Stmt s,
      q.kind == "parent"
          ? c.Prepare("WITH par AS (SELECT v.id FROM versions v JOIN models m ON m.id ="
                      " v.model_id WHERE m.name = ?1 AND v.number = ?2 AND v.state = 'sealed')"
                      " SELECT * FROM (SELECT 0 AS k, par.id, NULL::text AS name, NULL::bigint"
                      " AS number, NULL::text AS stage FROM par UNION ALL"
                      " (SELECT 1, v.id, m.name, v.number, v.stage FROM par"
                      " JOIN version_parents p ON p.parent_id = par.id"
                      " JOIN versions v ON v.id = p.child_id JOIN models m ON m.id = v.model_id"
                      " WHERE p.child_id > ?3 AND NOT ?5::boolean"
                      " AND v.deleted_at IS NULL AND v.state = 'sealed'"
                      " ORDER BY p.child_id LIMIT ?4)) a ORDER BY k, id")
          : c.Prepare("SELECT 1, v.id, m.name, v.number, v.stage FROM lineage_refs r"
                      " JOIN versions v ON v.id = r.version_id"
                      " JOIN models m ON m.id = v.model_id"
                      " WHERE r.kind = ?1 AND r.ref = ?2 AND r.version_id > ?3"
                      " AND NOT ?5::boolean"
                      " AND v.deleted_at IS NULL AND v.state = 'sealed'"
                      " ORDER BY r.version_id LIMIT ?4"));
  if (q.kind == "parent") {
    s.Bind(1, q.ref).Bind(2, q.parent_version);
  } else {
    s.Bind(1, q.kind).Bind(2, q.ref);
  }
  s.Bind(3, after).Bind(4, int64_t{q.limit}).Bind(5, past_depth_one ? "true" : "false");
  bool parent_found = false;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (s.Int(0) == 0) {
      parent_found = true;
      continue;
    }
    LineageNode n;
    n.row_id = s.Int(1);
    n.model = s.Text(2);
    n.version = s.Int(3);
    n.stage = StageFromName(s.Text(4)).value_or(Stage::kNone);
    n.depth = 1;
    out.push_back(std::move(n));
  }
  if (q.kind == "parent" && !parent_found) return NoSuchParent(q);
  return out;
}

}  // namespace

Result<std::vector<LineageNode>> PgMetadataStore::Downstream(const LineageQuery& q) {
  auto c = pool_->Acquire();
  // One statement each way: it reads one snapshot, so no transaction is needed around it.
  if (!q.transitive) return Direct(*c, q);
  Result<std::vector<LineageNode>> nodes = Transitive(*c, q);
  // At upload an unknown parent is bad input; asked about, it is simply not there.
  if (!nodes.ok() && nodes.status().code() == Code::kNotFound) return NoSuchParent(q);
  return nodes;
}

}  // namespace mv::storage::pg
