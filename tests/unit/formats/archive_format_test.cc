#include "registry/formats/archive/archive_format.h"

#include <gtest/gtest.h>

#include "tests/unit/formats/archive_test_util.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::archive {
namespace {

using test::Codes;
using test::FindCode;
using test::InspectBytes;
using test::MakeArchive;

const ArchiveFormat kZip(BlobArchive::Format::kZip);
const ArchiveFormat kTar(BlobArchive::Format::kTar);

TEST(ArchiveFormatTest, ListsZipEntries) {
  std::string zip =
      MakeArchive({{"saved_model/", "", "dir"}, {"saved_model/saved_model.pb", "pb-bytes"}}, true);
  EXPECT_TRUE(kZip.Sniff(zip, static_cast<int64_t>(zip.size()), "m.zip"));
  Inspection in = InspectBytes(kZip, zip);
  EXPECT_EQ(in.kind, "zip");
  EXPECT_TRUE(in.findings.empty());
  EXPECT_EQ(in.summary.ToJson(), R"({"entry_count":2,"declared_uncompressed_bytes":8,"entries":[)"
                                 R"({"name":"saved_model/","type":"dir","size":0},)"
                                 R"({"name":"saved_model/saved_model.pb","type":"file","size":8}],)"
                                 R"("entries_truncated":false})");
}

TEST(ArchiveFormatTest, EscapingNamesAndLinksInAZip) {
  std::string zip = MakeArchive({{"../../etc/cron.d/x", "evil"},
                                 {"/abs/path", "a"},
                                 {"ok/../../up", "b"},
                                 {"fine..name", "c"},
                                 {"link", "", "symlink", "/etc/passwd"}},
                                true);
  Inspection in = InspectBytes(kZip, zip);
  EXPECT_EQ(Codes(in),
            (std::vector<std::string>{"unsafe-path", "unsafe-path", "unsafe-path", "link-entry"}));
  EXPECT_EQ(in.findings[0].message,
            "entry '../../etc/cron.d/x' would be written outside the extraction directory");
  EXPECT_EQ(in.findings[3].message, "entry 'link' is a symlink to '/etc/passwd'");
}

TEST(ArchiveFormatTest, TarWithLinks) {
  std::string tar = MakeArchive({{"a.txt", "hello"},
                                 {"hard", "", "hardlink", "a.txt"},
                                 {"soft", "", "symlink", "../outside"},
                                 {"../x", "y"}},
                                false);
  EXPECT_TRUE(kTar.Sniff(tar, static_cast<int64_t>(tar.size()), "bundle.bin"));
  EXPECT_FALSE(kTar.Sniff("", 0, "bundle.tar.gz"));  // the bytes decide, never the name
  Inspection in = InspectBytes(kTar, tar);
  EXPECT_EQ(in.kind, "tar");
  EXPECT_EQ(Codes(in), (std::vector<std::string>{"link-entry", "link-entry", "unsafe-path"}));
}

TEST(ArchiveFormatTest, HighCompressionRatioIsAWarning) {
  std::string zip = MakeArchive({{"zeros.bin", "", "file", "", int64_t{50} << 20}}, true);
  ASSERT_LT(zip.size(), 60u * 1024);
  Inspection in = InspectBytes(kZip, zip);
  EXPECT_EQ(Codes(in), std::vector<std::string>{"compression-ratio"});
  EXPECT_EQ(in.findings[0].level, Finding::Level::kWarning);
}

// Patches every entry's declared uncompressed size (local header and central directory)
// to nearly 4 GiB: hundreds of such entries declare more than a TiB.
std::string DeclareHugeSizes(std::string zip) {
  for (size_t at = 0; (at = zip.find("PK", at)) != std::string::npos; at += 2) {
    size_t field = zip.compare(at, 4, "PK\x03\x04") == 0   ? 22
                   : zip.compare(at, 4, "PK\x01\x02") == 0 ? 24
                                                           : 0;
    if (field != 0 && at + field + 4 <= zip.size()) zip.replace(at + field, 4, "\xf0\xff\xff\xff");
  }
  return zip;
}

TEST(ArchiveFormatTest, DeclaredSizesBeyondTheLimitAreAZipBomb) {
  std::vector<test::TestEntry> entries;
  for (int i = 0; i < 300; ++i) entries.push_back({"e" + std::to_string(i), ""});
  Inspection in = InspectBytes(kZip, DeclareHugeSizes(MakeArchive(entries, true)));
  EXPECT_NE(FindCode(in, "zip-bomb"), nullptr) << ::testing::PrintToString(Codes(in));
}

TEST(ArchiveFormatTest, TooManyEntries) {
  std::vector<test::TestEntry> entries;
  for (int i = 0; i < 10; ++i) entries.push_back({"f" + std::to_string(i), "x"});
  InspectLimits limits;
  limits.max_items = 4;
  Inspection in = InspectBytes(kZip, MakeArchive(entries, true), limits);
  EXPECT_EQ(Codes(in), std::vector<std::string>{"too-many-entries"});
}

TEST(ArchiveFormatTest, MalformedAndTruncatedArchives) {
  Inspection in = InspectBytes(kZip, std::string("PK\x03\x04garbage", 11));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-archive"});
  std::string zip = MakeArchive({{"a", "aaaa"}, {"b/c", "cc"}}, true);
  EXPECT_EQ(test::InspectEveryPrefix(kZip, zip), static_cast<int>(zip.size()));
  std::string tar = MakeArchive({{"a", "aaaa"}, {"b/c", "cc"}}, false);
  test::InspectEveryPrefix(kTar, tar);  // tar has no index: a prefix may list cleanly
}

TEST(ArchiveFormatTest, ReadErrorsAreReturned) {
  mv::test::MemoryBlobReader reader(MakeArchive({{"a", "aaaa"}}, true));
  reader.FailReadsFrom(0);
  EXPECT_FALSE(kZip.Inspect(reader, "x", {}).ok());
}

TEST(ArchiveFormatTest, SniffsByContentOnly) {
  // Any zip: torch and npz zips are left to their inspectors by registration order
  // (archive_members_test.cc checks that through the builtin registry).
  std::string zip = MakeArchive({{"model/data.pkl", "x"}}, true);
  EXPECT_TRUE(kZip.Sniff(zip, static_cast<int64_t>(zip.size()), "m.bin"));
  std::string tar = MakeArchive({{"a", "x"}}, false);
  EXPECT_TRUE(kTar.Sniff(tar, static_cast<int64_t>(tar.size()), "a"));
  EXPECT_FALSE(kTar.Sniff("plain text", 10, "a.tar"));
}

TEST(ArchiveFormatTest, UnsafePaths) {
  EXPECT_TRUE(IsUnsafeEntryPath(".."));
  EXPECT_TRUE(IsUnsafeEntryPath("a/../../b"));
  EXPECT_TRUE(IsUnsafeEntryPath("a\\..\\b"));
  EXPECT_TRUE(IsUnsafeEntryPath("C:/x"));
  EXPECT_TRUE(IsUnsafeEntryPath("/x"));
  EXPECT_FALSE(IsUnsafeEntryPath("a/..b/c.."));
  EXPECT_FALSE(IsUnsafeEntryPath(""));
}

}  // namespace
}  // namespace mv::formats::archive
