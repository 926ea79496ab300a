#include "api/mlflow_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "registry/search/filter.h"

namespace mv::api::mlflow {
namespace {

using nlohmann::json;

// Every translation must also parse in the filter language.
std::string Translate(const std::string& filter, bool versions) {
  std::string out = TranslateFilter(filter, versions);
  EXPECT_TRUE(search::ParseFilter(out).ok()) << filter << " -> " << out;
  return out;
}

TEST(MlflowFilterTest, ModelFiltersPassThrough) {
  EXPECT_EQ(Translate("name = 'x'", false), "name = 'x'");
  EXPECT_EQ(Translate("name LIKE 'x%'", false), "name LIKE 'x%'");
  EXPECT_EQ(Translate("name ILIKE 'X%'", false), "name LIKE 'X%'");
  EXPECT_EQ(Translate("", false), "");
}

TEST(MlflowFilterTest, TagKeysAndNegation) {
  EXPECT_EQ(Translate("tags.k = 'v'", false), "tags.k = 'v'");
  EXPECT_EQ(Translate("tag.`a.b` = 'v'", false), "tags.'a.b' = 'v'");
  // What MLflow 3's client appends to every model search: no tag must match too.
  EXPECT_EQ(Translate("name = 'x' AND tag.`mlflow.prompt.is_prompt` != 'true'", false),
            "name = 'x' AND NOT tags.'mlflow.prompt.is_prompt' = 'true'");
  EXPECT_EQ(Translate("tags.k <> 'v'", true), "NOT tags.k = 'v'");
}

TEST(MlflowFilterTest, VersionFields) {
  EXPECT_EQ(Translate("name='m'", true), "model='m'");
  EXPECT_EQ(Translate("run_id = 'r1'", true), "params.'mlflow.run_id' = 'r1'");
  EXPECT_EQ(Translate("version_number > 3", true), "version > 3");
}

TEST(MlflowFilterTest, StringsAreNotRewritten) {
  EXPECT_EQ(Translate("name = 'run_id' AND description = \"tag.x != y\"", true),
            "model = 'run_id' AND description = \"tag.x != y\"");
  EXPECT_EQ(Translate("name = 'it''s run_id'", true), "model = 'it''s run_id'");
}

TEST(MlflowStageTest, BothWays) {
  EXPECT_EQ(*StageFromMlflow("Production"), "production");
  EXPECT_EQ(*StageFromMlflow("none"), "none");
  EXPECT_EQ(StageFromMlflow("Bogus").status().code(), Code::kInvalidArgument);
  EXPECT_STREQ(StageToMlflow(Stage::kArchived), "Archived");
}

TEST(MlflowTagsTest, ListShape) {
  auto tags = TagsFromList(json::parse(R"([{"key":"a","value":"1"},{"key":"b"}])"));
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (Tags{{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(TagsToList(*tags), json::parse(R"([{"key":"a","value":"1"},{"key":"b","value":""}])"));
  EXPECT_FALSE(TagsFromList(json::parse(R"({"a":"1"})")).ok());
  EXPECT_FALSE(TagsFromList(json::parse(R"([{"value":"1"}])")).ok());
}

TEST(MlflowVersionJsonTest, OverlayWinsOverMeta) {
  Version v;
  v.model = "m";
  v.number = 3;
  v.state = VersionState::kSealed;
  v.description = "old";
  v.meta_json = R"({"tags":{"t":"1"},"mlflow":{"source":"s3://b/m","run_id":"r"}})";
  v.aliases = {"champion"};
  v.reports = std::vector<VersionReport>{
      {kOverlayReport, "recorded", R"({"description":"new","tags":{"u":"2"}})", 0}};
  json j = ModelVersionJson(v);
  EXPECT_EQ(j["version"], "3");
  EXPECT_EQ(j["description"], "new");
  EXPECT_EQ(j["tags"], json::parse(R"([{"key":"u","value":"2"}])"));
  EXPECT_EQ(j["source"], "s3://b/m");
  EXPECT_EQ(j["run_id"], "r");
  EXPECT_EQ(j["status"], "READY");
  EXPECT_EQ(j["current_stage"], "None");
  EXPECT_EQ(j["aliases"], json::array({"champion"}));
}

TEST(MlflowVersionJsonTest, EmptyFieldsAreLeftOutAsMlflowDoes) {
  Version v;
  v.model = "m";
  v.number = 1;
  v.state = VersionState::kSealed;
  v.meta_json = "{}";
  json j = ModelVersionJson(v);
  for (const char* key : {"user_id", "description", "run_id", "run_link", "tags", "aliases"}) {
    EXPECT_FALSE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["source"], "models:/m/1");
  EXPECT_EQ(j["current_stage"], "None");
  Model m;
  m.name = "m";
  json rm = RegisteredModelJson(m, {}, {});
  EXPECT_EQ(rm, json({{"name", "m"}, {"creation_timestamp", 0}, {"last_updated_timestamp", 0}}));
}

TEST(MlflowErrorBodyTest, Shape) {
  json j = json::parse(MlflowErrorBody(NotFound("no such model")));
  EXPECT_EQ(j, json::parse(R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no such model"})"));
  EXPECT_EQ(json::parse(MlflowErrorBody(AlreadyExists("x")))["error_code"], "RESOURCE_ALREADY_EXISTS");
  EXPECT_EQ(json::parse(MlflowErrorBody(InvalidArgument("x")))["error_code"],
            "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(json::parse(MlflowErrorBody(Internal("secret")))["message"],
            "internal error; see the server log");
}

TEST(MlflowCodecTest, IntArgTakesIntegersAndDigitStringsOnly) {
  using nlohmann::json;
  EXPECT_EQ(*IntArg(json{{"max_results", 5}}, "max_results", 100), 5);
  EXPECT_EQ(*IntArg(json{{"max_results", "25"}}, "max_results", 100), 25);
  EXPECT_EQ(*IntArg(json::object(), "max_results", 100), 100);
  EXPECT_EQ(IntArg(json::object(), "version", std::nullopt).status().code(),
            Code::kInvalidArgument);
  for (const json& bad : {json(1.5), json("x"), json(true), json::array()}) {
    EXPECT_EQ(IntArg(json{{"max_results", bad}}, "max_results", 100).status().code(),
              Code::kInvalidArgument)
        << bad.dump();
  }
}

}  // namespace
}  // namespace mv::api::mlflow
