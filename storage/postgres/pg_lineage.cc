// Lineage: parents, runs, datasets and commits written with a version, queried both ways.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "storage/store_rules.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

constexpr int kMaxGraphEdges = 5000;
constexpr int kMaxDepth = 64;

// One statement for the whole graph (one round trip and one snapshot, so no transaction):
// the start version (row kind 0: id, stage, tombstone), the edges reachable from it within
// ?3 steps (kind 1: child, parent, relation, nearest depth and both endpoints' names, stages
// and tombstones; the first ?4 by (child, parent)), and its refs (kind 2: kind, ref, detail),
// ordered so that edges come by (child, parent) and refs by (kind, ref). Each recursive step
// looks its edges up through an index: LATERAL with OFFSET 0 keeps the planner from a hash
// join whose table would be built again at every level (bench/results/2026-12-07-pg-lineage.md).
#define MV_GRAPH_SQL(NEAR, FAR)                                                                \
  "WITH RECURSIVE s AS (SELECT v.id, v.stage, v.deleted_at IS NOT NULL AS deleted"             \
  " FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?1 AND v.number = ?2),"  \
  " g(child, parent, relation, depth) AS ("                                                    \
  " SELECT p.child_id, p.parent_id, p.relation, 1 FROM s CROSS JOIN LATERAL (SELECT child_id," \
  " parent_id, relation FROM version_parents WHERE " NEAR " = s.id OFFSET 0) p UNION"          \
  " SELECT p.child_id, p.parent_id, p.relation, g.depth + 1 FROM g CROSS JOIN LATERAL (SELECT" \
  " child_id, parent_id, relation FROM version_parents WHERE " NEAR " = g." FAR " OFFSET 0) p" \
  " WHERE g.depth < ?3),"                                                                      \
  " e(child, parent, relation, depth) AS (SELECT child, parent, relation, MIN(depth) FROM g"   \
  " GROUP BY child, parent, relation ORDER BY child, parent LIMIT ?4)"                         \
  " SELECT * FROM (SELECT 0 AS k, s.id AS a, NULL::bigint AS b, NULL::text AS t1, 0 AS depth," \
  " NULL::text AS t2, NULL::bigint AS n1, s.stage AS t3, s.deleted AS d1, NULL::text AS t4,"   \
  " NULL::bigint AS n2, NULL::text AS t5, NULL::boolean AS d2 FROM s UNION ALL"                \
  " SELECT 1, e.child, e.parent, e.relation, e.depth, mc.name, vc.number, vc.stage,"           \
  " vc.deleted_at IS NOT NULL, mp.name, vp.number, vp.stage, vp.deleted_at IS NOT NULL"        \
  " FROM e JOIN versions vc ON vc.id = e.child JOIN models mc ON mc.id = vc.model_id"          \
  " JOIN versions vp ON vp.id = e.parent JOIN models mp ON mp.id = vp.model_id UNION ALL"      \
  " SELECT 2, NULL, NULL, r.kind, 0, r.ref, NULL, r.detail, NULL, NULL, NULL, NULL, NULL"      \
  " FROM s JOIN lineage_refs r ON r.version_id = s.id) x ORDER BY k, a, b, t1, t2"

}  // namespace

Result<int64_t> SealedVersionRowId(Connection& c, const std::string& model, int64_t number) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT v.id, v.state FROM versions v JOIN models m ON "
                                     "m.id = v.model_id WHERE m.name = ? AND v.number = ?"));
  s.Bind(1, model).Bind(2, number);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.Text(1) != "sealed") {
    return InvalidArgument("parent " + model + ":" + std::to_string(number) +
                           " is not a registered (sealed) version");
  }
  return s.Int(0);
}

Status InsertLineageAndAttrs(Connection& c, int64_t version_id, const VersionSpec& spec) {
  for (const ParentRef& p : spec.lineage.parents) {
    ASSIGN_OR_RETURN(int64_t parent_id, SealedVersionRowId(c, p.model, p.version));
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO version_parents(child_id, parent_id, "
                                       "relation) VALUES (?, ?, ?)"));
    Status st = s.Bind(1, version_id).Bind(2, parent_id).Bind(3, p.relation).Run();
    RETURN_IF_ERROR(Duplicate(st, "parent " + p.model + ":" + std::to_string(p.version)));
  }
  for (const LineageRef& r : spec.lineage.refs) {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO lineage_refs(version_id, kind, ref, detail) "
                                       "VALUES (?, ?, ?, ?)"));
    Status st = s.Bind(1, version_id).Bind(2, r.kind).Bind(3, r.ref).Bind(4, r.detail).Run();
    RETURN_IF_ERROR(Duplicate(st, r.kind + " " + r.ref));
  }
  for (const VersionAttr& a : spec.attrs) {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO version_attrs(version_id, kind, key, "
                                       "text_value, num_value) VALUES (?, ?, ?, ?, ?)"));
    s.Bind(1, version_id).Bind(2, a.kind).Bind(3, a.key).Bind(4, a.text);
    if (a.number) {
      s.Bind(5, *a.number);
    } else {
      s.BindNull(5);
    }
    RETURN_IF_ERROR(Duplicate(s.Run(), a.kind + " " + a.key));
  }
  return Status::Ok();
}

Result<LineageGraph> PgMetadataStore::Graph(const std::string& model, int64_t number, bool up,
                                            int depth) {
  auto c = pool_->Acquire();
  // Up walks child->parent (an edge's near end is its child), down parent->child.
  ASSIGN_OR_RETURN(Stmt s, c->Prepare(up ? MV_GRAPH_SQL("child_id", "parent")
                                         : MV_GRAPH_SQL("parent_id", "child")));
  s.Bind(1, model).Bind(2, number);
  s.Bind(3, int64_t{std::min(depth, kMaxDepth)}).Bind(4, int64_t{kMaxGraphEdges});
  struct RawEdge {
    int64_t child, parent;
    std::string relation;
    int depth;
  };
  std::vector<RawEdge> raw;
  LineageGraph g;
  std::optional<int64_t> start_id;
  // Each endpoint's names come with its edge (columns 5..12), not one round trip per node.
  std::map<int64_t, LineageNode> info;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const int64_t kind = s.Int(0);
    if (kind == 0) {
      start_id = s.Int(1);
      info[*start_id] = LineageNode{model, number, StageFromName(s.Text(7)).value_or(Stage::kNone),
                                    s.Int(8) != 0, 0, 0};
    } else if (kind == 1) {
      raw.push_back({s.Int(1), s.Int(2), s.Text(3), static_cast<int>(s.Int(4))});
      for (int end = 0; end < 2; ++end) {
        const int col = 5 + 4 * end;
        info[s.Int(1 + end)] = LineageNode{s.Text(col),
                                           s.Int(col + 1),
                                           StageFromName(s.Text(col + 2)).value_or(Stage::kNone),
                                           s.Int(col + 3) != 0,
                                           0,
                                           0};
      }
    } else {
      g.refs.push_back(LineageRef{s.Text(3), s.Text(5), s.Text(7)});
    }
  }
  if (!start_id) {
    RETURN_IF_ERROR(ModelId(*c, model).status());  // which one is missing
    return NotFound("model '" + model + "' has no version " + std::to_string(number));
  }
  std::map<int64_t, int> depth_of{{*start_id, 0}};
  for (const RawEdge& e : raw) {
    int64_t far = up ? e.parent : e.child;
    auto it = depth_of.find(far);
    if (it == depth_of.end() || it->second > e.depth) depth_of[far] = e.depth;
    depth_of.emplace(up ? e.child : e.parent, e.depth - 1);
  }
  std::map<int64_t, LineageNode> nodes;
  for (const auto& [id, d] : depth_of) {
    LineageNode n = info[id];
    n.depth = d;
    nodes[id] = n;
    g.nodes.push_back(std::move(n));
  }
  for (const RawEdge& e : raw) {
    g.edges.push_back(LineageEdge{nodes[e.child].model, nodes[e.child].version,
                                  nodes[e.parent].model, nodes[e.parent].version, e.relation});
  }
  return g;
}

}  // namespace mv::storage::pg
