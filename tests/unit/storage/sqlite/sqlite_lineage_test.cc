// Lineage in the SQLite store: parents, runs, datasets and commits written with a version,
// and the downstream and graph queries over them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

using Strings = std::vector<std::string>;

ParentRef Parent(const std::string& model, int64_t version, const std::string& relation) {
  ParentRef p;
  p.model = model;
  p.version = version;
  p.relation = relation;
  return p;
}

// base:1 <- ft:1 <- q:1, base:1 <- ft:2, and ens:1 with both base:1 and ft:1 as parents.
class SqliteLineageTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* m : {"base", "ft", "q", "ens"}) MustCreateModel(m);
    Add("base", {},
        {{"run", "r-1", "http://runs/1"},
         {"dataset", "sha256:d1", "imagenet"},
         {"commit", "c0ffee", "git@x:repo"}});
    Add("ft", {Parent("base", 1, "fine-tuned-from")},
        {{"dataset", "sha256:d1", ""}, {"dataset", "sha256:d2", ""}, {"commit", "c0ffee", ""}});
    Add("ft", {Parent("base", 1, "fine-tuned-from")}, {{"run", "r-2", ""}});
    Add("q", {Parent("ft", 1, "quantized-from")}, {{"commit", "beef", ""}});
    Add("ens", {Parent("base", 1, "distilled-from"), Parent("ft", 1, "ensembled-from")}, {});
  }

  Result<Version> Create(const std::string& model, std::vector<ParentRef> parents,
                         std::vector<LineageRef> refs) {
    VersionSpec spec = Spec();
    spec.lineage.parents = std::move(parents);
    spec.lineage.refs = std::move(refs);
    return store_->CreateVersion(model, spec, {Art("w.bin")}, true, kWho, kT0 + 1);
  }
  void Add(const std::string& model, std::vector<ParentRef> parents, std::vector<LineageRef> refs) {
    auto v = Create(model, std::move(parents), std::move(refs));
    ASSERT_TRUE(v.ok()) << model << ": " << v.status().ToString();
  }

  // "model:version@depth" of each downstream node, in the store's order.
  Strings Down(const std::string& kind, const std::string& ref, int64_t parent_version = 0,
               bool transitive = false, int limit = 1000) {
    LineageQuery q;
    q.kind = kind;
    q.ref = ref;
    q.parent_version = parent_version;
    q.transitive = transitive;
    q.limit = limit;
    auto nodes = store_->Downstream(q);
    EXPECT_TRUE(nodes.ok()) << nodes.status().ToString();
    Strings out;
    if (!nodes.ok()) return out;
    for (const auto& n : *nodes) {
      EXPECT_FALSE(n.deleted);
      out.push_back(n.model + ":" + std::to_string(n.version) + "@" + std::to_string(n.depth) +
                    (n.stage != Stage::kNone ? std::string(" ") + StageName(n.stage) : ""));
    }
    return out;
  }

  struct Rendered {
    Strings nodes, edges, refs;
  };
  Rendered GraphOf(const std::string& model, int64_t number, bool up, int depth) {
    Rendered r;
    auto g = store_->Graph(model, number, up, depth);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    if (!g.ok()) return r;
    for (const auto& n : g->nodes) {
      r.nodes.push_back(n.model + ":" + std::to_string(n.version) + "@" + std::to_string(n.depth) +
                        (n.deleted ? " deleted" : "") +
                        (n.stage != Stage::kNone ? std::string(" ") + StageName(n.stage) : ""));
    }
    for (const auto& e : g->edges) {
      r.edges.push_back(e.child_model + ":" + std::to_string(e.child_version) + "->" +
                        e.parent_model + ":" + std::to_string(e.parent_version) + " " + e.relation);
    }
    for (const auto& ref : g->refs) r.refs.push_back(ref.kind + " " + ref.ref + " " + ref.detail);
    std::sort(r.nodes.begin(), r.nodes.end());
    std::sort(r.edges.begin(), r.edges.end());
    return r;
  }

  // Makes parent:pv a parent of child:cv ("other") in SQL, as uploads never could (a cycle).
  Status LinkBehindTheStoresBack(const std::string& child, int64_t cv, const std::string& parent,
                                 int64_t pv) {
    const std::string row =
        "(SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = '";
    return RawExec("INSERT INTO version_parents(child_id, parent_id, relation) SELECT " + row +
                   child + "' AND v.number = " + std::to_string(cv) + "), " + row + parent +
                   "' AND v.number = " + std::to_string(pv) + "), 'other'");
  }

  int64_t LineageRows() {
    return QueryInt(
        "SELECT (SELECT COUNT(*) FROM version_parents) + "
        "(SELECT COUNT(*) FROM lineage_refs) + (SELECT COUNT(*) FROM version_attrs)");
  }
};

TEST_P(SqliteLineageTest, BadLineageRecordsNothingAndUsesNoNumber) {
  const int64_t versions = QueryInt("SELECT COUNT(*) FROM versions");
  const int64_t rows = LineageRows();
  const size_t events = Audit("").size();
  struct Case {
    std::vector<ParentRef> parents;
    std::vector<LineageRef> refs;
  };
  MustCreateVersion("ft", false);  // ft:3, a draft: not a valid parent
  const std::vector<Case> bad = {
      {{Parent("base", 9, "x")}, {{"run", "r-9", ""}}},        // missing version
      {{Parent("ghost", 1, "x")}, {}},                         // missing model
      {{Parent("ft", 3, "x")}, {}},                            // a draft
      {{Parent("base", 1, "a"), Parent("base", 1, "b")}, {}},  // listed twice
      {{}, {{"dataset", "sha256:d9", ""}, {"dataset", "sha256:d9", "again"}}},
      {{}, {{"paper", "arxiv:1", ""}}},  // unknown kind
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto v = Create("q", bad[i].parents, bad[i].refs);
    EXPECT_EQ(v.status().code(), Code::kInvalidArgument)
        << "case " << i << ": " << v.status().ToString();
  }
  VersionSpec dup = Spec();
  dup.attrs = {Attr("metric", "top1", "1", 1.0), Attr("metric", "top1", "2", 2.0)};
  EXPECT_EQ(store_->CreateVersion("q", dup, {Art("w")}, true, kWho, kT0).status().code(),
            Code::kInvalidArgument);

  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), versions + 1);  // only the draft
  EXPECT_EQ(LineageRows(), rows);
  EXPECT_EQ(Audit("").size(), events + 1);
  EXPECT_EQ(MustCreateVersion("q", true), 2);  // q:1 exists; no number was used
}

TEST_P(SqliteLineageTest, DownstreamOfDatasetsCommitsAndRuns) {
  EXPECT_EQ(Down("dataset", "sha256:d1"), (Strings{"base:1@1", "ft:1@1"}));
  EXPECT_EQ(Down("dataset", "sha256:d2"), (Strings{"ft:1@1"}));
  EXPECT_EQ(Down("commit", "c0ffee"), (Strings{"base:1@1", "ft:1@1"}));
  EXPECT_EQ(Down("commit", "beef"), (Strings{"q:1@1"}));
  EXPECT_EQ(Down("run", "r-2"), (Strings{"ft:2@1"}));
  EXPECT_EQ(Down("run", "sha256:d1"), (Strings{}));  // the kind must match too
  EXPECT_EQ(Down("dataset", "nope"), (Strings{}));
}

TEST_P(SqliteLineageTest, DownstreamOfAParentDirectOrTransitive) {
  EXPECT_EQ(Down("parent", "base", 1), (Strings{"ft:1@1", "ft:2@1", "ens:1@1"}));
  // ens:1 is reachable at depth 1 and 2: it is listed once, at its nearest depth.
  EXPECT_EQ(Down("parent", "base", 1, true), (Strings{"ft:1@1", "ft:2@1", "ens:1@1", "q:1@2"}));
  EXPECT_EQ(Down("parent", "ft", 1), (Strings{"q:1@1", "ens:1@1"}));
  EXPECT_EQ(Down("parent", "q", 1, true), (Strings{}));
  LineageQuery missing;
  missing.kind = "parent";
  missing.ref = "base";
  missing.parent_version = 9;
  EXPECT_FALSE(store_->Downstream(missing).ok());
}

TEST_P(SqliteLineageTest, TransitiveRefQueriesFollowEveryDescendant) {
  // d2 is used by ft:1 only; q:1 and ens:1 derive from ft:1.
  EXPECT_EQ(Down("dataset", "sha256:d2", 0, true), (Strings{"ft:1@1", "q:1@2", "ens:1@2"}));
  // beef's only user has no children; r-1's (base:1) has all the others.
  EXPECT_EQ(Down("commit", "beef", 0, true), (Strings{"q:1@1"}));
  EXPECT_EQ(Down("run", "r-1", 0, true),
            (Strings{"base:1@1", "ft:1@2", "ft:2@2", "ens:1@2", "q:1@3"}));
}

TEST_P(SqliteLineageTest, TransitiveWalksHaveNoDepthBoundAndSurviveCycles) {
  MustCreateModel("long");
  Add("long", {}, {{"dataset", "sha256:long", ""}});
  for (int v = 2; v <= 100; ++v) Add("long", {Parent("long", v - 1, "fine-tuned-from")}, {});
  Strings all = Down("dataset", "sha256:long", 0, true);
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(all.back(), "long:100@100");
  // Cycles cannot be uploaded; written behind the store's back, a walk still ends.
  Status cycle = LinkBehindTheStoresBack("long", 1, "long", 100);
  ASSERT_TRUE(cycle.ok()) << cycle.ToString();
  EXPECT_EQ(Down("dataset", "sha256:long", 0, true).size(), 100u);
  EXPECT_EQ(Down("parent", "long", 50, true).size(), 99u);  // around the loop, itself excluded
}

TEST_P(SqliteLineageTest, TransitiveDepthIsTheNearestOneAcrossLongChains) {
  // long:1 <- long:2 <- ... <- long:90, with a shortcut long:1 <- jump:1 <- long:70.
  MustCreateModel("long");
  MustCreateModel("jump");
  Add("long", {}, {});
  for (int v = 2; v <= 90; ++v) {
    if (v == 70) {
      Add("jump", {Parent("long", 1, "other")}, {});
      Add("long", {Parent("long", 69, "fine-tuned-from"), Parent("jump", 1, "other")}, {});
    } else {
      Add("long", {Parent("long", v - 1, "fine-tuned-from")}, {});
    }
  }
  Strings all = Down("parent", "long", 1, true);
  ASSERT_EQ(all.size(), 90u);
  // Depth 1: long:2 and jump:1; depth 2: long:3 and long:70; long:69 is 68 steps away.
  EXPECT_EQ(Strings(all.begin(), all.begin() + 4),
            (Strings{"long:2@1", "jump:1@1", "long:3@2", "long:70@2"}));
  EXPECT_NE(std::find(all.begin(), all.end(), "long:90@22"), all.end());
  EXPECT_EQ(all.back(), "long:69@68");
  // Paged three at a time, the pages put together are the whole answer.
  LineageQuery q;
  q.kind = "parent";
  q.ref = "long";
  q.parent_version = 1;
  q.transitive = true;
  q.limit = 3;
  Strings paged;
  for (int page = 0; page < 40; ++page) {
    auto nodes = store_->Downstream(q);
    ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
    for (const auto& n : *nodes) {
      paged.push_back(n.model + ":" + std::to_string(n.version) + "@" + std::to_string(n.depth));
    }
    if (nodes->size() < 3) break;
    q.after_depth = nodes->back().depth;
    q.after_id = nodes->back().row_id;
  }
  EXPECT_EQ(paged, all);
}

TEST_P(SqliteLineageTest, TransitivePagesResumeAfterTheirKey) {
  LineageQuery q;
  q.kind = "run";
  q.ref = "r-1";
  q.transitive = true;
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto nodes = store_->Downstream(q);
    ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
    for (const auto& n : *nodes) seen.push_back(n.model + ":" + std::to_string(n.version));
    if (nodes->size() < 2) break;
    q.after_depth = nodes->back().depth;
    q.after_id = nodes->back().row_id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"base:1", "ft:1", "ft:2", "ens:1", "q:1"}));
}

TEST_P(SqliteLineageTest, TombstonesAreLeftOutOfDownstreamButStillLinkTheirChildren) {
  ASSERT_TRUE(store_->DeleteVersion("ft", 2, "", kWho, kT0 + 5).ok());
  ASSERT_TRUE(store_->DeleteVersion("ft", 1, "", kWho, kT0 + 5).ok());
  EXPECT_EQ(Down("parent", "base", 1), (Strings{"ens:1@1"}));
  EXPECT_EQ(Down("parent", "base", 1, true), (Strings{"ens:1@1", "q:1@2"}));
  EXPECT_EQ(Down("dataset", "sha256:d1"), (Strings{"base:1@1"}));
  EXPECT_EQ(Down("run", "r-2"), (Strings{}));
}

TEST_P(SqliteLineageTest, DownstreamPagesAreFullAfterTombstonesAndCarryStages) {
  MustTransition("ens", 1, Stage::kProduction);
  ASSERT_TRUE(store_->DeleteVersion("ft", 1, "", kWho, kT0 + 5).ok());
  // The limit counts live versions only: the tombstone ft:1 does not shorten the page.
  EXPECT_EQ(Down("parent", "base", 1, true, 2), (Strings{"ft:2@1", "ens:1@1 production"}));
  EXPECT_EQ(Down("parent", "base", 1, true, 1), (Strings{"ft:2@1"}));
  EXPECT_EQ(Down("dataset", "sha256:d1", 0, false, 1), (Strings{"base:1@1"}));
  ASSERT_TRUE(store_->DeleteVersion("base", 1, "", kWho, kT0 + 6).ok());
  EXPECT_EQ(Down("dataset", "sha256:d1", 0, false, 1), (Strings{}));  // ft:1 is gone too
  EXPECT_EQ(Down("commit", "c0ffee", 0, false, 5), (Strings{}));
  EXPECT_EQ(Down("commit", "beef", 0, false, 5), (Strings{"q:1@1"}));
}

TEST_P(SqliteLineageTest, GraphUpWithDepthLimits) {
  Rendered one = GraphOf("q", 1, /*up=*/true, 1);
  EXPECT_EQ(one.nodes, (Strings{"ft:1@1", "q:1@0"}));
  EXPECT_EQ(one.edges, (Strings{"q:1->ft:1 quantized-from"}));
  EXPECT_EQ(one.refs, (Strings{"commit beef "}));

  Rendered two = GraphOf("q", 1, true, 2);
  EXPECT_EQ(two.nodes, (Strings{"base:1@2", "ft:1@1", "q:1@0"}));
  EXPECT_EQ(two.edges, (Strings{"ft:1->base:1 fine-tuned-from", "q:1->ft:1 quantized-from"}));
  EXPECT_EQ(GraphOf("q", 1, true, 64).nodes, two.nodes);  // nothing further up

  // A diamond: base:1 is a direct parent of ens:1 and a grandparent through ft:1.
  Rendered ens = GraphOf("ens", 1, true, 2);
  EXPECT_EQ(ens.nodes, (Strings{"base:1@1", "ens:1@0", "ft:1@1"}));
  EXPECT_EQ(ens.edges, (Strings{"ens:1->base:1 distilled-from", "ens:1->ft:1 ensembled-from",
                                "ft:1->base:1 fine-tuned-from"}));
  EXPECT_EQ(GraphOf("ens", 1, true, 1).edges,
            (Strings{"ens:1->base:1 distilled-from", "ens:1->ft:1 ensembled-from"}));
  EXPECT_TRUE(GraphOf("ens", 1, true, 1).refs.empty());
}

TEST_P(SqliteLineageTest, GraphWalksEndOnACycleWithinTheirDepthBound) {
  // long:1 <- long:2 <- ... <- long:10, and long:10 made a parent of long:1 behind the
  // store's back (uploads cannot make a cycle).
  MustCreateModel("long");
  Add("long", {}, {});
  for (int v = 2; v <= 10; ++v) Add("long", {Parent("long", v - 1, "fine-tuned-from")}, {});
  Status cycle = LinkBehindTheStoresBack("long", 1, "long", 10);
  ASSERT_TRUE(cycle.ok()) << cycle.ToString();
  Rendered around = GraphOf("long", 5, /*up=*/true, 64);
  EXPECT_EQ(around.nodes, (Strings{"long:10@5", "long:1@4", "long:2@3", "long:3@2", "long:4@1",
                                   "long:5@0", "long:6@9", "long:7@8", "long:8@7", "long:9@6"}));
  EXPECT_EQ(around.edges.size(), 10u);
  EXPECT_NE(std::find(around.edges.begin(), around.edges.end(), "long:1->long:10 other"),
            around.edges.end());
  Rendered down = GraphOf("long", 5, /*up=*/false, 64);
  EXPECT_EQ(down.nodes.size(), 10u);
  EXPECT_EQ(down.edges.size(), 10u);
  Rendered three = GraphOf("long", 2, true, 3);
  EXPECT_EQ(three.nodes, (Strings{"long:10@2", "long:1@1", "long:2@0", "long:9@3"}));
  EXPECT_EQ(three.edges, (Strings{"long:1->long:10 other", "long:10->long:9 fine-tuned-from",
                                  "long:2->long:1 fine-tuned-from"}));
}

TEST_P(SqliteLineageTest, GraphDownWithStagesTombstonesAndRefs) {
  MustTransition("ft", 1, Stage::kProduction);
  ASSERT_TRUE(store_->DeleteVersion("ft", 2, "", kWho, kT0 + 5).ok());
  Rendered one = GraphOf("base", 1, /*up=*/false, 1);
  EXPECT_EQ(one.nodes, (Strings{"base:1@0", "ens:1@1", "ft:1@1 production", "ft:2@1 deleted"}));
  EXPECT_EQ(one.edges, (Strings{"ens:1->base:1 distilled-from", "ft:1->base:1 fine-tuned-from",
                                "ft:2->base:1 fine-tuned-from"}));
  // The start version's refs, by kind then ref.
  EXPECT_EQ(one.refs, (Strings{"commit c0ffee git@x:repo", "dataset sha256:d1 imagenet",
                               "run r-1 http://runs/1"}));

  Rendered two = GraphOf("base", 1, false, 2);
  EXPECT_EQ(two.nodes,
            (Strings{"base:1@0", "ens:1@1", "ft:1@1 production", "ft:2@1 deleted", "q:1@2"}));
  EXPECT_EQ(two.edges.size(), 5u);
  EXPECT_NE(std::find(two.edges.begin(), two.edges.end(), "ens:1->ft:1 ensembled-from"),
            two.edges.end());
  EXPECT_NE(std::find(two.edges.begin(), two.edges.end(), "q:1->ft:1 quantized-from"),
            two.edges.end());

  Rendered leaf = GraphOf("q", 1, false, 5);
  EXPECT_EQ(leaf.nodes, (Strings{"q:1@0"}));
  EXPECT_TRUE(leaf.edges.empty());
  EXPECT_EQ(store_->Graph("q", 2, false, 1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Graph("ghost", 1, true, 1).status().code(), Code::kNotFound);
}

MV_STORE_BACKENDS(SqliteLineageTest);

}  // namespace
}  // namespace mv::storage
