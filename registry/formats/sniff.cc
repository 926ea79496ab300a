#include "registry/formats/sniff.h"

#include <cstdint>

namespace mv::formats {
namespace {

uint64_t ReadLe64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// ModelProto starts with ir_version (field 1, varint: tag 0x08, IR 1..12) followed by
// another known top-level field tag (producer, domain, graph, opset_import, ...).
bool LooksLikeOnnx(std::string_view h) {
  if (h.size() < 3 || static_cast<uint8_t>(h[0]) != 0x08) return false;
  uint8_t ir = static_cast<uint8_t>(h[1]);
  if (ir < 1 || ir > 15) return false;
  switch (static_cast<uint8_t>(h[2])) {
    case 0x12: case 0x1a: case 0x22: case 0x28: case 0x32: case 0x3a: case 0x42:
    case 0x72: case 0x7a:
      return true;
    default:
      return false;
  }
}

std::string SniffZip(std::string_view h) {
  // Entry names sit in the local headers; torch puts data.pkl first and TorchScript adds
  // code/ and constants.pkl. A zip of .npy files is numpy's npz.
  if (h.find("/constants.pkl") != std::string_view::npos ||
      h.find("/code/") != std::string_view::npos) {
    return "torchscript";
  }
  if (h.find("data.pkl") != std::string_view::npos) return "torch-state-dict";
  if (h.size() >= 30) {
    uint16_t n = static_cast<uint8_t>(h[26]) | (static_cast<uint8_t>(h[27]) << 8);
    if (30 + static_cast<size_t>(n) <= h.size()) {
      std::string_view first = h.substr(30, n);
      if (first.size() > 4 && first.substr(first.size() - 4) == ".npy") return "npz";
    }
  }
  return "zip";
}

}  // namespace

std::string SniffKind(std::string_view head, int64_t size) {
  if (StartsWith(head, "\x93NUMPY")) return "npy";
  if (StartsWith(head, "PK\x03\x04")) return SniffZip(head);
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80 &&
      static_cast<uint8_t>(head[1]) >= 2 && static_cast<uint8_t>(head[1]) <= 5) {
    return "pickle";
  }
  if (head.size() >= 10 && size > 8) {
    uint64_t n = ReadLe64(head);
    if (n >= 2 && n <= static_cast<uint64_t>(size - 8) && head[8] == '{') return "safetensors";
  }
  if (LooksLikeOnnx(head)) return "onnx";
  return "other";
}

}  // namespace mv::formats
