// The header of a .npy file (numpy's format, versions 1.0, 2.0 and 3.0): magic, version,
// header length and a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3)}. Parsed without evaluating anything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace mv::formats::npy {

// Headers above this are refused (numpy itself writes a few hundred bytes).
inline constexpr int64_t kMaxNpyHeaderBytes = 1 << 20;

struct NpyHeader {
  int major = 0;
  int minor = 0;
  int64_t data_offset = 0;  // where the array data starts
  std::string descr;        // "<f4", "|O", or the text of a structured dtype list
  bool structured = false;  // descr was a list of fields: item size not computed
  bool fortran_order = false;
  std::vector<int64_t> shape;
  int64_t item_size = 0;   // bytes per element; 0 when unknown
  bool object = false;     // holds Python objects: loading needs pickle
  std::string dtype_name;  // "float32", "int64", "object", ... or "" when unknown
};

// How many leading bytes ParseNpyHeader needs to learn the header's length (magic,
// version, length field). The length field ends at 10 (v1) or 12 (v2, v3).
inline constexpr size_t kNpyPreambleBytes = 12;

// Total header size (preamble + dict) from the first kNpyPreambleBytes, i.e. how many
// bytes ParseNpyHeader needs. InvalidArgument for a bad magic, unknown version or a header
// longer than kMaxNpyHeaderBytes; OutOfRange when `prefix` is too short to tell.
Result<int64_t> NpyHeaderSize(std::string_view prefix);

// Parses a whole header (at least NpyHeaderSize bytes). InvalidArgument, naming the
// problem, for anything malformed; OutOfRange when `bytes` is too short.
Result<NpyHeader> ParseNpyHeader(std::string_view bytes);

// Elements in `shape`; -1 when the product overflows int64 or a dim is negative.
int64_t ElementCount(const std::vector<int64_t>& shape);

}  // namespace mv::formats::npy
