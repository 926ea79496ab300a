#include "registry/formats/sniff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace mv::formats {
namespace {

using namespace std::string_literals;

std::string Sniff(const std::string& bytes) {
  return SniffKind(bytes, static_cast<int64_t>(bytes.size()));
}

void PutLe16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>(v >> 8));
}

// A zip local file header (APPNOTE 4.3.7) for `name`, with no extra field, followed by
// `data` as the stored entry.
std::string ZipEntry(const std::string& name, const std::string& data = "x") {
  std::string h = "PK\x03\x04"s;
  PutLe16(&h, 20);            // version needed
  PutLe16(&h, 0);             // flags
  PutLe16(&h, 0);             // method: stored
  PutLe16(&h, 0);             // time
  PutLe16(&h, 0);             // date
  h += std::string(4, '\0');  // crc-32 (not checked by the sniffer)
  h += std::string(4, '\0');  // compressed size
  h += std::string(4, '\0');  // uncompressed size
  PutLe16(&h, static_cast<uint16_t>(name.size()));
  PutLe16(&h, 0);  // extra length
  return h + name + data;
}

// safetensors: u64 little-endian header length, the JSON header, then tensor bytes.
std::string Safetensors(const std::string& header, size_t data_bytes) {
  std::string s;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s + header + std::string(data_bytes, '\0');
}

TEST(SniffKindTest, NumpyMagic) {
  EXPECT_EQ(Sniff("\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', }"s), "npy");
  EXPECT_EQ(Sniff("\x93NUMP"s), "other");  // truncated magic
}

TEST(SniffKindTest, ZipLocalHeaderWithTorchEntries) {
  EXPECT_EQ(ZipEntry("archive/data.pkl").substr(26, 2), "\x10\x00"s);  // the helper's layout
  EXPECT_EQ(Sniff(ZipEntry("archive/data.pkl")), "torch-state-dict");
  EXPECT_EQ(Sniff(ZipEntry("resnet18/data.pkl")), "torch-state-dict");
  EXPECT_EQ(Sniff(ZipEntry("archive/constants.pkl")), "torchscript");
  EXPECT_EQ(Sniff(ZipEntry("archive/code/__torch__/model.py")), "torchscript");
  // TorchScript archives hold data.pkl as well; constants.pkl decides.
  EXPECT_EQ(Sniff(ZipEntry("archive/data.pkl") + ZipEntry("archive/constants.pkl")), "torchscript");
}

TEST(SniffKindTest, ZipOfNpyFilesIsNpz) {
  EXPECT_EQ(Sniff(ZipEntry("x.npy", "\x93NUMPY"s)), "npz");
  EXPECT_EQ(Sniff(ZipEntry("weights/layer0.npy")), "npz");
  EXPECT_EQ(Sniff(ZipEntry(".npy")), "zip");  // nothing before the extension
  EXPECT_EQ(Sniff(ZipEntry("x.npz")), "zip");
}

TEST(SniffKindTest, OtherZipsAreZip) {
  EXPECT_EQ(Sniff(ZipEntry("readme.txt")), "zip");
  EXPECT_EQ(Sniff("PK\x03\x04"s), "zip");  // header too short to hold a name
  // Name length pointing past the bytes seen: no out-of-bounds read, just "zip".
  std::string truncated = ZipEntry("x.npy").substr(0, 32);
  EXPECT_EQ(Sniff(truncated), "zip");
}

TEST(SniffKindTest, PickleProtocols2To5) {
  EXPECT_EQ(Sniff("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}"s), "pickle");
  EXPECT_EQ(Sniff("\x80\x02}q\x00."s), "pickle");
  EXPECT_EQ(Sniff("\x80\x05"s), "pickle");
  EXPECT_EQ(Sniff("\x80\x01"s), "other");
  EXPECT_EQ(Sniff("\x80\x06"s), "other");
  EXPECT_EQ(Sniff("\x80"s), "other");
}

TEST(SniffKindTest, SafetensorsHeader) {
  const std::string header =
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{}})";
  EXPECT_EQ(Sniff(Safetensors(header, 8)), "safetensors");
  EXPECT_EQ(Sniff(Safetensors("{}", 0)), "safetensors");
  // Only the head is passed; the full size comes separately.
  std::string big = Safetensors(header, 0);
  EXPECT_EQ(SniffKind(big, static_cast<int64_t>(big.size()) + (1 << 20)), "safetensors");
}

TEST(SniffKindTest, SafetensorsLookalikesAreRejected) {
  const std::string header = R"({"w":{}})";
  std::string s = Safetensors(header, 0);
  // Header length larger than the file.
  EXPECT_EQ(SniffKind(s, static_cast<int64_t>(s.size()) - 1), "other");
  // JSON must start right after the length.
  std::string not_json = Safetensors("[1,2,3,4]", 0);
  EXPECT_EQ(Sniff(not_json), "other");
  // A header length under 2 cannot hold "{}".
  std::string tiny = std::string("\x01\x00\x00\x00\x00\x00\x00\x00{ "s);
  EXPECT_EQ(Sniff(tiny), "other");
}

TEST(SniffKindTest, OnnxModelProtoPrefix) {
  // ir_version (field 1 varint) = 7, then producer_name (field 2, length-delimited).
  EXPECT_EQ(Sniff("\x08\x07\x12\x07pytorch\x1a\x05"
                  "2.1.0"s),
            "onnx");
  EXPECT_EQ(Sniff("\x08\x08\x3a\x10"s), "onnx");   // ir 8, then graph (field 7)
  EXPECT_EQ(Sniff("\x08\x09\x42\x04"s), "onnx");   // ir 9, then opset_import (field 8)
  EXPECT_EQ(Sniff("\x08\x00\x12\x00"s), "other");  // ir_version 0 does not exist
  EXPECT_EQ(Sniff("\x08\x10\x12\x00"s), "other");  // ir_version 16 is beyond the range
  EXPECT_EQ(Sniff("\x08\x07\x99\x00"s), "other");  // unknown next field
  EXPECT_EQ(Sniff("\x08\x07"s), "other");          // too short
}

TEST(SniffKindTest, AnythingElseIsOther) {
  EXPECT_EQ(Sniff(""), "other");
  EXPECT_EQ(SniffKind("", 0), "other");
  EXPECT_EQ(Sniff("hello, world\n"), "other");
  EXPECT_EQ(Sniff("{\"json\": true}"), "other");
  EXPECT_EQ(Sniff(std::string(100, '\0')), "other");
}

}  // namespace
}  // namespace mv::formats
