#include "api/json_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace mv::api {
namespace {

using nlohmann::json;

TEST(JsonCodecTest, ModelJson) {
  Model m;
  m.name = "resnet";
  m.description = "d";
  m.tags = {{"k", "v"}};
  m.owner = "alice";
  m.created_at_ms = 0;
  m.updated_at_ms = 1'700'000'000'123;
  json j = ModelJson(m);
  EXPECT_EQ(j["name"], "resnet");
  EXPECT_EQ(j["tags"], (json{{"k", "v"}}));
  EXPECT_EQ(j["created_at"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(j["updated_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_TRUE(j["latest_version"].is_null());  // no sealed version yet
  EXPECT_EQ(j["version_count"], 0);
  m.latest_version = 3;
  m.version_count = 2;
  j = ModelJson(m);
  EXPECT_EQ(j["latest_version"], 3);
  EXPECT_EQ(j["version_count"], 2);
}

TEST(JsonCodecTest, VersionJson) {
  Version v;
  v.model = "m";
  v.number = 2;
  v.state = VersionState::kDraft;
  v.meta_json = R"({"lr":0.5})";
  Artifact a;
  a.name = "w.onnx";
  a.sha256 = std::string(64, 'a');
  a.size = 10;
  a.kind = "onnx";
  v.artifacts.push_back(a);
  json j = VersionJson(v);
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["state"], "draft");
  EXPECT_EQ(j["meta"]["lr"], 0.5);
  EXPECT_TRUE(j["sealed_at"].is_null());
  ASSERT_EQ(j["artifacts"].size(), 1u);
  EXPECT_EQ(j["artifacts"][0]["url"], "/api/v1/models/m/versions/2/artifacts/w.onnx");
  EXPECT_EQ(j["artifacts"][0]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["artifacts"][0]["size"], 10);

  v.state = VersionState::kSealed;
  v.sealed_at_ms = 1000;
  v.meta_json = "not json";
  j = VersionJson(v);
  EXPECT_EQ(j["state"], "sealed");
  EXPECT_EQ(j["sealed_at"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(j["meta"], json::object());  // unreadable meta degrades to {}
}

TEST(JsonCodecTest, LineageNodeTextIsTheTreesDump) {
  LineageNode n;
  n.model = "resnet-18_v2.1";
  n.version = 1234567;
  n.stage = Stage::kProduction;
  n.depth = 3;
  for (bool deleted : {false, true}) {
    n.deleted = deleted;
    std::string text;
    AppendLineageNodeJson(text, n);
    EXPECT_EQ(text, LineageNodeJson(n).dump());
  }
  n.model = "m";
  n.stage = Stage::kNone;
  n.depth = 0;
  std::string two;
  AppendLineageNodeJson(two, n);
  two += ',';
  AppendLineageNodeJson(two, n);
  EXPECT_EQ(two, LineageNodeJson(n).dump() + "," + LineageNodeJson(n).dump());
}

TEST(JsonCodecTest, ParseTags) {
  auto none = ParseTags(json());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto tags = ParseTags(json{{"a", "1"}, {"b", ""}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (Tags{{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(ParseTags(json{{"a", 1}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTags(json{{"a", nullptr}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTags(json::array({"a"})).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTags(json("a=1")).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv::api
