#include "api/cli/sha256.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"

namespace mv::api::cli {
namespace {

TEST(Sha256Test, KnownVectors) {
  Sha256 empty;
  EXPECT_EQ(empty.HexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.Update("a", 1);
  abc.Update("bc", 2);
  EXPECT_EQ(abc.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256FileTest, HashesInChunksAndReportsProgress) {
  test::TempDir dir;
  const std::string path = dir.Join("million-a");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(3000000, 'a');  // almost three 1 MiB chunks
  }
  std::vector<int64_t> seen;
  auto digest = Sha256File(path, [&](int64_t done) { seen.push_back(done); });
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  Sha256 whole;
  std::string all(3000000, 'a');
  whole.Update(all.data(), all.size());
  EXPECT_EQ(*digest, whole.HexDigest());
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.back(), 3000000);
}

TEST(Sha256FileTest, MissingFileIsInvalidArgument) {
  test::TempDir dir;
  auto digest = Sha256File(dir.Join("nope"), nullptr);
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.status().code(), Code::kInvalidArgument);
  EXPECT_NE(digest.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace mv::api::cli
