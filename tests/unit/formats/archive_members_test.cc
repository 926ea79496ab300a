// Archives looked into: every member goes through the registry's inspectors, recursively
// and within bounds; the zip tricks that hide a pickle from a lister (odd flag bits, a
// local header that disagrees with the central directory, a bad CRC, a wrong extension)
// are read the way Python's zipfile reads them, through the central directory.
#include "registry/formats/archive/archive_members.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "registry/formats/builtin.h"
#include "tests/unit/formats/archive_test_util.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::archive {
namespace {

using namespace std::string_literals;
using test::Codes;
using test::HasCode;
using test::HasErrors;
using test::MakeArchive;
using test::TestEntry;

const std::string kHostile = "cos\nsystem\n(S'echo pwned'\ntR.";
const std::string kData = "(dp0\nVa\np1\n(lp2\nI1\naI2\nas.";

Inspection InspectNamed(const std::string& bytes, std::string_view name,
                        const InspectLimits& limits = {}) {
  FormatRegistry registry;
  RegisterBuiltinFormats(registry);
  mv::test::MemoryBlobReader reader(bytes);
  Result<Inspection> r = registry.Inspect(reader, name, limits);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Inspection{};
}

// libarchive writes 7z (LZMA) and compressed tars as well as it reads them.
std::string Write(const std::vector<TestEntry>& entries, const char* format,
                  const char* filter = nullptr) {
  std::string out;
  struct archive* a = archive_write_new();
  EXPECT_EQ(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
  if (filter != nullptr) {
    EXPECT_EQ(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, test::AppendToString, nullptr), ARCHIVE_OK);
  for (const TestEntry& e : entries) test::WriteEntry(a, e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// ORs `bits` into every local and central header's general-purpose flags.
std::string SetFlagBits(std::string zip, uint16_t bits) {
  for (size_t at = 0; (at = zip.find("PK", at)) != std::string::npos; at += 2) {
    size_t field = zip.compare(at, 4, "PK\x03\x04") == 0   ? 6
                   : zip.compare(at, 4, "PK\x01\x02") == 0 ? 8
                                                           : 0;
    if (field == 0 || at + field + 2 > zip.size()) continue;
    zip[at + field] = static_cast<char>(zip[at + field] | (bits & 0xff));
    zip[at + field + 1] = static_cast<char>(zip[at + field + 1] | (bits >> 8));
  }
  return zip;
}

// Corrupts the CRC-32 every header and data descriptor declares.
std::string BreakCrc(std::string zip) {
  for (size_t at = 0; (at = zip.find("PK", at)) != std::string::npos; at += 2) {
    size_t field = zip.compare(at, 4, "PK\x03\x04") == 0   ? 14
                   : zip.compare(at, 4, "PK\x01\x02") == 0 ? 16
                   : zip.compare(at, 4, "PK\x07\x08") == 0 ? 4
                                                           : 0;
    if (field != 0 && at + field + 4 <= zip.size()) zip[at + field] ^= 0x5a;
  }
  return zip;
}

TEST(ArchiveMembersTest, AZipHoldingAHostilePickleIsUnsafe) {
  std::string zip = MakeArchive({{"readme.txt", "hi"}, {"payload.pkl", kHostile}}, true);
  for (std::string_view name : {"bundle.zip", "model.pt", "pytorch_model.bin", "x.pkl"}) {
    Inspection in = InspectNamed(zip, name);
    EXPECT_EQ(in.kind, "zip") << name;
    EXPECT_EQ(in.safety, Safety::kUnsafe) << name;
    EXPECT_TRUE(test::HasCode(in, "unsafe-global")) << name;
    EXPECT_NE(test::FindCode(in, "unsafe-global")->message.find("payload.pkl"), std::string::npos);
  }
  EXPECT_FALSE(HasCode(InspectNamed(zip, "bundle.zip"), "name-mismatch"));
  EXPECT_TRUE(HasCode(InspectNamed(zip, "model.pt"), "name-mismatch"));  // wrong extension
  nlohmann::json s = nlohmann::json::parse(InspectNamed(zip, "bundle.zip").summary.ToJson());
  EXPECT_EQ(s["entries"][1]["kind"], "pickle");
  EXPECT_EQ(s["entries"][1]["safety"], "unsafe");
}

TEST(ArchiveMembersTest, MembersOfEveryFormatAreJudged) {
  Inspection safe = InspectNamed(MakeArchive({{"stats.pkl", kData}}, true), "b.zip");
  EXPECT_EQ(safe.safety, Safety::kSafe) << safe.verdict;
  EXPECT_TRUE(safe.findings.empty()) << ::testing::PrintToString(Codes(safe));
  Inspection opaque = InspectNamed(MakeArchive({{"notes.txt", "hello"}}, true), "b.zip");
  EXPECT_EQ(opaque.safety, Safety::kUnknown);
  EXPECT_FALSE(HasErrors(opaque));
  Inspection png = InspectNamed(MakeArchive({{"w.pt", "\x89PNG\r\n\x1a\n"}}, true), "b.zip");
  EXPECT_TRUE(HasCode(png, "name-mismatch"));
}

TEST(ArchiveMembersTest, A7zHoldingAHostilePickleIsUnsafe) {
  std::string sz = Write({{"inner/model.bin", kHostile}, {"ok.pkl", kData}}, "7zip");
  ASSERT_EQ(sz.substr(0, 2), "7z");
  Inspection in = InspectNamed(sz, "weights.7z");
  EXPECT_EQ(in.kind, "7z");
  EXPECT_EQ(in.safety, Safety::kUnsafe) << in.verdict;
  EXPECT_TRUE(HasCode(in, "unsafe-global"));
  Inspection benign = InspectNamed(Write({{"ok.pkl", kData}}, "7zip"), "weights.7z");
  EXPECT_EQ(benign.safety, Safety::kSafe) << benign.verdict;
}

TEST(ArchiveMembersTest, CompressedStreamsAndNestedArchivesAreLookedInto) {
  Inspection gz = InspectNamed(Write({{"x", kHostile}}, "raw", "gzip"), "model.pkl.gz");
  EXPECT_EQ(gz.kind, "gzip");
  EXPECT_EQ(gz.safety, Safety::kUnsafe) << gz.verdict;
  std::string zip = MakeArchive({{"deep/evil.pkl", kHostile}}, true);
  std::string tgz = Write({{"bundle.zip", zip}}, "paxr", "gzip");
  Inspection in = InspectNamed(tgz, "release.tar.gz");
  EXPECT_EQ(in.safety, Safety::kUnsafe) << in.verdict;
  EXPECT_TRUE(HasCode(in, "unsafe-global"));
  Inspection xz = InspectNamed(Write({{"bundle.zip", zip}}, "paxr", "xz"), "r.tar.xz");
  EXPECT_EQ(xz.kind, "xz");
  EXPECT_EQ(xz.safety, Safety::kUnsafe);
}

TEST(ArchiveMembersTest, OddFlagBitsNeverHideAPickle) {
  std::string zip = MakeArchive({{"payload.pkl", kHostile}}, true);
  // 0x1 claims encryption (Python's zipfile asks for a password), 0x20 compressed patched
  // data and 0x40 strong encryption (zipfile refuses both): either we read the pickle and
  // call it unsafe, or we cannot, and the unknown member blocks production.
  for (uint16_t bits : {0x1, 0x20, 0x40, 0x8, 0x800}) {
    Inspection in = InspectNamed(SetFlagBits(zip, bits), "model.zip");
    EXPECT_NE(in.safety, Safety::kSafe) << bits;
    EXPECT_TRUE(in.safety == Safety::kUnsafe || HasErrors(in)) << bits;
    EXPECT_TRUE(HasErrors(in) || HasCode(in, "unsafe-global")) << bits;
  }
}

TEST(ArchiveMembersTest, LocalHeaderNamesDisagreeingWithTheCentralDirectory) {
  // picklescan's "corrupt central directory": the first occurrence of the name (the local
  // header's) is changed, the central directory still says data.pkl.
  for (std::string folder : {""s, "archive/"s}) {
    std::string zip = MakeArchive({{folder + "data.pkl", kHostile}}, true);
    size_t at = zip.find("data.pkl");
    ASSERT_NE(at, std::string::npos);
    zip.replace(at, 8, "datap.kl");
    Inspection in = InspectNamed(zip, "pytorch_model.bin");
    EXPECT_EQ(in.safety, Safety::kUnsafe) << folder << ": " << in.verdict;
    EXPECT_TRUE(HasErrors(in)) << folder;
  }
}

TEST(ArchiveMembersTest, CrcErrorsBlockAndWhatWasReadIsStillJudged) {
  Inspection in = InspectNamed(BreakCrc(MakeArchive({{"p.pkl", kHostile}}, true)), "m.zip");
  EXPECT_TRUE(HasErrors(in)) << ::testing::PrintToString(Codes(in));
  EXPECT_NE(in.safety, Safety::kSafe);
  Inspection benign = InspectNamed(BreakCrc(MakeArchive({{"p.pkl", kData}}, true)), "m.zip");
  EXPECT_TRUE(HasErrors(benign)) << ::testing::PrintToString(Codes(benign));
  EXPECT_NE(benign.safety, Safety::kSafe);
}

TEST(ArchiveMembersTest, DepthBytesAndRatioAreBounded) {
  std::string nested = kHostile;
  std::string name = "evil.pkl";
  for (int i = 0; i < 6; ++i) {
    nested = MakeArchive({{name, nested}}, true);
    name = "level" + std::to_string(i) + ".zip";
  }
  Inspection deep = InspectNamed(nested, "deep.zip");
  EXPECT_TRUE(HasCode(deep, "member-not-inspected"));
  EXPECT_NE(deep.safety, Safety::kSafe);

  InspectLimits small;
  small.max_read_bytes = 1000;
  Inspection big =
      InspectNamed(MakeArchive({{"a.pkl", kData + std::string(4000, ' ')}}, true), "a.zip", small);
  EXPECT_TRUE(HasCode(big, "member-not-inspected"));
  EXPECT_NE(big.safety, Safety::kSafe);
}

TEST(ArchiveMembersTest, TorchAndNpzZipsGoToTheirOwnInspectorsFirst) {
  Inspection torch = InspectNamed(MakeArchive({{"model/data.pkl", "x"}}, true), "m.zip");
  EXPECT_EQ(torch.kind, "torch-state-dict");
  Inspection npz = InspectNamed(MakeArchive({{"x.npy", "x"}}, true), "m.npz");
  EXPECT_EQ(npz.kind, "npz");
}

TEST(ArchiveMembersTest, WorstSafetyWins) {
  EXPECT_EQ(Worse(Safety::kSafe, Safety::kUnknown), Safety::kUnknown);
  EXPECT_EQ(Worse(Safety::kUnsafe, Safety::kUnknown), Safety::kUnsafe);
  EXPECT_EQ(Worse(Safety::kSafe, Safety::kSafe), Safety::kSafe);
}

}  // namespace
}  // namespace mv::formats::archive
