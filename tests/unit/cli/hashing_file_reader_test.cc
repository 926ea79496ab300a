#include "cli/hashing_file_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"

namespace mv::cli {
namespace {

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string HexOf(const std::string& bytes) { return util::Sha256Hex(bytes); }

// Reads all that the reader hands out, `capacity` bytes at a time.
std::string Drain(HashingFileReader& reader, size_t capacity, int* pieces) {
  std::string got;
  std::vector<char> buf(capacity);
  for (;;) {
    auto n = reader.ReadNext(buf.data(), buf.size());
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) return got;
    got.append(buf.data(), *n);
    ++*pieces;
  }
}

TEST(HashingFileReaderTest, HandsOutTheFileOnceAndHashesExactlyThoseBytes) {
  test::TempDir dir;
  std::string bytes(3000000, 'a');
  for (size_t i = 0; i < bytes.size(); i += 4099) bytes[i] = static_cast<char>(i);
  WriteFile(dir.Join("f"), bytes);
  auto reader = HashingFileReader::Open(dir.Join("f"), static_cast<int64_t>(bytes.size()));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  int pieces = 0;
  EXPECT_EQ(Drain(**reader, 1 << 20, &pieces), bytes);
  EXPECT_EQ(pieces, 3);  // one pass: three 1 MiB pieces, nothing read twice
  EXPECT_EQ((*reader)->offset(), static_cast<int64_t>(bytes.size()));
  auto digest = (*reader)->HexDigest();
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, HexOf(bytes));
}

TEST(HashingFileReaderTest, StopsAtTheSizeGivenWhenTheFileGrew) {
  test::TempDir dir;
  WriteFile(dir.Join("f"), "0123456789");
  auto reader = HashingFileReader::Open(dir.Join("f"), 6);
  ASSERT_TRUE(reader.ok());
  int pieces = 0;
  EXPECT_EQ(Drain(**reader, 4, &pieces), "012345");
  auto digest = (*reader)->HexDigest();
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, HexOf("012345"));
}

TEST(HashingFileReaderTest, AFileThatGotShorterIsInvalidArgument) {
  test::TempDir dir;
  const std::string path = dir.Join("shrinks");
  WriteFile(path, std::string(2 << 20, 'x'));
  auto reader = HashingFileReader::Open(path, 2 << 20);
  ASSERT_TRUE(reader.ok());
  std::vector<char> buf(1 << 20);
  ASSERT_TRUE((*reader)->ReadNext(buf.data(), buf.size()).ok());
  WriteFile(path, std::string(1 << 20, 'x'));  // truncated to what was read already
  auto n = (*reader)->ReadNext(buf.data(), buf.size());
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kInvalidArgument);
  EXPECT_NE(n.status().message().find("shrinks got shorter"), std::string::npos)
      << n.status().message();
  auto digest = (*reader)->HexDigest();
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.status().code(), Code::kFailedPrecondition);
}

TEST(HashingFileReaderTest, EmptyFileHasTheEmptyDigest) {
  test::TempDir dir;
  WriteFile(dir.Join("empty"), "");
  auto reader = HashingFileReader::Open(dir.Join("empty"), 0);
  ASSERT_TRUE(reader.ok());
  char c;
  auto n = (*reader)->ReadNext(&c, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  auto digest = (*reader)->HexDigest();
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashingFileReaderTest, MissingFileIsInvalidArgument) {
  test::TempDir dir;
  auto reader = HashingFileReader::Open(dir.Join("nope"), 1);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Code::kInvalidArgument);
  EXPECT_NE(reader.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace mv::cli
