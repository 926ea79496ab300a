// Lineage: parents, runs, datasets and commits written with a version, queried both ways.
#include <map>
#include <set>

#include "storage/store_rules.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

constexpr int kMaxGraphEdges = 5000;
constexpr int kMaxDepth = 64;

// Joins both endpoints' names, numbers, stages and tombstones onto the edges of `e`.
#define MV_EDGE_NODES                                                                   \
  "SELECT e.child, e.parent, e.relation, e.depth, mc.name, vc.number, vc.stage, "       \
  "vc.deleted_at IS NOT NULL, mp.name, vp.number, vp.stage, vp.deleted_at IS NOT NULL " \
  "FROM e JOIN versions vc ON vc.id = e.child JOIN models mc ON mc.id = vc.model_id "   \
  "JOIN versions vp ON vp.id = e.parent JOIN models mp ON mp.id = vp.model_id "         \
  "ORDER BY e.child, e.parent"

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
  ReadTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto start, LoadVersion(*c, model, number));
  const int64_t start_id = start.first;
  // Edges reachable within `depth` steps, walking child->parent (up) or parent->child (down).
  ASSIGN_OR_RETURN(
      Stmt s,
      c->Prepare(
          up ? "WITH RECURSIVE g(child, parent, relation, depth) AS ("
               " SELECT child_id, parent_id, relation, 1 FROM version_parents"
               " WHERE child_id = ?1 UNION"
               " SELECT p.child_id, p.parent_id, p.relation, g.depth + 1"
               " FROM version_parents p JOIN g ON p.child_id = g.parent"
               " WHERE g.depth < ?2), e(child, parent, relation, depth) AS ("
               " SELECT child, parent, relation, MIN(depth) FROM g"
               " GROUP BY child, parent, relation ORDER BY child, parent LIMIT ?3) " MV_EDGE_NODES
             : "WITH RECURSIVE g(child, parent, relation, depth) AS ("
               " SELECT child_id, parent_id, relation, 1 FROM version_parents"
               " WHERE parent_id = ?1 UNION"
               " SELECT p.child_id, p.parent_id, p.relation, g.depth + 1"
               " FROM version_parents p JOIN g ON p.parent_id = g.child"
               " WHERE g.depth < ?2), e(child, parent, relation, depth) AS ("
               " SELECT child, parent, relation, MIN(depth) FROM g"
               " GROUP BY child, parent, relation ORDER BY child, parent LIMIT "
               "?3) " MV_EDGE_NODES));
  s.Bind(1, start_id).Bind(2, int64_t{std::min(depth, kMaxDepth)}).Bind(3, int64_t{kMaxGraphEdges});
  struct RawEdge {
    int64_t child, parent;
    std::string relation;
    int depth;
  };
  std::vector<RawEdge> raw;
  // Each endpoint's names come with its edge (columns 4..11), not one round trip per node.
  std::map<int64_t, LineageNode> info;
  info[start_id] =
      LineageNode{model, number, start.second.stage, start.second.deleted_at_ms.has_value(), 0, 0};
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    raw.push_back({s.Int(0), s.Int(1), s.Text(2), static_cast<int>(s.Int(3))});
    for (int end = 0; end < 2; ++end) {
      const int col = 4 + 4 * end;
      info[s.Int(end)] = LineageNode{s.Text(col),
                                     s.Int(col + 1),
                                     StageFromName(s.Text(col + 2)).value_or(Stage::kNone),
                                     s.Int(col + 3) != 0,
                                     0,
                                     0};
    }
  }
  std::map<int64_t, int> depth_of{{start_id, 0}};
  for (const RawEdge& e : raw) {
    int64_t far = up ? e.parent : e.child;
    auto it = depth_of.find(far);
    if (it == depth_of.end() || it->second > e.depth) depth_of[far] = e.depth;
    depth_of.emplace(up ? e.child : e.parent, e.depth - 1);
  }
  LineageGraph g;
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
  ASSIGN_OR_RETURN(Stmt r, c->Prepare("SELECT kind, ref, detail FROM lineage_refs WHERE "
                                      "version_id = ? ORDER BY kind, ref"));
  r.Bind(1, start_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, r.Step());
    if (!row) break;
    g.refs.push_back(LineageRef{r.Text(0), r.Text(1), r.Text(2)});
  }
  return g;
}

}  // namespace mv::storage::pg
