// The registry's one safetensors codec: exact bytes out, every dtype round-trips, header order
// is kept, and malformed or oversized files are refused with a reason.
#include "registry/inference/safetensors_io.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace mv::inference {
namespace {

Tensor Make(const std::string& name, DType dtype, std::vector<int64_t> shape, std::string data) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = std::move(data);
  return t;
}

// A file from a header text and data, the length prefix written little-endian.
std::string File(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

bool Refused(const Status& s, Code code, const std::string& part) {
  return !s.ok() && s.code() == code && s.message().find(part) != std::string::npos;
}

TEST(SafetensorsIoTest, EncodesExactBytes) {
  auto bytes = EncodeSafetensors(
      {Make("b", DType::kFloat32, {2}, std::string(8, '\1')), Make("a", DType::kBool, {}, "\1")});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string header = R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("a":{"dtype":"BOOL","shape":[],"data_offsets":[8,9]}})";
  const std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(*bytes, File(padded, std::string(8, '\1') + "\1"));
  EXPECT_EQ(padded.size() % 8, 0u);
}

TEST(SafetensorsIoTest, EveryDtypeRoundTripsInDataOrder) {
  const std::vector<DType> all = {
      DType::kBool,     DType::kInt8,    DType::kInt16,  DType::kInt32,  DType::kInt64,
      DType::kUint8,    DType::kUint16,  DType::kUint32, DType::kUint64, DType::kFloat16,
      DType::kBFloat16, DType::kFloat32, DType::kFloat64};
  std::vector<Tensor> in;
  for (size_t i = 0; i < all.size(); ++i) {
    // Names in reverse alphabetical order: the decoder must keep the data order.
    const std::string name = std::string(1, static_cast<char>('z' - i)) + "\"q\\\n";
    const size_t size = DTypeSize(all[i]);
    std::string data(3 * size, '\0');
    for (size_t b = 0; b < data.size(); ++b)
      data[b] = static_cast<char>(all[i] == DType::kBool ? 1 : b + i);
    in.push_back(Make(name, all[i], {3, 1}, data));
  }
  in.push_back(Make("empty", DType::kFloat32, {0, 4}, ""));
  auto bytes = EncodeSafetensors(in);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto out = DecodeSafetensors(*bytes);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].name, in[i].name);
    EXPECT_EQ((*out)[i].dtype, in[i].dtype) << in[i].name;
    EXPECT_EQ((*out)[i].shape, in[i].shape) << in[i].name;
    EXPECT_EQ((*out)[i].data, in[i].data) << in[i].name;
  }
}

TEST(SafetensorsIoTest, DecodesFilesOfOtherWritersAndIgnoresMetadata) {
  // As the Python library writes: keys sorted, "__metadata__" first, offsets by key.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}  )";
  auto out = DecodeSafetensors(File(header, std::string(8, '\7') + "\1\2\3\4"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].name, "a");
  EXPECT_EQ((*out)[0].data, std::string(8, '\7'));
  EXPECT_EQ((*out)[1].dtype, DType::kFloat16);
  EXPECT_EQ((*out)[1].data, "\1\2\3\4");
}

TEST(SafetensorsIoTest, MalformedFilesAreRefusedWithAReason) {
  const auto refused = [](const std::string& entry, const std::string& data) {
    return DecodeSafetensors(File(R"({"t":)" + entry + "}", data)).status();
  };
  const Code bad = Code::kInvalidArgument;
  EXPECT_TRUE(Refused(DecodeSafetensors("short").status(), bad, "too short"));
  EXPECT_TRUE(
      Refused(DecodeSafetensors(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10)).status(),
              bad, "past the end"));
  EXPECT_TRUE(Refused(DecodeSafetensors(File("[1]", "")).status(), bad, "not a JSON object"));
  EXPECT_TRUE(Refused(DecodeSafetensors(File("{\"t\":", "")).status(), bad, "header"));
  EXPECT_TRUE(
      Refused(refused(R"({"dtype":"C64","shape":[1],"data_offsets":[0,8]})", std::string(8, '\0')),
              bad, "C64"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})", "abcd"), bad,
                      "dims"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})", "abcd"), bad,
                      "do not match"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})", "abcdefgh"),
                      bad, "hole"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", "abcdefgh"),
                      bad, "no tensor covers"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[1],"data_offsets":[0,40]})", "abcd"), bad,
                      "within"));
  EXPECT_TRUE(Refused(refused(R"({"dtype":"F32","shape":[1]})", "abcd"), bad, "data_offsets"));
  const std::string overlap = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})";
  EXPECT_TRUE(Refused(DecodeSafetensors(File(overlap, "abcd")).status(), bad, "overlap"));
  const std::string huge_dims =
      R"({"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})";
  EXPECT_TRUE(
      Refused(DecodeSafetensors(File(huge_dims, "abcdefgh")).status(), bad, "do not match"));
}

TEST(SafetensorsIoTest, LimitsAreResourceExhausted) {
  SafetensorsLimits small;
  small.max_tensors = 2;
  std::vector<Tensor> three;
  for (const char* n : {"a", "b", "c"}) three.push_back(Make(n, DType::kUint8, {1}, "x"));
  auto bytes = EncodeSafetensors(three);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(Refused(DecodeSafetensors(*bytes, small).status(), Code::kResourceExhausted,
                      "more than 2 tensors"));
  small.max_header_bytes = 16;
  EXPECT_TRUE(Refused(DecodeSafetensors(*bytes, small).status(), Code::kResourceExhausted,
                      "larger than 16 bytes"));
}

TEST(SafetensorsIoTest, EncodeRefusesWhatSafetensorsCannotHold) {
  Tensor s = Make("s", DType::kBytes, {1}, "");
  s.strings = {"text"};
  EXPECT_TRUE(Refused(EncodeSafetensors({s}).status(), Code::kInvalidArgument, "BYTES"));
  const Tensor y = Make("y", DType::kFloat32, {1}, "abcd");
  EXPECT_TRUE(Refused(EncodeSafetensors({y, y}).status(), Code::kInvalidArgument, "repeated"));
  EXPECT_TRUE(Refused(EncodeSafetensors({Make("__metadata__", DType::kUint8, {1}, "x")}).status(),
                      Code::kInvalidArgument, "reserved"));
  EXPECT_TRUE(Refused(EncodeSafetensors({Make("", DType::kUint8, {1}, "x")}).status(),
                      Code::kInvalidArgument, "empty"));
  EXPECT_TRUE(Refused(EncodeSafetensors({Make("y", DType::kFloat32, {2}, "abcd")}).status(),
                      Code::kInvalidArgument, "do not match"));
  EXPECT_STREQ(SafetensorsDTypeName(DType::kBFloat16), "BF16");
  EXPECT_EQ(SafetensorsDTypeName(DType::kBytes), nullptr);
}

TEST(SafetensorsIoTest, DecodesInHeaderOrderAndRefusesRepeatedNames) {
  // Data laid out x, w, b; the header names w, b, x: the header's order is kept.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[2],"data_offsets":[4,8]},)"
      R"("b":{"dtype":"BOOL","shape":[],"data_offsets":[8,9]},)"
      R"("x":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}})";
  auto out = DecodeSafetensors(File(header, "XXXXWWWW\1"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].name, "w");
  EXPECT_EQ((*out)[0].data, "WWWW");
  EXPECT_EQ((*out)[1].name, "b");
  EXPECT_TRUE((*out)[1].shape.empty());
  EXPECT_EQ((*out)[2].name, "x");
  EXPECT_EQ((*out)[2].data, "XXXX");
  const std::string twice = R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                            R"("t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  EXPECT_TRUE(Refused(DecodeSafetensors(File(twice, "a")).status(), Code::kInvalidArgument,
                      "repeats the key \"t\""));
}

}  // namespace
}  // namespace mv::inference
