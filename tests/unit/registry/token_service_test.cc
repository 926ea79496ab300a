// TokenService on the real SQLite token store: secrets, scopes, globs, revocation, expiry,
// the lookup cache and the first start's admin token.
#include "registry/token_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/sqlite/sqlite_token_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"
#include "util/sha256.h"

namespace mv {
namespace {

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::SqliteTokenStore::Open(dir_.Join("db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    service_ = std::make_unique<TokenService>(*store_, clock_);
  }

  CreatedToken Make(const std::string& name, std::vector<Scope> scopes,
                    const std::string& models = "*") {
    NewToken spec;
    spec.name = name;
    spec.scopes = std::move(scopes);
    spec.models = models;
    auto made = service_->Create(spec, Actor{"tester", "r1"});
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? *made : CreatedToken{};
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<storage::SqliteTokenStore> store_;
  std::unique_ptr<TokenService> service_;
};

TEST_F(TokenServiceTest, SecretsAreRandomAndOnlyTheirHashIsStored) {
  CreatedToken a = Make("a", {Scope::kRead});
  CreatedToken b = Make("b", {Scope::kRead});
  EXPECT_EQ(a.secret.rfind("mvt_", 0), 0u);
  EXPECT_EQ(a.secret.size(), 4u + 43u);  // base64url of 32 bytes, unpadded
  EXPECT_NE(a.secret, b.secret);
  auto listed = service_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].sha256, util::Sha256Hex(a.secret));
  EXPECT_EQ((*listed)[0].created_by, "tester");
  auto who = service_->Authenticate(a.secret);
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->name, "a");
  EXPECT_EQ(service_->Authenticate(a.secret + "x").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->Authenticate("").status().code(), Code::kNotFound);
}

TEST_F(TokenServiceTest, BadSpecsAndTakenNamesAreRefused) {
  Make("ci", {Scope::kWrite});
  NewToken spec;
  spec.name = "ci";
  spec.scopes = {Scope::kRead};
  EXPECT_EQ(service_->Create(spec, {}).status().code(), Code::kAlreadyExists);
  spec.name = "../x";
  EXPECT_EQ(service_->Create(spec, {}).status().code(), Code::kInvalidArgument);
  spec.name = "noscope";
  spec.scopes.clear();
  EXPECT_EQ(service_->Create(spec, {}).status().code(), Code::kInvalidArgument);
  spec.scopes = {Scope::kRead};
  spec.expires_at_ms = clock_.NowMs() - 1;
  EXPECT_EQ(service_->Create(spec, {}).status().code(), Code::kInvalidArgument);
}

TEST_F(TokenServiceTest, RevocationIsSeenAtOnceDespiteTheCache) {
  CreatedToken t = Make("bot", {Scope::kPromote});
  ASSERT_TRUE(service_->Authenticate(t.secret).ok());  // now cached
  ASSERT_TRUE(service_->Revoke("bot", Actor{"admin", ""}).ok());
  auto after = service_->Authenticate(t.secret);
  EXPECT_EQ(after.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(after.status().message().find("revoked"), std::string::npos);
  EXPECT_EQ(service_->Revoke("bot", {}).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(service_->Revoke("ghost", {}).status().code(), Code::kNotFound);
}

TEST_F(TokenServiceTest, ExpiryIsCheckedOnEveryUseEvenWhenCached) {
  NewToken spec;
  spec.name = "short";
  spec.scopes = {Scope::kRead};
  spec.expires_at_ms = clock_.NowMs() + 1000;
  auto made = service_->Create(spec, {});
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(service_->Authenticate(made->secret).ok());
  clock_.Advance(1000);
  auto after = service_->Authenticate(made->secret);
  EXPECT_EQ(after.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(after.status().message().find("expired"), std::string::npos);
}

TEST_F(TokenServiceTest, ARevocationByAnotherProcessIsSeenAfterTheCacheLifetime) {
  CreatedToken t = Make("ci", {Scope::kWrite});
  ASSERT_TRUE(service_->Authenticate(t.secret).ok());
  auto other = storage::SqliteTokenStore::Open(dir_.Join("db"));  // the offline CLI
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->RevokeToken("ci", Actor{"offline", ""}, clock_.NowMs()).ok());
  EXPECT_TRUE(service_->Authenticate(t.secret).ok()) << "still cached";
  clock_.Advance(TokenCacheOptions{}.ttl_ms + 1);
  EXPECT_EQ(service_->Authenticate(t.secret).status().code(), Code::kFailedPrecondition);
}

TEST_F(TokenServiceTest, TheCacheStaysBounded) {
  TokenService small(*store_, clock_, TokenCacheOptions{2, 60000});
  std::vector<std::string> secrets;
  for (int i = 0; i < 5; ++i)
    secrets.push_back(Make("t" + std::to_string(i), {Scope::kRead}).secret);
  for (int round = 0; round < 2; ++round) {
    for (const std::string& s : secrets) EXPECT_TRUE(small.Authenticate(s).ok());
  }
}

TEST_F(TokenServiceTest, BootstrapMakesOneAdminTokenOnce) {
  auto first = service_->Bootstrap();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->token.name, "admin");
  EXPECT_TRUE((*first)->token.Grants(Scope::kAdmin));
  auto second = service_->Bootstrap();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST(ScopeTest, AdminImpliesAllAndEveryScopeImpliesRead) {
  Token t;
  t.scopes = {Scope::kWrite};
  EXPECT_TRUE(t.Grants(Scope::kRead));
  EXPECT_TRUE(t.Grants(Scope::kWrite));
  EXPECT_FALSE(t.Grants(Scope::kPromote));
  EXPECT_FALSE(t.Grants(Scope::kAdmin));
  t.scopes = {Scope::kAdmin};
  for (Scope s : {Scope::kRead, Scope::kWrite, Scope::kPromote, Scope::kAdmin}) {
    EXPECT_TRUE(t.Grants(s));
  }
  t.scopes.clear();
  EXPECT_FALSE(t.Grants(Scope::kRead));
  EXPECT_EQ(ParseScope("promote").value(), Scope::kPromote);
  EXPECT_FALSE(ParseScope("root").ok());
}

TEST(GlobMatchTest, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("team-a-*", "team-a-resnet"));
  EXPECT_FALSE(GlobMatch("team-a-*", "team-b-resnet"));
  EXPECT_TRUE(GlobMatch("resnet??", "resnet18"));
  EXPECT_FALSE(GlobMatch("resnet??", "resnet152"));
  EXPECT_TRUE(GlobMatch("*net*", "resnet18"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exactly"));
}

}  // namespace
}  // namespace mv
