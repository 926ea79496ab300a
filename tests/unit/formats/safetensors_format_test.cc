#include "registry/formats/safetensors/safetensors_format.h"

#include <gtest/gtest.h>

#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::safetensors {
namespace {

using test::Codes;
using test::FindCode;
using test::HasCode;
using test::InspectBytes;

std::string Le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

std::string File(const std::string& header, const std::string& data) {
  return Le64(header.size()) + header + data;
}

const char kHeader[] = R"({"__metadata__":{"format":"pt"},)"
                       R"("b":{"dtype":"I64","shape":[3],"data_offsets":[16,40]},)"
                       R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

TEST(SafetensorsFormatTest, ListsTensorsOfAValidFile) {
  Inspection in = InspectBytes(SafetensorsFormat(), File(kHeader, std::string(40, '\x01')));
  EXPECT_EQ(in.kind, "safetensors");
  EXPECT_EQ(in.safety, Safety::kSafe);
  EXPECT_TRUE(in.findings.empty()) << in.findings[0].message;
  EXPECT_EQ(in.summary.ToJson(),
            std::string(R"({"header_bytes":)") + std::to_string(sizeof(kHeader) - 1) +
                R"(,"tensor_count":2,"parameter_count":7,"data_bytes":40,)"
                R"("bytes_by_dtype":{"F32":16,"I64":24},"metadata":{"format":"pt"},)"
                R"("tensors":[{"name":"b","dtype":"I64","shape":[3],"data_offsets":[16,40]},)"
                R"({"name":"a","dtype":"F32","shape":[2,2],"data_offsets":[0,16]}]})");
}

TEST(SafetensorsFormatTest, OverlappingOffsetsAreAnError) {
  std::string h = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                  R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})";
  Inspection in = InspectBytes(SafetensorsFormat(), File(h, std::string(24, '\0')));
  const Finding* f = FindCode(in, "overlapping-tensors");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Finding::Level::kError);
  EXPECT_EQ(f->message, "tensor 'b' overlaps 'a'");
  EXPECT_EQ(in.safety, Safety::kSafe);  // still no code to run
}

TEST(SafetensorsFormatTest, HeaderLengthPastTheEnd) {
  Inspection in = InspectBytes(SafetensorsFormat(), Le64(1000) + R"({"a":1})");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"header-out-of-range"});
  EXPECT_EQ(in.safety, Safety::kUnknown);
}

TEST(SafetensorsFormatTest, HugeHeaderLengthIsRefusedWithoutAllocating) {
  Inspection in = InspectBytes(SafetensorsFormat(), Le64(uint64_t{1} << 62) + "{}");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"header-too-large"});
  in = InspectBytes(SafetensorsFormat(), Le64(~uint64_t{0}) + "{}");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"header-too-large"});
}

TEST(SafetensorsFormatTest, NonJsonHeader) {
  Inspection in = InspectBytes(SafetensorsFormat(), File("{not json at all}", ""));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-header"});
  EXPECT_EQ(in.safety, Safety::kUnknown);
  in = InspectBytes(SafetensorsFormat(), File("[1,2]", ""));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-header"});
}

TEST(SafetensorsFormatTest, BadEntriesGetFindings) {
  std::string h = R"({"u":{"dtype":"F128","shape":[1],"data_offsets":[0,16]},)"
                  R"("m":{"dtype":"F32","shape":[3],"data_offsets":[16,32]},)"
                  R"("o":{"dtype":"U8","shape":[64],"data_offsets":[40,104]},)"
                  R"("x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]},)"
                  R"("s":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})";
  Inspection in = InspectBytes(SafetensorsFormat(), File(h, std::string(48, '\0')));
  EXPECT_TRUE(HasCode(in, "unknown-dtype"));
  EXPECT_TRUE(HasCode(in, "size-mismatch"));
  EXPECT_TRUE(HasCode(in, "offset-out-of-range"));
  EXPECT_TRUE(HasCode(in, "absurd-tensor-shape"));
  EXPECT_EQ(FindCode(in, "size-mismatch")->message,
            "tensor 'm': shape x dtype is 12 bytes but data_offsets span 16");
}

TEST(SafetensorsFormatTest, GapsAndTrailingBytesAreWarnings) {
  std::string h = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}})";
  Inspection in = InspectBytes(SafetensorsFormat(), File(h, std::string(16, '\0')));
  EXPECT_EQ(Codes(in), (std::vector<std::string>{"data-gap", "trailing-data"}));
  EXPECT_EQ(in.findings[0].level, Finding::Level::kWarning);
}

TEST(SafetensorsFormatTest, ManyBadEntriesMakeAShortReport) {
  std::string h = "{";
  for (int i = 0; i < 100; ++i) {
    h += (i ? "," : "") + std::string("\"t") + std::to_string(i) +
         R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  }
  h += "}";
  Inspection in = InspectBytes(SafetensorsFormat(), File(h, std::string(4, '\0')));
  EXPECT_EQ(in.findings.size(), 21u);  // 20 overlaps and one "omitted" note
  EXPECT_EQ(in.findings.back().message, "79 more 'overlapping-tensors' findings omitted");
}

TEST(SafetensorsFormatTest, EveryPrefixOfAValidFileIsHandled) {
  std::string file = File(kHeader, std::string(40, '\x01'));
  EXPECT_EQ(test::InspectEveryPrefix(SafetensorsFormat(), file), static_cast<int>(file.size()));
}

TEST(SafetensorsFormatTest, ReadErrorsAreReturned) {
  mv::test::MemoryBlobReader reader(File(kHeader, std::string(40, '\x01')));
  reader.FailReadsFrom(8);
  EXPECT_FALSE(SafetensorsFormat().Inspect(reader, "x", {}).ok());
}

TEST(SafetensorsFormatTest, Sniff) {
  std::string file = File(kHeader, std::string(40, '\x01'));
  EXPECT_TRUE(SafetensorsFormat().Sniff(file, static_cast<int64_t>(file.size()), "w.bin"));
  EXPECT_TRUE(SafetensorsFormat().Sniff("junk", 4, "model.SafeTensors"));
  EXPECT_FALSE(SafetensorsFormat().Sniff("junk", 4, "model.onnx"));
}

TEST(SafetensorsIndexFormatTest, ListsShards) {
  std::string index = R"({"metadata":{"total_size":120},"weight_map":{)"
                      R"("a":"model-00001-of-00002.safetensors",)"
                      R"("b":"model-00002-of-00002.safetensors",)"
                      R"("c":"model-00001-of-00002.safetensors"}})";
  SafetensorsIndexFormat format;
  EXPECT_TRUE(format.Sniff(index, 0, "model.safetensors.index.json"));
  Inspection in = InspectBytes(format, index);
  EXPECT_EQ(in.kind, "safetensors-index");
  EXPECT_TRUE(in.findings.empty());
  EXPECT_EQ(in.summary.ToJson(), R"({"tensor_count":3,"files":[)"
                                 R"({"file":"model-00001-of-00002.safetensors","tensor_count":2},)"
                                 R"({"file":"model-00002-of-00002.safetensors","tensor_count":1}],)"
                                 R"("metadata":{"total_size":120}})");
}

TEST(SafetensorsIndexFormatTest, FlagsEscapingPathsAndMalformedFiles) {
  Inspection in =
      InspectBytes(SafetensorsIndexFormat(), R"({"weight_map":{"a":"../x.safetensors"}})");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"unsafe-path"});
  in = InspectBytes(SafetensorsIndexFormat(), R"({"weight_map":[]})");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-index"});
  in = InspectBytes(SafetensorsIndexFormat(), R"({"weight_map":{"a":1}})");
  EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-index"});
  EXPECT_EQ(test::InspectEveryPrefix(SafetensorsIndexFormat(), R"({"weight_map":{"a":"b"}})"), 24);
}

}  // namespace
}  // namespace mv::formats::safetensors
