#include "cli/output.h"

#include <gtest/gtest.h>

namespace mv::cli {
namespace {

using nlohmann::json;

TEST(FormatTableTest, AlignsColumnsAndTrimsTrailingSpace) {
  EXPECT_EQ(
      FormatTable(
          {{"MODEL", "VERSION", "STAGE"}, {"resnet18", "12", "production"}, {"bert", "3", ""}}),
      "MODEL     VERSION  STAGE\n"
      "resnet18  12       production\n"
      "bert      3\n");
  EXPECT_EQ(FormatTable({}), "");
  EXPECT_EQ(FormatTable({{"a"}, {"bb", "c"}}), "a\nbb  c\n");
}

TEST(JsonReadersTest, NeverThrowOnMissingOrMistypedFields) {
  json v = json::parse(R"({"name":"m","version":3,"size":1.5,"flag":true,"nil":null,
                           "list":[1,2],"obj":{"a":1}})");
  EXPECT_EQ(Text(v, "name"), "m");
  EXPECT_EQ(Text(v, "version"), "3");
  EXPECT_EQ(Text(v, "flag"), "true");
  EXPECT_EQ(Text(v, "nil"), "");
  EXPECT_EQ(Text(v, "missing"), "");
  EXPECT_EQ(Text(json::array(), "name"), "");
  EXPECT_EQ(Int(v, "version"), 3);
  EXPECT_EQ(Int(v, "size"), std::nullopt);
  EXPECT_EQ(Int(v, "name"), std::nullopt);
  EXPECT_EQ(Int(json(), "version"), std::nullopt);
  EXPECT_EQ(Array(v, "list").size(), 2u);
  EXPECT_TRUE(Array(v, "obj").empty());
  EXPECT_TRUE(Array(json("text"), "list").empty());
}

TEST(VersionLabelTest, ModelColonVersion) {
  EXPECT_EQ(VersionLabel(json{{"model", "resnet"}, {"version", 2}}), "resnet:2");
  EXPECT_EQ(VersionLabel(json{{"model", "resnet"}}), "resnet:?");
}

}  // namespace
}  // namespace mv::cli
