// Models over HTTP: create, read, list with pages, update.
#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class ModelsTest : public ServerTest {};

TEST_F(ModelsTest, CreateAnswers201WithLocationAndTheModel) {
  json body = {{"name", "resnet18"},
               {"description", "an image classifier"},
               {"tags", {{"team", "vision"}, {"task", "classification"}}}};
  auto r = cli().Post("/api/v1/models", body.dump(), "application/json");
  ASSERT_TRUE(HasStatus(r, 201));
  EXPECT_EQ(r->get_header_value("Location"), "/api/v1/models/resnet18");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json m = BodyJson(r);
  EXPECT_EQ(m["name"], "resnet18");
  EXPECT_EQ(m["description"], "an image classifier");
  EXPECT_EQ(m["tags"], json({{"team", "vision"}, {"task", "classification"}}));
  EXPECT_EQ(m["owner"], "admin");  // the name of the token that made it
  EXPECT_TRUE(m["latest_version"].is_null());
  EXPECT_EQ(m["version_count"], 0);
  EXPECT_TRUE(m["created_at"].is_string());
  EXPECT_EQ(m["created_at"], m["updated_at"]);

  auto got = cli().Get("/api/v1/models/resnet18");
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got), m);
}

TEST_F(ModelsTest, DuplicateNameIs409AndKeepsTheFirst) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "dup"), 201));
  json second = {{"name", "dup"}, {"description", "second"}};
  EXPECT_TRUE(IsJsonError(cli().Post("/api/v1/models", second.dump(), "application/json"), 409,
                          "already_exists"));
  auto got = cli().Get("/api/v1/models/dup");
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got)["description"], "model dup");
}

TEST_F(ModelsTest, InvalidNamesAre400) {
  for (std::string name :
       std::vector<std::string>{"", "-leading-dash", ".hidden", "has space", "slash/inside",
                                "percent%", std::string(129, 'a')}) {
    json body = {{"name", name}};
    EXPECT_TRUE(IsJsonError(cli().Post("/api/v1/models", body.dump(), "application/json"), 400,
                            "invalid_argument"))
        << "name '" << name << "'";
  }
  json max_len = {{"name", std::string(128, 'a')}};
  EXPECT_TRUE(HasStatus(cli().Post("/api/v1/models", max_len.dump(), "application/json"), 201));
  auto list = cli().Get("/api/v1/models");
  ASSERT_TRUE(HasStatus(list, 200));
  EXPECT_EQ(BodyJson(list)["models"].size(), 1u);
}

TEST_F(ModelsTest, MalformedBodiesAre400) {
  for (std::string body :
       std::vector<std::string>{"{not json", "[1,2]", "\"resnet\"", "42", "{}", R"({"name":7})",
                                R"({"name":"ok","tags":["a"]})", R"({"name":"ok","tags":{"k":1}})",
                                R"({"name":"ok","description":false})"}) {
    EXPECT_TRUE(IsJsonError(cli().Post("/api/v1/models", body, "application/json"), 400,
                            "invalid_argument"))
        << body;
  }
  auto list = cli().Get("/api/v1/models");
  ASSERT_TRUE(HasStatus(list, 200));
  EXPECT_EQ(BodyJson(list)["models"], json::array());
}

TEST_F(ModelsTest, GetUnknownIs404AndBadNameIs400) {
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/models/nope"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/models/-bad"), 400, "invalid_argument"));
}

TEST_F(ModelsTest, ListPagesThroughAllModelsInNameOrder) {
  // Created out of order: the listing is by name, whatever the insertion order.
  for (const char* name : {"m-c", "m-a", "m-e", "m-b", "m-d"}) {
    ASSERT_TRUE(HasStatus(CreateModel(cli(), name), 201));
  }
  std::vector<std::vector<std::string>> pages;
  std::string token;
  std::vector<std::string> first_tokens;
  for (int i = 0; i < 10; ++i) {  // bounded: at most 10 pages
    httplib::Params params{{"limit", "2"}};
    if (!token.empty()) params.emplace("page_token", token);
    auto r = cli().Get("/api/v1/models", params, httplib::Headers{});
    ASSERT_TRUE(HasStatus(r, 200));
    json j = BodyJson(r);
    ASSERT_TRUE(j["models"].is_array()) << r->body;
    std::vector<std::string> names;
    for (const auto& m : j["models"]) names.push_back(m["name"]);
    pages.push_back(names);
    if (j["next_page_token"].is_null()) break;
    ASSERT_TRUE(j["next_page_token"].is_string()) << r->body;
    token = j["next_page_token"];
    ASSERT_FALSE(token.empty());
    first_tokens.push_back(token);
  }
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0], (std::vector<std::string>{"m-a", "m-b"}));
  EXPECT_EQ(pages[1], (std::vector<std::string>{"m-c", "m-d"}));
  EXPECT_EQ(pages[2], (std::vector<std::string>{"m-e"}));

  // Stable: the same token gives the same page again.
  auto again = cli().Get("/api/v1/models", {{"limit", "2"}, {"page_token", first_tokens[0]}},
                         httplib::Headers{});
  ASSERT_TRUE(HasStatus(again, 200));
  json j = BodyJson(again);
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][0]["name"], "m-c");
  EXPECT_EQ(j["models"][1]["name"], "m-d");

  // Without a limit, everything fits in the default page.
  auto all = cli().Get("/api/v1/models");
  ASSERT_TRUE(HasStatus(all, 200));
  EXPECT_EQ(BodyJson(all)["models"].size(), 5u);
  EXPECT_TRUE(BodyJson(all)["next_page_token"].is_null());
}

TEST_F(ModelsTest, ExactlyFullPageEndsWithNullToken) {
  for (const char* name : {"a1", "a2"}) ASSERT_TRUE(HasStatus(CreateModel(cli(), name), 201));
  auto r = cli().Get("/api/v1/models?limit=2");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["models"].size(), 2u);
  EXPECT_TRUE(BodyJson(r)["next_page_token"].is_null()) << r->body;
}

TEST_F(ModelsTest, BadListParametersAre400) {
  for (const char* q : {"limit=abc", "limit=-1", "limit=1001", "limit=", "limit=2x",
                        "page_token=%21%21%21", "filter=name%3Dx"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(std::string("/api/v1/models?") + q), 400, "invalid_argument"))
        << q;
  }
  EXPECT_TRUE(HasStatus(cli().Get("/api/v1/models?limit=1000"), 200));
}

TEST_F(ModelsTest, PatchUpdatesDescriptionAndReplacesTags) {
  json create = {{"name", "p"}, {"description", "old"}, {"tags", {{"a", "1"}, {"b", "2"}}}};
  ASSERT_TRUE(HasStatus(cli().Post("/api/v1/models", create.dump(), "application/json"), 201));

  auto r = cli().Patch("/api/v1/models/p", R"({"description":"new"})", "application/json");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["description"], "new");
  EXPECT_EQ(BodyJson(r)["tags"], json({{"a", "1"}, {"b", "2"}}));

  r = cli().Patch("/api/v1/models/p", R"({"tags":{"c":"3"}})", "application/json");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["description"], "new");
  EXPECT_EQ(BodyJson(r)["tags"], json({{"c", "3"}}));

  auto got = cli().Get("/api/v1/models/p");
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got)["description"], "new");
  EXPECT_EQ(BodyJson(got)["tags"], json({{"c", "3"}}));
}

TEST_F(ModelsTest, PatchRejectsUnknownFieldsAndBadValuesWithoutChanges) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "q"), 201));
  for (std::string body : std::vector<std::string>{
           R"({"name":"renamed"})", R"({"owner":"mallory"})", R"({"description":"x","bogus":1})",
           R"({"description":3})", R"({"tags":"x"})", "[]", "{oops"}) {
    EXPECT_TRUE(IsJsonError(cli().Patch("/api/v1/models/q", body, "application/json"), 400,
                            "invalid_argument"))
        << body;
  }
  auto got = cli().Get("/api/v1/models/q");
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got)["name"], "q");
  EXPECT_EQ(BodyJson(got)["description"], "model q");
  EXPECT_EQ(BodyJson(got)["owner"], "admin");
  EXPECT_TRUE(IsJsonError(cli().Get("/api/v1/models/renamed"), 404, "not_found"));
}

TEST_F(ModelsTest, PatchUnknownModelIs404) {
  EXPECT_TRUE(
      IsJsonError(cli().Patch("/api/v1/models/ghost", R"({"description":"x"})", "application/json"),
                  404, "not_found"));
}

}  // namespace
}  // namespace mv::itest
