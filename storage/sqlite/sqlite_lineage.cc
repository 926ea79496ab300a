// Lineage: parents, runs, datasets and commits written with a version, queried both ways.
#include <map>
#include <set>

#include "storage/store_rules.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

constexpr int kMaxGraphEdges = 5000;
constexpr int kMaxDepth = 64;

// (name, number, stage, deleted) of a version row.
Result<LineageNode> NodeOf(Connection& c, int64_t version_id) {
  ASSIGN_OR_RETURN(Stmt s,
                   c.Prepare("SELECT m.name, v.number, v.stage, v.deleted_at FROM "
                             "versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?"));
  s.Bind(1, version_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Internal("lineage names a missing version row");
  LineageNode n;
  n.model = s.Text(0);
  n.version = s.Int(1);
  n.stage = StageFromName(s.Text(2)).value_or(Stage::kNone);
  n.deleted = !s.IsNull(3);
  return n;
}

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

Result<LineageGraph> SqliteMetadataStore::Graph(const std::string& model, int64_t number, bool up,
                                                int depth) {
  auto c = pool_->Acquire();
  ReadTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto start, LoadVersion(*c, model, number));
  const int64_t start_id = start.first;
  // Edges reachable within `depth` steps, walking child->parent (up) or parent->child (down).
  ASSIGN_OR_RETURN(Stmt s,
                   c->Prepare(up ? "WITH RECURSIVE g(child, parent, relation, depth) AS ("
                                   " SELECT child_id, parent_id, relation, 1 FROM version_parents"
                                   " WHERE child_id = ?1 UNION"
                                   " SELECT p.child_id, p.parent_id, p.relation, g.depth + 1"
                                   " FROM version_parents p JOIN g ON p.child_id = g.parent"
                                   " WHERE g.depth < ?2)"
                                   " SELECT child, parent, relation, MIN(depth) FROM g"
                                   " GROUP BY child, parent LIMIT ?3"
                                 : "WITH RECURSIVE g(child, parent, relation, depth) AS ("
                                   " SELECT child_id, parent_id, relation, 1 FROM version_parents"
                                   " WHERE parent_id = ?1 UNION"
                                   " SELECT p.child_id, p.parent_id, p.relation, g.depth + 1"
                                   " FROM version_parents p JOIN g ON p.parent_id = g.child"
                                   " WHERE g.depth < ?2)"
                                   " SELECT child, parent, relation, MIN(depth) FROM g"
                                   " GROUP BY child, parent LIMIT ?3"));
  s.Bind(1, start_id).Bind(2, int64_t{std::min(depth, kMaxDepth)}).Bind(3, int64_t{kMaxGraphEdges});
  struct RawEdge {
    int64_t child, parent;
    std::string relation;
    int depth;
  };
  std::vector<RawEdge> raw;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    raw.push_back({s.Int(0), s.Int(1), s.Text(2), static_cast<int>(s.Int(3))});
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
    ASSIGN_OR_RETURN(LineageNode n, NodeOf(*c, id));
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

}  // namespace mv::storage
