// Authentication and authorisation against the real in-process server (tests/integration's
// fixture: SQLite, blobs, every route, auth on as `modelvault serve` runs it).
#include <gtest/gtest.h>

#include <string>

#include "storage/sqlite/sqlite_token_store.h"
#include "tests/integration/server_fixture.h"
#include "util/sha256.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class AuthTest : public ServerTest {
 protected:
  // A token made through the API by the admin; returns its secret.
  std::string MakeToken(const std::string& name, const json& scopes,
                        const std::string& models = "*") {
    json body = {{"name", name}, {"scopes", scopes}, {"models", models}};
    auto r = cli().Post("/api/v1/tokens", body.dump(), "application/json");
    EXPECT_TRUE(HasStatus(r, 201));
    return r ? BodyJson(r).value("token", "") : "";
  }
  std::unique_ptr<httplib::Client> As(const std::string& token) {
    return server_->NewClientWithToken(token);
  }
  // Model m with sealed versions 1 and 2, made by the admin.
  void Seed(const std::string& model = "m") {
    ASSERT_TRUE(HasStatus(CreateModel(cli(), model), 201));
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(HasStatus(
          UploadVersion(cli(), model, "", {{"a.bin", "bytes" + std::to_string(i)}}), 201));
    }
  }
  httplib::Result Stage(httplib::Client& c, const std::string& model, int v, const json& body) {
    return c.Post(VersionPath(model, v) + "/stage", body.dump(), "application/json");
  }
};

::testing::AssertionResult Is401(const httplib::Result& r) {
  auto e = IsJsonError(r, 401, "unauthenticated");
  if (!e) return e;
  if (r->get_header_value("WWW-Authenticate").rfind("Bearer", 0) != 0) {
    return ::testing::AssertionFailure() << "no WWW-Authenticate: Bearer";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(AuthTest, EveryMutationDeclaresAtLeastWrite) {
  int mutations = 0;
  for (const auto& r : server_->router().Routes()) {
    if (r.method == "GET") continue;
    // Inference reads a version and changes nothing: a read token may call it.
    const bool inference =
        r.pattern.size() > 6 && (r.pattern.ends_with("/infer") || r.pattern.ends_with("/predict"));
    if (inference) {
      EXPECT_EQ(r.access, api::Access::kRead) << r.method << " " << r.pattern;
      continue;
    }
    ++mutations;
    EXPECT_TRUE(r.access == api::Access::kWrite || r.access == api::Access::kWriteOrPromote ||
                r.access == api::Access::kPromote || r.access == api::Access::kAdmin)
        << r.method << " " << r.pattern << " declares less than write";
  }
  EXPECT_GE(mutations, 12);
  for (const auto& r : server_->router().Routes()) {
    const bool probe =
        r.pattern == "/healthz" || r.pattern == "/readyz" || r.pattern.rfind("/v2/health/", 0) == 0;
    EXPECT_EQ(r.access == api::Access::kPublic, probe) << r.pattern;
  }
}

TEST_F(AuthTest, AnonymousAndBadTokensGet401WithWwwAuthenticate) {
  auto anon = As("");
  EXPECT_TRUE(Is401(CreateModel(*anon, "x")));
  EXPECT_TRUE(Is401(anon->Get("/api/v1/models")));
  EXPECT_TRUE(Is401(As("mvt_not-a-token")->Get("/api/v1/models")));
  httplib::Headers basic = {{"Authorization", "Basic YWRtaW46YWRtaW4="}};
  EXPECT_TRUE(Is401(anon->Get("/api/v1/models", basic)));
  for (const char* probe : {"/healthz", "/readyz", "/v2/health/live", "/v2/health/ready"}) {
    EXPECT_TRUE(HasStatus(anon->Get(probe), 200)) << probe;
  }
  // Nothing was made.
  EXPECT_TRUE(IsJsonError(cli().Get(ModelPath("x")), 404, "not_found"));
}

TEST_F(AuthTest, AReadTokenReadsButCannotWrite) {
  Seed();
  auto reader = As(MakeToken("reader", {"read"}));
  EXPECT_TRUE(HasStatus(reader->Get(VersionPath("m", 1)), 200));
  EXPECT_TRUE(HasStatus(reader->Get(ArtifactPath("m", 1, "a.bin")), 200));
  EXPECT_TRUE(IsJsonError(CreateModel(*reader, "r"), 403, "permission_denied"));
  EXPECT_TRUE(
      IsJsonError(UploadVersion(*reader, "m", "", {{"b.bin", "x"}}), 403, "permission_denied"));
  EXPECT_TRUE(
      IsJsonError(reader->Patch(ModelPath("m"), R"({"description":"x"})", "application/json"), 403,
                  "permission_denied"));
  EXPECT_TRUE(IsJsonError(
      reader->Post("/api/v1/tokens", R"({"name":"y","scopes":["admin"]})", "application/json"), 403,
      "permission_denied"));
  EXPECT_TRUE(IsJsonError(reader->Get("/api/v1/audit/verify"), 403, "permission_denied"));
}

TEST_F(AuthTest, ATokenLimitedToOtherModelsGets403) {
  Seed("team-a-net");
  Seed("team-b-net");
  auto a = As(MakeToken("team-a", {"read", "write"}, "team-a-*"));
  EXPECT_TRUE(HasStatus(a->Get(VersionPath("team-a-net", 1)), 200));
  EXPECT_TRUE(HasStatus(UploadVersion(*a, "team-a-net", "", {{"c.bin", "c"}}), 201));
  EXPECT_TRUE(HasStatus(CreateModel(*a, "team-a-new"), 201));
  EXPECT_TRUE(IsJsonError(a->Get(VersionPath("team-b-net", 1)), 403, "permission_denied"));
  EXPECT_TRUE(
      IsJsonError(UploadVersion(*a, "team-b-net", "", {{"c.bin", "c"}}), 403, "permission_denied"));
  EXPECT_TRUE(IsJsonError(CreateModel(*a, "team-b-new"), 403, "permission_denied"));
  // OIP names the model with an optional @ref.
  EXPECT_TRUE(IsJsonError(a->Get("/v2/models/team-b-net@latest"), 403, "permission_denied"));
  // Routes that span all models are refused rather than filtered.
  for (const char* all :
       {"/api/v1/models", "/api/v1/versions", "/api/v1/audit", "/api/v1/lineage?run=r"}) {
    EXPECT_TRUE(IsJsonError(a->Get(all), 403, "permission_denied")) << all;
  }
}

TEST_F(AuthTest, PromotionNeedsThePromoteScope) {
  Seed();
  auto writer = As(MakeToken("writer", {"write"}));
  auto bot = As(MakeToken("release-bot", {"read", "promote"}));
  EXPECT_TRUE(
      IsJsonError(Stage(*writer, "m", 1, {{"stage", "staging"}}), 403, "permission_denied"));
  EXPECT_TRUE(HasStatus(Stage(*bot, "m", 1, {{"stage", "production"}}), 200));
  // Aliases: write may name a version outside production; one on production needs promote.
  const std::string alias = ModelPath("m") + "/aliases/";
  EXPECT_TRUE(
      HasStatus(writer->Put(alias + "candidate", R"({"version":2})", "application/json"), 200));
  EXPECT_TRUE(IsJsonError(writer->Put(alias + "champion", R"({"version":1})", "application/json"),
                          403, "permission_denied"));
  EXPECT_TRUE(HasStatus(bot->Put(alias + "champion", R"({"version":1})", "application/json"), 200));
  // Moving an alias off production is as much a production change as moving it on.
  EXPECT_TRUE(IsJsonError(writer->Put(alias + "champion", R"({"version":2})", "application/json"),
                          403, "permission_denied"));
  EXPECT_TRUE(IsJsonError(writer->Delete(alias + "champion"), 403, "permission_denied"));
  EXPECT_TRUE(HasStatus(writer->Delete(alias + "candidate"), 204));
  EXPECT_TRUE(HasStatus(cli().Get(alias + "champion"), 200)) << "the refused delete kept it";
}

TEST_F(AuthTest, ForceAndDeleteNeedAdmin) {
  Seed();
  auto bot = As(MakeToken("release-bot", {"promote", "write"}));
  EXPECT_TRUE(IsJsonError(Stage(*bot, "m", 1, {{"stage", "production"}, {"force", true}}), 403,
                          "permission_denied"));
  EXPECT_TRUE(IsJsonError(bot->Delete(VersionPath("m", 2)), 403, "permission_denied"));
  EXPECT_TRUE(HasStatus(cli().Get(VersionPath("m", 2)), 200)) << "the refused delete kept it";
  EXPECT_TRUE(HasStatus(Stage(cli(), "m", 1, {{"stage", "production"}, {"force", true}}), 200));
  EXPECT_TRUE(HasStatus(cli().Delete(VersionPath("m", 2)), 200));
}

TEST_F(AuthTest, RevokedAndExpiredTokensGet401) {
  const std::string secret = MakeToken("ci", {"read"});
  auto ci = As(secret);
  ASSERT_TRUE(HasStatus(ci->Get("/api/v1/models"), 200));
  ASSERT_TRUE(HasStatus(cli().Delete("/api/v1/tokens/ci"), 200));
  EXPECT_TRUE(Is401(ci->Get("/api/v1/models")));  // at once, though it was cached

  // An expired token, written as if made earlier (the API refuses past expiries).
  auto store = storage::SqliteTokenStore::Open(data_dir_ + "/modelvault.db");
  ASSERT_TRUE(store.ok());
  Token old;
  old.name = "old";
  old.sha256 = util::Sha256Hex("mvt_expired-secret");
  old.scopes = {Scope::kAdmin};
  old.created_at_ms = 1;
  old.expires_at_ms = 2;
  ASSERT_TRUE((*store)->CreateToken(old, Actor{"test", ""}, true).ok());
  auto r = As("mvt_expired-secret")->Get("/api/v1/models");
  EXPECT_TRUE(Is401(r));
  EXPECT_NE(BodyJson(r)["error"]["message"].get<std::string>().find("expired"), std::string::npos);
  EXPECT_TRUE(IsJsonError(
      cli().Post("/api/v1/tokens",
                 R"({"name":"past","scopes":["read"],"expires_at":"2001-01-01T00:00:00Z"})",
                 "application/json"),
      400, "invalid_argument"));
}

TEST_F(AuthTest, TokenEndpointsShowTheSecretOnce) {
  auto made = cli().Post(
      "/api/v1/tokens",
      R"({"name":"ci","scopes":["read","write"],"models":"team-*","expires_at":"2099-01-01T00:00:00Z"})",
      "application/json");
  ASSERT_TRUE(HasStatus(made, 201));
  json t = BodyJson(made);
  EXPECT_EQ(t["name"], "ci");
  EXPECT_EQ(t["scopes"], json({"read", "write"}));
  EXPECT_EQ(t["models"], "team-*");
  EXPECT_EQ(t["expires_at"], "2099-01-01T00:00:00.000Z");
  const std::string secret = t["token"];
  auto list = cli().Get("/api/v1/tokens");
  ASSERT_TRUE(HasStatus(list, 200));
  EXPECT_EQ(list->body.find(secret), std::string::npos);
  EXPECT_EQ(list->body.find(util::Sha256Hex(secret)), std::string::npos);
  json names = json::array();
  const json listed = BodyJson(list);
  for (const json& x : listed["tokens"]) {
    EXPECT_FALSE(x.contains("token"));
    names.push_back(x["name"]);
  }
  EXPECT_EQ(names, json({"admin", "ci"}));
  EXPECT_TRUE(IsJsonError(
      cli().Post("/api/v1/tokens", R"({"name":"ci","scopes":["read"]})", "application/json"), 409,
      "already_exists"));
  EXPECT_TRUE(IsJsonError(
      cli().Post("/api/v1/tokens", R"({"name":"x","scopes":["root"]})", "application/json"), 400,
      "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Delete("/api/v1/tokens/ghost"), 404, "not_found"));
}

TEST_F(AuthTest, TheAuditActorIsTheTokenName) {
  auto ci = As(MakeToken("ci-pipeline", {"write", "promote"}));
  ASSERT_TRUE(HasStatus(CreateModel(*ci, "m"), 201));
  ASSERT_TRUE(HasStatus(UploadVersion(*ci, "m", "", {{"a.bin", "a"}}), 201));
  ASSERT_TRUE(HasStatus(Stage(*ci, "m", 1, {{"stage", "staging"}}), 200));
  auto r = cli().Get("/api/v1/audit?model=m");
  ASSERT_TRUE(HasStatus(r, 200));
  json events = BodyJson(r)["events"];
  ASSERT_EQ(events.size(), 3u);
  for (const json& e : events) EXPECT_EQ(e["actor"], "ci-pipeline") << e.dump();
  EXPECT_EQ(BodyJson(cli().Get(ModelPath("m")))["owner"], "ci-pipeline");
  auto tokens = BodyJson(cli().Get("/api/v1/audit?action=token"))["events"];
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0]["actor"], "admin");
  EXPECT_EQ(tokens[0]["to"], "ci-pipeline");
}

class AnonymousReadTest : public AuthTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.anonymous_read = true;
    return c;
  }
};

TEST_F(AnonymousReadTest, GetsNeedNoTokenWritesStillDo) {
  Seed();
  auto anon = As("");
  EXPECT_TRUE(HasStatus(anon->Get(VersionPath("m", 1)), 200));
  EXPECT_TRUE(HasStatus(anon->Head(ArtifactPath("m", 1, "a.bin")), 200));
  EXPECT_TRUE(Is401(CreateModel(*anon, "x")));
  EXPECT_TRUE(Is401(anon->Post("/v2/models/m/infer", "{}", "application/json")));
  EXPECT_TRUE(Is401(anon->Get("/api/v1/tokens")));
  // A token that is sent is still checked.
  EXPECT_TRUE(Is401(As("mvt_wrong")->Get(VersionPath("m", 1))));
}

class AuthOffTest : public AuthTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.auth = false;
    return c;
  }
};

TEST_F(AuthOffTest, EverythingIsOpenAndTheActorIsAnonymous) {
  EXPECT_TRUE(server_->admin_token().empty());
  auto anon = As("");
  ASSERT_TRUE(HasStatus(CreateModel(*anon, "m"), 201));
  EXPECT_EQ(BodyJson(anon->Get(ModelPath("m")))["owner"], "anonymous");
}

}  // namespace
}  // namespace mv::itest
