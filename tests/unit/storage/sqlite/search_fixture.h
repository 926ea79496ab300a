// Seed data for the search tests: three models with versions carrying tags, params and
// metrics, stages, aliases, a draft and a tombstone. Results are "model:number" strings.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "registry/search/filter.h"
#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {

class SearchTest : public StoreTest {
 protected:
  using Strings = std::vector<std::string>;

  void SetUp() override {
    StoreTest::SetUp();
    MustCreateModel("resnet", {{"team", "vision"}});
    MustCreateModel("bert", {{"team", "nlp"}});
    MustCreateModel("gpt");
    // resnet:1..3 sealed, resnet:4 a draft.
    Add("resnet", 1000, "baseline",
        {Attr("tag", "team", "vision"), Attr("tag", "note", "x' OR 1=1 --"),
         Attr("param", "lr", "0.1", 0.1), Attr("param", "opt", "adam"),
         Attr("param", "epochs", "9", 9), Attr("metric", "top1", "0.71", 0.71)});
    Add("resnet", 2000, "second",
        {Attr("tag", "team", "nlp"), Attr("param", "lr", "0.01", 0.01),
         Attr("param", "epochs", "10", 10), Attr("metric", "top1", "0.76", 0.76)});
    Add("resnet", 3000, "Best run",
        {Attr("tag", "team", "vision"), Attr("param", "lr", "0.001", 0.001),
         Attr("param", "opt", "sgd"), Attr("param", "epochs", "100", 100),
         Attr("metric", "top1", "0.8", 0.8), Attr("metric", "loss", "-1.5", -1.5)});
    Add("resnet", 4000, "draft",
        {Attr("tag", "team", "vision"), Attr("metric", "top1", "0.99", 0.99)},
        /*sealed=*/false);
    // bert:1 carries a version tag team=vision although the model's tag says nlp.
    Add("bert", 1500, "bert one",
        {Attr("tag", "team", "vision"), Attr("metric", "top1", "0.9", 0.9)});
    Add("bert", 2500, "plain", {});
    // gpt:1 is deleted (its attributes go with it); gpt:2 has none.
    Add("gpt", 500, "gone", {Attr("metric", "top1", "0.95", 0.95)});
    Add("gpt", 600, "gpt two", {});
    EXPECT_TRUE(store_->DeleteVersion("gpt", 1, "", kWho, kT0 + 5000).ok());

    MustTransition("resnet", 2, Stage::kProduction, kT0 + 6000);
    MustTransition("resnet", 1, Stage::kStaging, kT0 + 6000);
    MustTransition("bert", 1, Stage::kStaging, kT0 + 6000);
    EXPECT_TRUE(store_->SetAlias("resnet", "champion", 3, kWho, kT0 + 7000).ok());
    EXPECT_TRUE(store_->SetAlias("bert", "stable", 1, kWho, kT0 + 7000).ok());
  }

  void Add(const std::string& model, int64_t at, const std::string& description,
           std::vector<VersionAttr> attrs, bool sealed = true) {
    VersionSpec spec = Spec(description);
    spec.attrs = std::move(attrs);
    MustCreateVersion(model, sealed, {Art("w.bin")}, spec, kT0 + at);
  }

  // Versions matching `filter`, as sorted "model:number".
  Strings Find(const std::string& filter, const std::string& model = "", bool drafts = false) {
    auto tree = search::ParseFilter(filter);
    EXPECT_TRUE(tree.ok()) << filter << ": " << tree.status().ToString();
    if (!tree.ok()) return {"<parse error>"};
    VersionSearch q;
    q.filter = tree->get();
    q.model = model;
    q.include_drafts = drafts;
    q.limit = 1000;
    auto hits = store_->SearchVersions(q);
    EXPECT_TRUE(hits.ok()) << filter << ": " << hits.status().ToString();
    if (!hits.ok()) return {"<search error>"};
    Strings out;
    for (const auto& h : *hits)
      out.push_back(h.version.model + ":" + std::to_string(h.version.number));
    std::sort(out.begin(), out.end());
    return out;
  }

  // The status of a search whose filter parses but does not compile.
  Code SearchError(const std::string& filter) {
    auto tree = search::ParseFilter(filter);
    EXPECT_TRUE(tree.ok()) << filter << ": " << tree.status().ToString();
    if (!tree.ok()) return Code::kOk;
    VersionSearch q;
    q.filter = tree->get();
    return store_->SearchVersions(q).status().code();
  }

  // Models matching `filter` (after `after`, by name).
  Strings FindModels(const std::string& filter, const std::string& after = "") {
    auto tree = search::ParseFilter(filter);
    EXPECT_TRUE(tree.ok()) << filter << ": " << tree.status().ToString();
    if (!tree.ok()) return {"<parse error>"};
    auto models = store_->ListModels(after, 100, tree->get());
    EXPECT_TRUE(models.ok()) << filter << ": " << models.status().ToString();
    if (!models.ok()) return {"<list error>"};
    Strings out;
    for (const auto& m : *models) out.push_back(m.name);
    return out;
  }
};

}  // namespace mv::storage
