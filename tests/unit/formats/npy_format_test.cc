#include "registry/formats/npy/npy_format.h"

#include <gtest/gtest.h>

#include "tests/unit/formats/archive_test_util.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::npy {
namespace {

using test::Codes;
using test::FindCode;
using test::InspectBytes;

// An .npy file as numpy writes it: the dict padded with spaces to a 64-byte boundary.
std::string Npy(const std::string& dict, const std::string& data, int major = 1) {
  size_t pre = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((pre + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t i = 0; i < pre - 8; ++i) out += static_cast<char>(header.size() >> (8 * i));
  return out + header + data;
}

const char kF32[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

TEST(NpyFormatTest, ReadsTheHeader) {
  std::string file = Npy(kF32, std::string(24, '\0'));
  ASSERT_EQ(file.size(), 128u + 24u);
  EXPECT_TRUE(NpyFormat().Sniff(file, static_cast<int64_t>(file.size()), "x"));
  Inspection in = InspectBytes(NpyFormat(), file);
  EXPECT_EQ(in.kind, "npy");
  EXPECT_EQ(in.safety, Safety::kSafe);
  EXPECT_TRUE(in.findings.empty());
  EXPECT_EQ(in.summary.ToJson(),
            R"({"descr":"<f4","dtype":"float32","shape":[2,3],"fortran_order":false,)"
            R"("version":"1.0","data_bytes":24})");
}

TEST(NpyFormatTest, Version2AndOtherDtypes) {
  Inspection in = InspectBytes(
      NpyFormat(),
      Npy("{'descr': '>i8', 'fortran_order': True, 'shape': ()}", std::string(8, '\0'), 2));
  EXPECT_TRUE(in.findings.empty());
  EXPECT_EQ(in.summary.ToJson(),
            R"({"descr":">i8","dtype":"int64","shape":[],"fortran_order":true,)"
            R"("version":"2.0","data_bytes":8})");
  in = InspectBytes(NpyFormat(), Npy("{'descr': '<U3', 'fortran_order': False, 'shape': (2,)}",
                                     std::string(24, '\0'), 3));
  EXPECT_TRUE(in.findings.empty());
}

TEST(NpyFormatTest, ObjectArraysAreRefused) {
  Inspection in = InspectBytes(
      NpyFormat(),
      Npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", "\x80\x02]q\x00."));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"object-array"});
  EXPECT_EQ(in.safety, Safety::kUnsafe);
  in = InspectBytes(NpyFormat(),
                    Npy("{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, "
                        "'shape': (2,)}",
                        ""));
  EXPECT_EQ(in.safety, Safety::kUnsafe);
}

TEST(NpyFormatTest, DataSizeIsChecked) {
  Inspection in = InspectBytes(NpyFormat(), Npy(kF32, std::string(20, '\0')));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"truncated-data"});
  EXPECT_EQ(in.findings[0].message, "shape and dtype need 24 data bytes; the file has 20");
  in = InspectBytes(NpyFormat(), Npy(kF32, std::string(30, '\0')));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"trailing-data"});
  in = InspectBytes(NpyFormat(), Npy("{'descr': '<f8', 'fortran_order': False, "
                                     "'shape': (4294967296, 4294967296, 4294967296)}",
                                     ""));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"absurd-tensor-shape"});
}

TEST(NpyFormatTest, MalformedHeaders) {
  for (const char* dict :
       {"{'descr': '<f4', 'shape': (2,", "{'descr': '<q9', 'shape': ()}", "{'shape': (2,)}",
        "{'descr': '<f4', 'shape': (-1,)}", "__import__('os').system('x')",
        "{'descr': '<f4', 'shape': [[[[[["
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]}"}) {
    Inspection in = InspectBytes(NpyFormat(), Npy(dict, ""));
    EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-npy"}) << dict;
    EXPECT_EQ(in.safety, Safety::kUnknown);
  }
  Inspection in = InspectBytes(NpyFormat(), std::string("\x93NUMPY\x09\x00", 8));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-npy"});
}

TEST(NpyFormatTest, EveryPrefixIsHandled) {
  std::string file = Npy(kF32, std::string(24, '\0'));
  EXPECT_EQ(test::InspectEveryPrefix(NpyFormat(), file), static_cast<int>(file.size()));
}

std::string TwoArrayNpz() {
  return test::MakeArchive({{"x.npy", Npy(kF32, std::string(24, '\0'))},
                            {"y.npy", Npy("{'descr': '|u1', 'fortran_order': False, "
                                          "'shape': (3,), }",
                                          "abc")}},
                           /*zip=*/true);
}

TEST(NpzFormatTest, ListsEachArray) {
  std::string file = TwoArrayNpz();
  EXPECT_TRUE(NpzFormat().Sniff(file, static_cast<int64_t>(file.size()), "ref.npz"));
  Inspection in = InspectBytes(NpzFormat(), file);
  EXPECT_EQ(in.kind, "npz");
  EXPECT_TRUE(in.findings.empty()) << in.findings[0].message;
  EXPECT_EQ(in.safety, Safety::kSafe);
  EXPECT_EQ(in.summary.ToJson(),
            R"({"arrays":[{"descr":"<f4","dtype":"float32","shape":[2,3],)"
            R"("fortran_order":false,"version":"1.0","name":"x"},)"
            R"({"descr":"|u1","dtype":"uint8","shape":[3],"fortran_order":false,)"
            R"("version":"1.0","name":"y"}]})");
}

TEST(NpzFormatTest, ObjectMembersAndStrangersGetFindings) {
  std::string file = test::MakeArchive(
      {{"o.npy", Npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", "\x80\x02N.")},
       {"notes.txt", "hello"},
       {"short.npy", Npy(kF32, std::string(4, '\0'))}},
      true);
  Inspection in = InspectBytes(NpzFormat(), file);
  EXPECT_EQ(Codes(in),
            (std::vector<std::string>{"object-array", "unexpected-member", "size-mismatch"}));
  EXPECT_EQ(in.safety, Safety::kUnsafe);
}

TEST(NpzFormatTest, EveryPrefixIsHandled) {
  std::string file = TwoArrayNpz();
  EXPECT_EQ(test::InspectEveryPrefix(NpzFormat(), file), static_cast<int>(file.size()));
}

}  // namespace
}  // namespace mv::formats::npy
