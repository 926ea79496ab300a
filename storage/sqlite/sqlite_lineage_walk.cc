// Downstream lineage: the versions made from a dataset, commit, run or parent version, and
// (transitive) everything made from those, keyset-paged in (depth, row id) order.
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/store_rules.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

// Levels fetched per statement. Each statement walks this many levels below the frontier
// with no visited set of its own (SQL cannot keep one), so a cycle or a diamond costs at most
// this many rows per node; the C++ visited set across statements ends the walk.
constexpr int64_t kLevelsPerStatement = 32;

// The rows a ref query starts from (depth 1): the versions carrying the ref.
Result<std::vector<int64_t>> RefSeeds(Connection& c, const LineageQuery& q) {
  std::vector<int64_t> ids;
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT version_id FROM lineage_refs WHERE kind = ?1 "
                                     "AND ref = ?2 ORDER BY version_id"));
  s.Bind(1, q.kind).Bind(2, q.ref);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ids.push_back(s.Int(0));
  }
  return ids;
}

std::string JsonIds(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

// One window of the breadth-first walk: every row within kLevelsPerStatement parent->child
// steps of the frontier (bound as a JSON array), at its nearest distance (0 for the frontier
// itself), sorted (distance, id), with its names and whether it is live (sealed, not deleted).
Result<Stmt> WindowStatement(Connection& c, const std::vector<int64_t>& frontier) {
  ASSIGN_OR_RETURN(Stmt s,
                   c.Prepare("WITH RECURSIVE w(id, d) AS ("
                             " SELECT value, 0 FROM json_each(?1) UNION"
                             " SELECT p.child_id, w.d + 1 FROM w JOIN version_parents p"
                             " ON p.parent_id = w.id WHERE w.d < ?2)"
                             " SELECT b.id, b.d, v.deleted_at IS NULL AND v.state = 'sealed',"
                             " m.name, v.number, v.stage"
                             " FROM (SELECT id, MIN(d) AS d FROM w GROUP BY id) b"
                             " JOIN versions v ON v.id = b.id JOIN models m ON m.id = v.model_id"
                             " ORDER BY b.d, b.id"));
  s.Bind(1, JsonIds(frontier)).Bind(2, kLevelsPerStatement);
  return s;
}

// Breadth-first over parent->child edges, a window of levels per statement. Every reachable
// row is visited once, at its nearest depth: a row first met in a window lies deeper than all
// rows visited before it, and its depth is the frontier's plus its distance from the
// frontier. The visited set ends the walk whatever the graph's shape (even a cycle); there is
// no depth bound. Rows come out in (depth, id) order, so the page (live rows after the key,
// up to the limit) is cut as they come and the walk stops when it is full.
Result<std::vector<LineageNode>> Transitive(Connection& c, const LineageQuery& q, int64_t parent) {
  std::unordered_set<int64_t> seen;
  std::vector<int64_t> frontier;
  int base = 0;  // the frontier's depth
  if (q.kind == "parent") {
    seen.insert(parent);
    frontier.push_back(parent);
  } else {
    ASSIGN_OR_RETURN(frontier, RefSeeds(c, q));
    base = 1;
  }
  std::vector<LineageNode> out;
  while (!frontier.empty() && static_cast<int>(out.size()) < q.limit) {
    ASSIGN_OR_RETURN(Stmt s, WindowStatement(c, frontier));
    frontier.clear();
    while (static_cast<int>(out.size()) < q.limit) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const int64_t id = s.Int(0);
      const int64_t d = s.Int(1);
      if (!seen.insert(id).second) continue;
      if (d == kLevelsPerStatement) frontier.push_back(id);
      const int depth = base + static_cast<int>(d);
      if (s.Int(2) == 0 || !AfterKey(q, depth, id)) continue;
      LineageNode n;
      n.row_id = id;
      n.depth = depth;
      n.model = s.Text(3);
      n.version = s.Int(4);
      n.stage = StageFromName(s.Text(5)).value_or(Stage::kNone);
      out.push_back(std::move(n));
    }
    base += static_cast<int>(kLevelsPerStatement);
  }
  return out;
}

// Direct answers (depth 1) in one statement, names joined in, filtered before the limit so
// that a page is never short.
Result<std::vector<LineageNode>> Direct(Connection& c, const LineageQuery& q, int64_t parent) {
  std::vector<LineageNode> out;
  if (q.after_depth > 1) return out;
  const int64_t after = q.after_depth == 1 ? q.after_id : 0;
  ASSIGN_OR_RETURN(Stmt s,
                   q.kind == "parent"
                       ? c.Prepare("SELECT v.id, m.name, v.number, v.stage FROM version_parents p"
                                   " JOIN versions v ON v.id = p.child_id"
                                   " JOIN models m ON m.id = v.model_id"
                                   " WHERE p.parent_id = ?1 AND p.child_id > ?4"
                                   " AND v.deleted_at IS NULL AND v.state = 'sealed'"
                                   " ORDER BY p.child_id LIMIT ?5")
                       : c.Prepare("SELECT v.id, m.name, v.number, v.stage FROM lineage_refs r"
                                   " JOIN versions v ON v.id = r.version_id"
                                   " JOIN models m ON m.id = v.model_id"
                                   " WHERE r.kind = ?2 AND r.ref = ?3 AND r.version_id > ?4"
                                   " AND v.deleted_at IS NULL AND v.state = 'sealed'"
                                   " ORDER BY r.version_id LIMIT ?5"));
  if (q.kind == "parent") {
    s.Bind(1, parent);
  } else {
    s.Bind(2, q.kind).Bind(3, q.ref);
  }
  s.Bind(4, after).Bind(5, int64_t{q.limit});
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    LineageNode n;
    n.row_id = s.Int(0);
    n.model = s.Text(1);
    n.version = s.Int(2);
    n.stage = StageFromName(s.Text(3)).value_or(Stage::kNone);
    n.depth = 1;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

Result<std::vector<LineageNode>> SqliteMetadataStore::Downstream(const LineageQuery& q) {
  auto c = pool_->Acquire();
  ReadTxn txn(*c);  // one snapshot for the parent lookup and the walk
  RETURN_IF_ERROR(txn.Begin());
  int64_t parent = 0;
  if (q.kind == "parent") {
    auto found = SealedVersionRowId(*c, q.ref, q.parent_version);
    if (!found.ok() && found.status().code() == Code::kInvalidArgument) {
      // At upload an unknown parent is bad input; asked about, it is simply not there.
      return NotFound("model '" + q.ref + "' has no sealed version " +
                      std::to_string(q.parent_version));
    }
    ASSIGN_OR_RETURN(parent, std::move(found));
  }
  return q.transitive ? Transitive(*c, q, parent) : Direct(*c, q, parent);
}

}  // namespace mv::storage
