// The search filter over models (version fields match through any live version), and
// properties of the compiled SQL itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/sqlite/filter_sql.h"
#include "tests/unit/storage/sqlite/search_fixture.h"

namespace mv::storage {
namespace {

using ModelFilterTest = SearchTest;

TEST_P(ModelFilterTest, TagsAreTheModelsOwnTags) {
  // bert:1 has a version tag team=vision; the model's tag is nlp.
  EXPECT_EQ(FindModels("tags.team = 'vision'"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("tags.team = 'nlp'"), (Strings{"bert"}));
  EXPECT_EQ(FindModels("NOT tags.team = 'vision'"), (Strings{"bert", "gpt"}));
  EXPECT_EQ(FindModels("tags.team IN ('vision', 'nlp')"), (Strings{"bert", "resnet"}));
  EXPECT_EQ(FindModels("tags.team LIKE 'n%'"), (Strings{"bert"}));
}

TEST_P(ModelFilterTest, ModelFields) {
  EXPECT_EQ(FindModels(""), (Strings{"bert", "gpt", "resnet"}));
  EXPECT_EQ(FindModels("name = 'bert'"), (Strings{"bert"}));
  EXPECT_EQ(FindModels("model LIKE 'g%'"), (Strings{"gpt"}));
  EXPECT_EQ(FindModels("description = 'about gpt'"), (Strings{"gpt"}));
  EXPECT_EQ(FindModels("created_at = 1700000000000"), (Strings{"bert", "gpt", "resnet"}));
  EXPECT_EQ(FindModels("created_at > '2023-11-14T22:13:20Z'"), (Strings{}));
}

TEST_P(ModelFilterTest, StageMatchesWhenAnyLiveVersionIsInIt) {
  EXPECT_EQ(FindModels("stage = 'production'"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("stage = 'staging'"), (Strings{"bert", "resnet"}));
  EXPECT_EQ(FindModels("stage = 'archived'"), (Strings{}));
  EXPECT_EQ(FindModels("NOT stage = 'production'"), (Strings{"bert", "gpt"}));
  MustTransition("resnet", 3, Stage::kProduction, kT0 + 9000);  // archives resnet:2
  EXPECT_EQ(FindModels("stage = 'archived'"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("stage = 'production' AND alias = 'champion'"), (Strings{"resnet"}));
}

TEST_P(ModelFilterTest, VersionFieldsSkipTombstonesAndDrafts) {
  EXPECT_EQ(FindModels("version = 1"), (Strings{"bert", "resnet"}));  // gpt:1 is deleted
  EXPECT_EQ(FindModels("version >= 3"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("version = 4"), (Strings{}));                // resnet:4 is a draft
  EXPECT_EQ(FindModels("metrics.top1 > 0.85"), (Strings{"bert"}));  // not gpt:1, not resnet:4
  EXPECT_EQ(FindModels("metrics.top1 >= 0.76 AND params.opt = 'sgd'"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("params.epochs < 50"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("alias = 'stable'"), (Strings{"bert"}));
  EXPECT_EQ(FindModels("alias IN ('champion', 'stable')"), (Strings{"bert", "resnet"}));
}

TEST_P(ModelFilterTest, PagingKeepsTheFilter) {
  EXPECT_EQ(FindModels("stage = 'staging'", "bert"), (Strings{"resnet"}));
  EXPECT_EQ(FindModels("stage = 'staging'", "resnet"), (Strings{}));
  auto tree = search::ParseFilter("tags.team IN ('vision', 'nlp')");
  ASSERT_TRUE(tree.ok());
  auto one = store_->ListModels("", 1, tree->get());
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].name, "bert");
}

TEST_P(ModelFilterTest, InjectionLookingValuesMatchNothingAndBadValuesAreRefused) {
  EXPECT_EQ(FindModels("name = 'x'' OR 1=1 --'"), (Strings{}));
  EXPECT_EQ(FindModels("tags.team = 'x'' OR ''a''=''a'"), (Strings{}));
  EXPECT_EQ(FindModels("stage = 'none'') OR 1=1 --'"), (Strings{}));
  for (const char* bad : {"version = 'x'", "created_at < 'later'"}) {
    auto tree = search::ParseFilter(bad);
    ASSERT_TRUE(tree.ok()) << bad;
    EXPECT_EQ(store_->ListModels("", 10, tree->get()).status().code(), Code::kInvalidArgument)
        << bad;
  }
}

// --- the compiled SQL -------------------------------------------------------------------

size_t Placeholders(const std::string& sql) { return std::count(sql.begin(), sql.end(), '?'); }

TEST(FilterSqlCompileTest, NoFilterIsTrue) {
  auto v = CompileVersionFilter(nullptr);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->sql, "1");
  EXPECT_TRUE(v->params.empty());
  auto m = CompileModelFilter(nullptr);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->sql, "1");
  EXPECT_TRUE(m->params.empty());
}

TEST(FilterSqlCompileTest, EveryValueIsAParameterNeverText) {
  const std::vector<std::string> filters = {
      "name = 'zz1'",
      "model != 'zz1' AND description LIKE 'zz2%'",
      "stage IN ('zz1', 'zz2') OR alias NOT IN ('zz3')",
      "tags.zzk = 'zz1' AND params.zzk2 >= 12345 AND metrics.zzk3 IN (67890, 13579)",
      "NOT (version = 24680 OR created_at > '2023-11-14T22:13:20Z')",
      "tags.'zz key' NOT LIKE 'zz4'",
  };
  for (const std::string& f : filters) {
    auto tree = search::ParseFilter(f);
    ASSERT_TRUE(tree.ok()) << f;
    for (bool models : {false, true}) {
      auto sql = models ? CompileModelFilter(tree->get()) : CompileVersionFilter(tree->get());
      ASSERT_TRUE(sql.ok()) << f << ": " << sql.status().ToString();
      EXPECT_EQ(Placeholders(sql->sql), sql->params.size()) << sql->sql;
      for (const char* literal : {"zz", "12345", "67890", "13579", "24680", "2023"}) {
        EXPECT_EQ(sql->sql.find(literal), std::string::npos) << literal << " in " << sql->sql;
      }
    }
  }
}

TEST(FilterSqlCompileTest, ValuesAreBoundWithTheRightTypes) {
  auto tree = search::ParseFilter(
      "version = 3 AND created_at >= '1970-01-01T00:00:01Z' AND metrics.a > 0.5 AND "
      "tags.t = 7 AND params.p = 'x'");
  ASSERT_TRUE(tree.ok());
  auto sql = CompileVersionFilter(tree->get());
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  ASSERT_EQ(sql->params.size(), 8u);
  EXPECT_EQ(std::get<int64_t>(sql->params[0]), 3);        // version: an integer
  EXPECT_EQ(std::get<int64_t>(sql->params[1]), 1000);     // created_at: Unix ms
  EXPECT_EQ(std::get<std::string>(sql->params[2]), "a");  // the key
  EXPECT_DOUBLE_EQ(std::get<double>(sql->params[3]), 0.5);
  EXPECT_EQ(std::get<std::string>(sql->params[4]), "t");
  EXPECT_EQ(std::get<std::string>(sql->params[5]), "7");  // tags compare as text
  EXPECT_EQ(std::get<std::string>(sql->params[6]), "p");
  EXPECT_EQ(std::get<std::string>(sql->params[7]), "x");
}

MV_STORE_BACKENDS(ModelFilterTest);

}  // namespace
}  // namespace mv::storage
