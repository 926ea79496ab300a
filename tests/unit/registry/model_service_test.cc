#include "registry/model_service.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "util/encoding.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace mv {
namespace {

const Actor kWho{"alice", "req-1"};

class ModelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto store = storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    service_ = std::make_unique<ModelService>(*store_, clock_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    dir_.reset();
  }

  Model MustCreate(const std::string& name, Tags tags = {}) {
    auto m = service_->Create(NewModel{name, "desc of " + name, std::move(tags), "alice"}, kWho);
    EXPECT_TRUE(m.ok()) << name << ": " << m.status().ToString();
    return m.ok() ? *m : Model{};
  }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::SqliteMetadataStore> store_;
  std::unique_ptr<ModelService> service_;
};

TEST_F(ModelServiceTest, CreateStampsTheClockAndStoresEverything) {
  Model m = MustCreate("resnet18", {{"task", "vision"}, {"team", "ml"}});
  EXPECT_EQ(m.name, "resnet18");
  EXPECT_EQ(m.description, "desc of resnet18");
  EXPECT_EQ(m.owner, "alice");
  EXPECT_EQ(m.created_at_ms, 1'700'000'000'000);
  EXPECT_EQ(m.updated_at_ms, 1'700'000'000'000);
  EXPECT_EQ(m.latest_version, 0);
  EXPECT_EQ(m.version_count, 0);
  EXPECT_EQ(m.tags, (Tags{{"task", "vision"}, {"team", "ml"}}));

  auto got = service_->Get("resnet18");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, m.tags);
  EXPECT_EQ(got->created_at_ms, m.created_at_ms);
}

TEST_F(ModelServiceTest, CreateRejectsBadInputBeforeTheStore) {
  EXPECT_EQ(service_->Create(NewModel{"../etc", "", {}, ""}, kWho).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->Create(NewModel{"", "", {}, ""}, kWho).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      service_->Create(NewModel{"m", std::string(kMaxDescriptionBytes + 1, 'd'), {}, ""}, kWho)
          .status()
          .code(),
      Code::kInvalidArgument);
  EXPECT_EQ(service_->Create(NewModel{"m", "", {{"bad key", "v"}}, ""}, kWho).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      service_
          ->Create(NewModel{"m", "", {{"k", std::string(kMaxTagValueBytes + 1, 'v')}}, ""}, kWho)
          .status()
          .code(),
      Code::kInvalidArgument);
  auto list = store_->ListModels("", 10, nullptr);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty()) << "a rejected model was stored";
}

TEST_F(ModelServiceTest, LimitsAreInclusive) {
  Tags tags;
  for (size_t i = 0; i < kMaxTags; ++i) tags["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(
      service_
          ->Create(NewModel{"at-limits", std::string(kMaxDescriptionBytes, 'd'), tags, ""}, kWho)
          .ok());
  tags["one-more"] = "v";
  EXPECT_EQ(service_->Create(NewModel{"too-many-tags", "", tags, ""}, kWho).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(
      service_
          ->Create(NewModel{"long-value", "", {{"k", std::string(kMaxTagValueBytes, 'v')}}, ""},
                   kWho)
          .ok());
}

TEST_F(ModelServiceTest, DuplicateNameIsAlreadyExists) {
  MustCreate("dup");
  auto again = service_->Create(NewModel{"dup", "other", {}, "bob"}, kWho);
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  auto got = service_->Get("dup");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner, "alice");  // the first one is untouched
}

TEST_F(ModelServiceTest, GetDistinguishesBadNamesFromMissingOnes) {
  EXPECT_EQ(service_->Get("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->Get("no/pe").status().code(), Code::kInvalidArgument);
}

TEST_F(ModelServiceTest, ListPagesThroughAllModelsInNameOrder) {
  for (const char* n : {"delta", "alpha", "echo", "charlie", "bravo"}) MustCreate(n);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = service_->List(token, 2, "");
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->items.size(), 2u);
    for (const auto& m : page->items) seen.push_back(m.name);
    token = page->next_token;
    ASSERT_LT(++pages, 10) << "pagination does not terminate";
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
}

TEST_F(ModelServiceTest, ListWithExactMultipleHasNoEmptyTrailingPage) {
  for (const char* n : {"a", "b", "c", "d"}) MustCreate(n);
  auto p1 = service_->List("", 2, "");
  ASSERT_TRUE(p1.ok());
  ASSERT_FALSE(p1->next_token.empty());
  auto p2 = service_->List(p1->next_token, 2, "");
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ(p2->items[0].name, "c");
  EXPECT_TRUE(p2->next_token.empty());
}

TEST_F(ModelServiceTest, ListRejectsBadTokensAndLimits) {
  MustCreate("a");
  EXPECT_EQ(service_->List("!!!not-base64!!!", 10, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->List("abc", 10, "").status().code(), Code::kInvalidArgument);  // bad length
  EXPECT_EQ(service_->List("", -1, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->List("", kMaxPageSize + 1, "").status().code(), Code::kInvalidArgument);
  auto dflt = service_->List("", 0, "");
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->items.size(), 1u);
}

TEST_F(ModelServiceTest, UpdatePatchesOnlyWhatIsGiven) {
  MustCreate("m", {{"a", "1"}, {"b", "2"}});
  clock_.Advance(5'000);

  ModelPatch desc_only;
  desc_only.description = "new";
  auto u1 = service_->Update("m", desc_only, kWho);
  ASSERT_TRUE(u1.ok()) << u1.status().ToString();
  EXPECT_EQ(u1->description, "new");
  EXPECT_EQ(u1->tags, (Tags{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(u1->created_at_ms, 1'700'000'000'000);
  EXPECT_EQ(u1->updated_at_ms, 1'700'000'005'000);

  ModelPatch tags_only;
  tags_only.tags = Tags{{"c", "3"}};
  auto u2 = service_->Update("m", tags_only, kWho);
  ASSERT_TRUE(u2.ok());
  EXPECT_EQ(u2->description, "new");
  EXPECT_EQ(u2->tags, (Tags{{"c", "3"}}));  // replaced, not merged

  ModelPatch clear;
  clear.tags = Tags{};
  auto u3 = service_->Update("m", clear, kWho);
  ASSERT_TRUE(u3.ok());
  EXPECT_TRUE(u3->tags.empty());
}

TEST_F(ModelServiceTest, UpdateRejectsBadPatchesAndUnknownModels) {
  MustCreate("m", {{"a", "1"}});
  ModelPatch bad;
  bad.tags = Tags{{".bad", "x"}};
  EXPECT_EQ(service_->Update("m", bad, kWho).status().code(), Code::kInvalidArgument);
  auto got = service_->Get("m");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, (Tags{{"a", "1"}}));

  ModelPatch ok;
  ok.description = "x";
  EXPECT_EQ(service_->Update("ghost", ok, kWho).status().code(), Code::kNotFound);
  EXPECT_EQ(service_->Update("gh/ost", ok, kWho).status().code(), Code::kInvalidArgument);
}

TEST_F(ModelServiceTest, ListFiltersAndPagesWithinTheFilter) {
  for (const char* n : {"a1", "a2", "a3", "b1"}) {
    MustCreate(n, {{"team", n[0] == 'a' ? "vision" : "nlp"}});
  }
  MustCreate("c1");
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = service_->List(token, 2, "tags.team = 'vision'");
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& m : page->items) seen.push_back(m.name);
    token = page->next_token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3"}));

  auto others = service_->List("", 10, "NOT tags.team = 'vision' AND name LIKE '%1'");
  ASSERT_TRUE(others.ok()) << others.status().ToString();
  ASSERT_EQ(others->items.size(), 2u);
  EXPECT_EQ(others->items[0].name, "b1");
  EXPECT_EQ(others->items[1].name, "c1");
  EXPECT_EQ(others->items[0].tags, (Tags{{"team", "nlp"}}));  // full records come back

  auto none = service_->List("", 10, "name = 'zzz'");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
  EXPECT_TRUE(none->next_token.empty());
}

TEST_F(ModelServiceTest, ListRejectsBadFilters) {
  MustCreate("a");
  for (const char* bad :
       {"name =", "colour = 'red'", "version = 'x'", "created_at > 'soon'", "(name = 'a'"}) {
    EXPECT_EQ(service_->List("", 10, bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST_F(ModelServiceTest, ChangesAreAuditedWithTheActor) {
  MustCreate("m");
  ModelPatch p;
  p.description = "new";
  ASSERT_TRUE(service_->Update("m", p, Actor{"bob", "req-7"}).ok());
  AuditQuery q;
  q.model = "m";
  auto events = store_->ListAudit(q);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].action, "model.create");
  EXPECT_EQ((*events)[0].actor, "alice");
  EXPECT_EQ((*events)[0].request_id, "req-1");
  EXPECT_EQ((*events)[1].action, "model.update");
  EXPECT_EQ((*events)[1].actor, "bob");
  EXPECT_EQ((*events)[1].request_id, "req-7");
  EXPECT_EQ((*events)[1].to, "description");
}

TEST(PageTokenTest, RoundTripsAnyKey) {
  for (const std::string& key :
       std::vector<std::string>{"", "a", "model.v2_final-B", "12345", std::string(256, 'z')}) {
    auto back = DecodePageToken(EncodePageToken(key));
    ASSERT_TRUE(back.ok()) << key;
    EXPECT_EQ(*back, key);
  }
}

TEST(PageTokenTest, RejectsGarbageAndOversizedTokens) {
  EXPECT_EQ(DecodePageToken("%%%%").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("abc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(DecodePageToken(EncodePageToken(std::string(257, 'z'))).status().code(),
            Code::kInvalidArgument);
}

TEST(CheckPageLimitTest, Bounds) {
  auto dflt = CheckPageLimit(0);
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(*dflt, kDefaultPageSize);
  auto one = CheckPageLimit(1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  auto max = CheckPageLimit(kMaxPageSize);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, kMaxPageSize);
  EXPECT_EQ(CheckPageLimit(kMaxPageSize + 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckPageLimit(-1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckPageLimit(std::numeric_limits<int>::min()).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv
