// The search filter compiled to SQL and run against the real store: version searches.
#include "storage/sqlite/filter_sql.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/storage/sqlite/search_fixture.h"

namespace mv::storage {
namespace {

using FilterSqlTest = SearchTest;

TEST_P(FilterSqlTest, NoFilterFindsEveryLiveSealedVersion) {
  EXPECT_EQ(Find(""), (Strings{"bert:1", "bert:2", "gpt:2", "resnet:1", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("", "", /*drafts=*/true),
            (Strings{"bert:1", "bert:2", "gpt:2", "resnet:1", "resnet:2", "resnet:3", "resnet:4"}));
  EXPECT_EQ(Find("", "bert"), (Strings{"bert:1", "bert:2"}));
}

TEST_P(FilterSqlTest, TheIssueExample) {
  EXPECT_EQ(Find("stage = 'production' AND (tags.team = 'vision' OR metrics.top1 >= 0.76)"),
            (Strings{"resnet:2"}));
  EXPECT_EQ(Find("stage = 'staging' AND (tags.team = 'vision' OR metrics.top1 >= 0.76)"),
            (Strings{"bert:1", "resnet:1"}));
}

TEST_P(FilterSqlTest, NumbersCompareNumericallyAndStringsAsText) {
  EXPECT_EQ(Find("metrics.top1 >= 0.76"), (Strings{"bert:1", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("metrics.top1 >= 0.76", "", true),
            (Strings{"bert:1", "resnet:2", "resnet:3", "resnet:4"}));
  EXPECT_EQ(Find("metrics.loss < 0"), (Strings{"resnet:3"}));
  // 9 < 10 < 100 as numbers; as text '10' < '100' < '50' < '9'.
  EXPECT_EQ(Find("params.epochs < 50"), (Strings{"resnet:1", "resnet:2"}));
  EXPECT_EQ(Find("params.epochs < '50'"), (Strings{"resnet:2", "resnet:3"}));
  // 0.80 equals 0.8 as a number, not as text.
  EXPECT_EQ(Find("metrics.top1 = 0.80"), (Strings{"resnet:3"}));
  EXPECT_EQ(Find("metrics.top1 = '0.80'"), (Strings{}));
  EXPECT_EQ(Find("metrics.top1 = '0.8'"), (Strings{"resnet:3"}));
  EXPECT_EQ(Find("params.lr <= 0.01 AND params.lr > 0.001"), (Strings{"resnet:2"}));
  // A text-only attribute never matches a numeric comparison.
  EXPECT_EQ(Find("params.opt > 0"), (Strings{}));
  EXPECT_EQ(Find("params.opt = 'sgd'"), (Strings{"resnet:3"}));
  // Absent keys match nothing.
  EXPECT_EQ(Find("metrics.absent > 0 OR params.absent = 'x'"), (Strings{}));
}

TEST_P(FilterSqlTest, InAndNotIn) {
  EXPECT_EQ(Find("tags.team IN ('vision', 'nlp')"),
            (Strings{"bert:1", "resnet:1", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("tags.team NOT IN ('vision')"), (Strings{"resnet:2"}));
  EXPECT_EQ(Find("params.opt IN ('adam', 'sgd')"), (Strings{"resnet:1", "resnet:3"}));
  EXPECT_EQ(Find("metrics.top1 IN (0.76, 0.9)"), (Strings{"bert:1", "resnet:2"}));
  EXPECT_EQ(Find("version IN (1, 3)"), (Strings{"bert:1", "resnet:1", "resnet:3"}));
  EXPECT_EQ(Find("version NOT IN (1)"), (Strings{"bert:2", "gpt:2", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("name IN ('bert', 'gpt')"), (Strings{"bert:1", "bert:2", "gpt:2"}));
  EXPECT_EQ(Find("stage IN ('production', 'staging')"),
            (Strings{"bert:1", "resnet:1", "resnet:2"}));
}

TEST_P(FilterSqlTest, LikeAndNotLike) {
  EXPECT_EQ(Find("name LIKE 'res%'"), (Strings{"resnet:1", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("name NOT LIKE 'res%'"), (Strings{"bert:1", "bert:2", "gpt:2"}));
  EXPECT_EQ(Find("model LIKE '_ert'"), (Strings{"bert:1", "bert:2"}));
  EXPECT_EQ(Find("description LIKE 'Best%'"), (Strings{"resnet:3"}));
  EXPECT_EQ(Find("tags.note LIKE '%1=1%'"), (Strings{"resnet:1"}));
  EXPECT_EQ(Find("tags.team NOT LIKE 'vis%'"), (Strings{"resnet:2"}));
}

TEST_P(FilterSqlTest, NotAndOrCombine) {
  // NOT of a keyed comparison also matches versions without the key; != needs the key.
  EXPECT_EQ(Find("NOT tags.team = 'vision'"), (Strings{"bert:2", "gpt:2", "resnet:2"}));
  EXPECT_EQ(Find("tags.team != 'vision'"), (Strings{"resnet:2"}));
  EXPECT_EQ(Find("tags.team <> 'vision'"), (Strings{"resnet:2"}));
  EXPECT_EQ(Find("NOT (name = 'resnet' OR name = 'bert')"), (Strings{"gpt:2"}));
  EXPECT_EQ(Find("NOT name = 'resnet' AND NOT name = 'bert'"), (Strings{"gpt:2"}));
  EXPECT_EQ(Find("name = 'gpt' OR name = 'bert' AND version = 2"), (Strings{"bert:2", "gpt:2"}));
  EXPECT_EQ(Find("(name = 'gpt' OR name = 'bert') AND version = 2"), (Strings{"bert:2", "gpt:2"}));
  EXPECT_EQ(Find("(name = 'gpt' OR name = 'bert') AND version = 1"), (Strings{"bert:1"}));
}

TEST_P(FilterSqlTest, CreatedAtTakesRfc3339OrMilliseconds) {
  // kT0 is 2023-11-14T22:13:20Z; versions were created at kT0 + 600 ... kT0 + 3000 ms.
  EXPECT_EQ(Find("created_at >= '2023-11-14T22:13:22Z'"),
            (Strings{"bert:2", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("created_at >= '2023-11-14T23:13:22+01:00'"),
            (Strings{"bert:2", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("created_at < '2023-11-14T22:13:21.500Z'"), (Strings{"gpt:2", "resnet:1"}));
  EXPECT_EQ(Find("created_at = 1700000002500"), (Strings{"bert:2"}));
  EXPECT_EQ(Find("created_at > 1700000002500"), (Strings{"resnet:3"}));
  EXPECT_EQ(SearchError("created_at > 'yesterday'"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("created_at > '2023-13-01T00:00:00Z'"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("created_at > 1e300"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("created_at < -1e19"), Code::kInvalidArgument);
}

TEST_P(FilterSqlTest, VersionNumbersAreIntegers) {
  EXPECT_EQ(Find("version >= 2"), (Strings{"bert:2", "gpt:2", "resnet:2", "resnet:3"}));
  EXPECT_EQ(Find("version = 3", "resnet"), (Strings{"resnet:3"}));
  EXPECT_EQ(Find("version = 4", "resnet"), (Strings{}));  // a draft
  EXPECT_EQ(Find("version = 4", "resnet", true), (Strings{"resnet:4"}));
  EXPECT_EQ(Find("version = 1", "gpt", true), (Strings{}));  // a tombstone
  EXPECT_EQ(Find("version = 2.0"), (Strings{"bert:2", "gpt:2", "resnet:2"}));
  EXPECT_EQ(SearchError("version = 'x'"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("version = '2'"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("version = 1.5"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("version IN (1, 'two')"), Code::kInvalidArgument);
  // Integers beyond what a double holds exactly are refused, not cast (undefined behaviour).
  EXPECT_EQ(SearchError("version = 1e300"), Code::kInvalidArgument);
  EXPECT_EQ(SearchError("version > -1e19"), Code::kInvalidArgument);
  EXPECT_EQ(Find("version < 9007199254740992"), Find(""));
}

TEST_P(FilterSqlTest, AliasAndStageFields) {
  EXPECT_EQ(Find("alias = 'champion'"), (Strings{"resnet:3"}));
  EXPECT_EQ(Find("alias IN ('champion', 'stable')"), (Strings{"bert:1", "resnet:3"}));
  EXPECT_EQ(Find("NOT alias = 'champion'", "resnet"), (Strings{"resnet:1", "resnet:2"}));
  EXPECT_EQ(Find("alias = 'stable'", "resnet"), (Strings{}));
  EXPECT_EQ(Find("stage = 'production'"), (Strings{"resnet:2"}));
  EXPECT_EQ(Find("stage = 'staging'"), (Strings{"bert:1", "resnet:1"}));
  EXPECT_EQ(Find("stage = 'none'"), (Strings{"bert:2", "gpt:2", "resnet:3"}));
  EXPECT_EQ(Find("stage != 'none'"), (Strings{"bert:1", "resnet:1", "resnet:2"}));
  EXPECT_EQ(Find("stage = 'archived'"), (Strings{}));
}

TEST_P(FilterSqlTest, TheModelRestrictionAndDraftsCombineWithTheFilter) {
  EXPECT_EQ(Find("tags.team = 'vision'"), (Strings{"bert:1", "resnet:1", "resnet:3"}));
  EXPECT_EQ(Find("tags.team = 'vision'", "resnet"), (Strings{"resnet:1", "resnet:3"}));
  EXPECT_EQ(Find("tags.team = 'vision'", "resnet", true),
            (Strings{"resnet:1", "resnet:3", "resnet:4"}));
  EXPECT_EQ(Find("metrics.top1 > 0.92", "", true), (Strings{"resnet:4"}));  // gpt:1 is gone
}

TEST_P(FilterSqlTest, InjectionLookingValuesAreDataNotSql) {
  EXPECT_EQ(Find("tags.team = 'x'' OR 1=1 --'"), (Strings{}));
  EXPECT_EQ(Find("name = 'resnet'' OR ''1''=''1'"), (Strings{}));
  EXPECT_EQ(Find("description = '''; DROP TABLE versions; --'"), (Strings{}));
  EXPECT_EQ(Find("tags.'team'' OR 1=1 --' = 'vision'"), (Strings{}));
  EXPECT_EQ(Find("name IN ('x'') OR (1=1')"), (Strings{}));
  // The same text stored as a value matches exactly itself.
  EXPECT_EQ(Find("tags.note = 'x'' OR 1=1 --'"), (Strings{"resnet:1"}));
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM versions"), 8);  // nothing was dropped

  auto tree = search::ParseFilter("tags.team = 'x'' OR 1=1 --' OR name IN ('a', 'b')");
  ASSERT_TRUE(tree.ok());
  auto sql = CompileVersionFilter(tree->get());
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(sql->sql.find("1=1"), std::string::npos) << sql->sql;
  EXPECT_EQ(sql->sql.find("x'"), std::string::npos) << sql->sql;
  ASSERT_EQ(sql->params.size(), 4u);  // key, value, 'a', 'b'
  EXPECT_EQ(std::get<std::string>(sql->params[0]), "team");
  EXPECT_EQ(std::get<std::string>(sql->params[1]), "x' OR 1=1 --");
}

MV_STORE_BACKENDS(FilterSqlTest);

}  // namespace
}  // namespace mv::storage
