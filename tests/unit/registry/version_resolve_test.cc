// VersionService::Resolve (integer, latest, stage names, @alias) and List with filters.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "util/encoding.h"
#include "registry/version_service.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace mv {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
const Actor kWho{"alice", "req-1"};

class VersionResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto blobs = storage::FsBlobStore::Create(dir_->Join("blobs"));
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    auto meta = storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = std::move(meta).value();
    service_ = std::make_unique<VersionService>(*meta_, *blobs_, clock_, VersionLimits{});
    ASSERT_TRUE(meta_->CreateModel(NewModel{"m", "", {}, "alice"}, kWho, kT0).ok());
  }
  void TearDown() override {
    service_.reset();
    meta_.reset();
    blobs_.reset();
    dir_.reset();
  }

  // A version of "m" recorded straight in the store, with searchable attributes.
  int64_t Add(bool sealed, std::vector<VersionAttr> attrs = {}) {
    Artifact a;
    a.name = "w.bin";
    a.sha256 = std::string(64, 'a');
    a.size = 1;
    a.kind = "other";
    a.created_at_ms = clock_.NowMs();
    VersionSpec spec;
    spec.attrs = std::move(attrs);
    auto v = meta_->CreateVersion("m", spec, {a}, sealed, kWho, clock_.NowMs());
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    clock_.Advance(1000);
    return v.ok() ? v->number : -1;
  }

  void MoveTo(int64_t number, Stage to) {
    TransitionRequest r;
    r.to = to;
    ASSERT_TRUE(meta_->Transition("m", number, r, kWho, clock_.NowMs()).ok());
  }

  Result<int64_t> Resolve(const std::string& ref) { return service_->Resolve("m", ref); }

  std::vector<int64_t> Listed(const std::string& filter, bool drafts = false) {
    auto page = service_->List("m", filter, "", 100, drafts);
    EXPECT_TRUE(page.ok()) << filter << ": " << page.status().ToString();
    std::vector<int64_t> out;
    if (page.ok()) {
      for (const auto& v : page->items) out.push_back(v.number);
    }
    return out;
  }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{kT0 + 1000};
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<storage::SqliteMetadataStore> meta_;
  std::unique_ptr<VersionService> service_;
};

TEST_F(VersionResolveTest, EveryKindOfReference) {
  Add(true);   // 1
  Add(true);   // 2
  Add(true);   // 3
  Add(false);  // 4: a draft
  MoveTo(1, Stage::kArchived);
  MoveTo(2, Stage::kProduction);
  MoveTo(3, Stage::kStaging);
  ASSERT_TRUE(meta_->SetAlias("m", "champion", 1, kWho, clock_.NowMs()).ok());
  struct Case {
    const char* ref;
    int64_t want;
  };
  for (const Case& c : std::vector<Case>{{"1", 1},
                                         {"3", 3},
                                         {"4", 4},  // a draft is still addressable by number
                                         {"latest", 3},
                                         {"production", 2},
                                         {"staging", 3},
                                         {"archived", 1},
                                         {"@champion", 1}}) {
    auto r = Resolve(c.ref);
    ASSERT_TRUE(r.ok()) << c.ref << ": " << r.status().ToString();
    EXPECT_EQ(*r, c.want) << c.ref;
  }
  // References follow the state: a new production holder, a moved alias.
  MoveTo(3, Stage::kProduction);
  ASSERT_TRUE(meta_->SetAlias("m", "champion", 2, kWho, clock_.NowMs()).ok());
  auto prod = Resolve("production");
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(*prod, 3);
  auto archived = Resolve("archived");  // the newest archived version
  ASSERT_TRUE(archived.ok());
  EXPECT_EQ(*archived, 2);
  auto alias = Resolve("@champion");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(*alias, 2);
}

TEST_F(VersionResolveTest, GarbageIsInvalidArgument) {
  Add(true);
  for (const char* bad :
       {"", "0", "-1", "+1", "1.5", "1e3", " 1", "1 ", "abc", "none", "Latest", "@", "@bad/alias",
        "@.hidden", "9007199254740993", "99999999999999999999"}) {
    EXPECT_EQ(Resolve(bad).status().code(), Code::kInvalidArgument) << "'" << bad << "'";
  }
  EXPECT_EQ(service_->Resolve("bad/model", "1").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Resolve("", "latest").status().code(), Code::kInvalidArgument);
}

TEST_F(VersionResolveTest, NothingThereIsNotFound) {
  EXPECT_EQ(Resolve("latest").status().code(), Code::kNotFound);  // no versions yet
  Add(false);                                                     // 1: a draft only
  EXPECT_EQ(Resolve("latest").status().code(), Code::kNotFound);
  for (const char* ref : {"production", "staging", "archived", "@champion"}) {
    EXPECT_EQ(Resolve(ref).status().code(), Code::kNotFound) << ref;
  }
  for (const char* ref : {"latest", "production", "@champion"}) {
    EXPECT_EQ(service_->Resolve("ghost", ref).status().code(), Code::kNotFound) << ref;
  }
  // A deleted version leaves latest, its stage and its aliases.
  Add(true);  // 2
  Add(true);  // 3
  MoveTo(3, Stage::kStaging);
  ASSERT_TRUE(meta_->SetAlias("m", "best", 3, kWho, clock_.NowMs()).ok());
  ASSERT_TRUE(service_->Delete("m", 3, "bad run", kWho).ok());
  auto latest = Resolve("latest");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, 2);
  EXPECT_EQ(Resolve("staging").status().code(), Code::kNotFound);
  EXPECT_EQ(Resolve("@best").status().code(), Code::kNotFound);
}

TEST_F(VersionResolveTest, ListFiltersWithinTheModel) {
  Add(true, {VersionAttr{"metric", "top1", "0.7", 0.7}});           // 1
  Add(true, {VersionAttr{"metric", "top1", "0.8", 0.8}});           // 2
  Add(false, {VersionAttr{"metric", "top1", "0.9", 0.9}});          // 3: a draft
  Add(true, {VersionAttr{"tag", "team", "vision", std::nullopt}});  // 4
  MoveTo(2, Stage::kProduction);
  EXPECT_EQ(Listed("metrics.top1 >= 0.75"), (std::vector<int64_t>{2}));
  EXPECT_EQ(Listed("metrics.top1 >= 0.75", true), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(Listed("stage = 'production' OR tags.team = 'vision'"), (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(Listed(""), (std::vector<int64_t>{4, 2, 1}));

  // Paging keeps the filter.
  auto p1 = service_->List("m", "version != 2", "", 1, false);
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  ASSERT_EQ(p1->items.size(), 1u);
  EXPECT_EQ(p1->items[0].number, 4);
  auto p2 = service_->List("m", "version != 2", p1->next_token, 1, false);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].number, 1);
  EXPECT_TRUE(p2->next_token.empty());

  // Across models (empty model) and bad filters.
  auto all = service_->List("", "metrics.top1 < 0.75", "", 10, false);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->items.size(), 1u);
  EXPECT_EQ(all->items[0].model, "m");
  for (const char* bad : {"metrics.top1 >=", "bogus = 1", "version = 'one'", "created_at < 'x'"}) {
    EXPECT_EQ(service_->List("m", bad, "", 10, false).status().code(), Code::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace mv
