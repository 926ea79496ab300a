// Downstream lineage: the versions made from a dataset, commit, run or parent version, and
// (transitive) everything made from those, keyset-paged in (depth, row id) order.
#include <algorithm>
#include <optional>
#include <unordered_set>

#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

struct Ranked {
  int depth;
  int64_t id;
};

// The rows a query starts from (depth 1): versions carrying the ref, or the parent's children.
Result<std::vector<int64_t>> Seeds(Connection& c, const LineageQuery& q, int64_t parent) {
  std::vector<int64_t> ids;
  ASSIGN_OR_RETURN(Stmt s, q.kind == "parent"
                               ? c.Prepare("SELECT child_id FROM version_parents WHERE "
                                           "parent_id = ?1 ORDER BY child_id")
                               : c.Prepare("SELECT version_id FROM lineage_refs WHERE kind = ?2 "
                                           "AND ref = ?3 ORDER BY version_id"));
  if (q.kind == "parent") {
    s.Bind(1, parent);
  } else {
    s.Bind(2, q.kind).Bind(3, q.ref);
  }
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ids.push_back(s.Int(0));
  }
  return ids;
}

// Breadth-first over parent->child edges from the seeds: every reachable row once, at its
// nearest depth. The visited set ends the walk whatever the graph's shape (even a cycle);
// there is no depth bound, and the rows are sorted (depth, id) like the answers.
Result<std::vector<Ranked>> Closure(Connection& c, const std::vector<int64_t>& seeds,
                                    int64_t start) {
  std::unordered_set<int64_t> seen(seeds.begin(), seeds.end());
  if (start != 0) seen.insert(start);
  std::vector<Ranked> out;
  std::vector<int64_t> level(seeds.begin(), seeds.end());
  for (int depth = 1; !level.empty(); ++depth) {
    std::sort(level.begin(), level.end());
    std::vector<int64_t> next;
    for (int64_t id : level) {
      out.push_back({depth, id});
      ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT child_id FROM version_parents "
                                         "WHERE parent_id = ?"));
      s.Bind(1, id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        if (seen.insert(s.Int(0)).second) next.push_back(s.Int(0));
      }
    }
    level = std::move(next);
  }
  return out;
}

// The node of a live sealed version row, or nullopt for a deleted or draft one.
Result<std::optional<LineageNode>> LiveNode(Connection& c, const Ranked& r) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT m.name, v.number, v.stage FROM versions v "
                                     "JOIN models m ON m.id = v.model_id WHERE v.id = ? "
                                     "AND v.deleted_at IS NULL AND v.state = 'sealed'"));
  s.Bind(1, r.id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<LineageNode>();
  LineageNode n;
  n.model = s.Text(0);
  n.version = s.Int(1);
  n.stage = StageFromName(s.Text(2)).value_or(Stage::kNone);
  n.depth = r.depth;
  n.row_id = r.id;
  return std::optional<LineageNode>(std::move(n));
}

Result<std::vector<LineageNode>> Transitive(Connection& c, const LineageQuery& q, int64_t parent) {
  ASSIGN_OR_RETURN(std::vector<int64_t> seeds, Seeds(c, q, parent));
  ASSIGN_OR_RETURN(std::vector<Ranked> all, Closure(c, seeds, parent));
  auto it = std::upper_bound(all.begin(), all.end(), Ranked{q.after_depth, q.after_id},
                             [](const Ranked& a, const Ranked& b) {
                               return a.depth != b.depth ? a.depth < b.depth : a.id < b.id;
                             });
  std::vector<LineageNode> out;
  for (; it != all.end() && static_cast<int>(out.size()) < q.limit; ++it) {
    ASSIGN_OR_RETURN(std::optional<LineageNode> n, LiveNode(c, *it));
    if (n) out.push_back(std::move(*n));
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
