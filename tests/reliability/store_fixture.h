// A data dir in a temp dir with the real stores (FsBlobStore, SqliteMetadataStore and
// SqliteMaintenanceStore on the same file), and helpers that plant blobs and versions.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "registry/clock.h"
#include "storage/fs/fs_blob_store.h"
#include "util/sha256.h"
#include "storage/sqlite/sqlite_maintenance_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/unit/temp_dir.h"

namespace mv::reliability {

inline const Actor kWho{"tester", "req-1"};
inline constexpr int64_t kHourMs = 3600 * 1000;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    Open(dir_->path(), blobs_, meta_, maint_);
    ASSERT_TRUE(meta_->CreateModel(NewModel{"m", "", {}, "tester"}, kWho, Now()).ok());
  }
  void TearDown() override {
    maint_.reset();
    meta_.reset();
    blobs_.reset();
    dir_.reset();
  }

  static void Open(const std::string& dir, std::unique_ptr<storage::FsBlobStore>& blobs,
                   std::unique_ptr<storage::SqliteMetadataStore>& meta,
                   std::unique_ptr<storage::SqliteMaintenanceStore>& maint,
                   const storage::FsBlobOptions& options = {}) {
    auto b = storage::FsBlobStore::Create(dir + "/blobs", options);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    blobs = std::move(b).value();
    auto m = storage::SqliteMetadataStore::Open(dir + "/modelvault.db", 2);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    meta = std::move(m).value();
    auto s = storage::SqliteMaintenanceStore::Open(dir + "/modelvault.db", false);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    maint = std::move(s).value();
  }

  int64_t Now() { return clock_.NowMs(); }

  // Stores `bytes` as a blob; returns its digest.
  std::string Put(const std::string& bytes, storage::FsBlobStore* store = nullptr) {
    storage::FsBlobStore& s = store ? *store : *blobs_;
    auto w = s.NewWriter();
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append(bytes).ok());
    auto info = (*w)->Finish();
    EXPECT_TRUE(info.ok());
    EXPECT_TRUE((*w)->Publish().ok());
    return info->sha256;
  }

  // Sets the blob's modification time to `ms` (as if published then).
  void SetMtime(const std::string& sha, int64_t ms) {
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = ms / 1000;
    ts[0].tv_nsec = ts[1].tv_nsec = (ms % 1000) * 1000000;
    ASSERT_EQ(::utimensat(AT_FDCWD, blobs_->PathFor(sha).c_str(), ts, 0), 0);
  }

  // A version of model "m" with these artifacts (name -> bytes), blobs stored first.
  int64_t AddVersion(const std::map<std::string, std::string>& files, bool sealed = true,
                     int64_t created_at_ms = 0) {
    std::vector<Artifact> artifacts;
    const int64_t at = created_at_ms ? created_at_ms : Now();
    for (const auto& [name, bytes] : files) {
      Artifact a;
      a.name = name;
      a.sha256 = Put(bytes);
      a.size = static_cast<int64_t>(bytes.size());
      a.kind = "opaque";
      a.created_at_ms = at;
      artifacts.push_back(a);
    }
    auto v = meta_->CreateVersion("m", VersionSpec{}, artifacts, sealed, kWho, at);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->number : 0;
  }

  // Overwrites the first byte of a stored blob in place (bit rot).
  void Corrupt(const std::string& sha) {
    std::fstream f(blobs_->PathFor(sha), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open());
    char c = 0;
    f.read(&c, 1);
    f.seekp(0);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }

  bool Stored(const std::string& sha) {
    auto e = blobs_->Exists(sha);
    EXPECT_TRUE(e.ok());
    return e.ok() && *e;
  }

  SystemClock clock_;
  std::unique_ptr<test::TempDir> dir_;
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<storage::SqliteMetadataStore> meta_;
  std::unique_ptr<storage::SqliteMaintenanceStore> maint_;
};

}  // namespace mv::reliability
