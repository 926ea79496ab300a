#include "api/tensor_codecs.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "registry/formats/npy/npy_header.h"
#include "registry/inference/float16.h"

namespace mv::api {
namespace {

// numpy pads the header with spaces so that the data starts at a multiple of 64 bytes.
constexpr size_t kArrayAlign = 64;

struct Descr {
  char order = '<';
  char kind = 'f';
  size_t size = 4;
};

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

Status AsInvalid(const Status& st) {
  return st.code() == Code::kInvalidArgument ? st : InvalidArgument(st.message());
}

// "<f4" -> (order, kind, size); InvalidArgument for anything but a simple numeric or
// fixed-width bytes descr that this codec maps to a DType.
Result<DType> DTypeOfDescr(const std::string& descr, size_t& item_size) {
  const std::string refused = "npy dtype '" + descr.substr(0, 64) + "' is not supported; use ";
  if (descr.size() < 3 || std::string_view("<|=>").find(descr[0]) == std::string_view::npos) {
    return InvalidArgument(refused + "bool, int8..int64, uint8..uint64, float16/32/64 or S<n>");
  }
  size_t size = 0;
  for (size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9' || size > 1'000'000) {
      return InvalidArgument(refused + "a simple dtype");
    }
    size = size * 10 + static_cast<size_t>(descr[i] - '0');
  }
  const char kind = descr[1];
  if (descr[0] == '>' && size > 1) return InvalidArgument(refused + "little-endian data");
  item_size = size;
  static const std::map<std::pair<char, size_t>, DType> kTypes = {
      {{'b', 1}, DType::kBool},    {{'i', 1}, DType::kInt8},    {{'i', 2}, DType::kInt16},
      {{'i', 4}, DType::kInt32},   {{'i', 8}, DType::kInt64},   {{'u', 1}, DType::kUint8},
      {{'u', 2}, DType::kUint16},  {{'u', 4}, DType::kUint32},  {{'u', 8}, DType::kUint64},
      {{'f', 2}, DType::kFloat16}, {{'f', 4}, DType::kFloat32}, {{'f', 8}, DType::kFloat64}};
  if (kind == 'S' && size > 0) return DType::kBytes;
  auto it = kTypes.find({kind, size});
  if (it == kTypes.end()) {
    return InvalidArgument(refused + "bool, int8..int64, uint8..uint64, float16/32/64 or S<n>");
  }
  return it->second;
}

std::string NpyDescr(DType t, size_t bytes_width) {
  switch (t) {
    case DType::kBool:
      return "|b1";
    case DType::kInt8:
      return "|i1";
    case DType::kInt16:
      return "<i2";
    case DType::kInt32:
      return "<i4";
    case DType::kInt64:
      return "<i8";
    case DType::kUint8:
      return "|u1";
    case DType::kUint16:
      return "<u2";
    case DType::kUint32:
      return "<u4";
    case DType::kUint64:
      return "<u8";
    case DType::kFloat16:
      return "<f2";
    case DType::kBFloat16:
      return "<f4";  // widened
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat64:
      return "<f8";
    case DType::kBytes:
      return "|S" + std::to_string(bytes_width);
  }
  return "";
}

// Checks that t's data matches its shape; returns the element count.
Result<int64_t> CheckedCount(const Tensor& t) {
  std::optional<int64_t> count = t.ElementCount();
  bool ok = count.has_value();
  if (ok && t.dtype == DType::kBytes) ok = static_cast<int64_t>(t.strings.size()) == *count;
  if (ok && t.dtype != DType::kBytes) {
    ok = static_cast<int64_t>(t.data.size()) == *count * static_cast<int64_t>(DTypeSize(t.dtype));
  }
  if (!ok)
    return InvalidArgument("tensor \"" + t.name + "\" holds data that does not match its shape");
  return *count;
}

std::string NpyPreamble(const std::string& dict) {
  const std::string magic = "\x93NUMPY";
  for (int version = 1; version <= 2; ++version) {
    const size_t len_bytes = version == 1 ? 2 : 4;
    const size_t hlen = dict.size() + 1;
    const size_t pad = kArrayAlign - ((magic.size() + 2 + len_bytes + hlen) % kArrayAlign);
    const size_t total = hlen + pad;
    if (version == 1 && total > 0xffff) continue;
    std::string out = magic;
    out.push_back(static_cast<char>(version));
    out.push_back('\0');
    for (size_t i = 0; i < len_bytes; ++i)
      out.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
    return out + dict + std::string(pad, ' ') + "\n";
  }
  return "";
}

}  // namespace

Result<Tensor> DecodeNpy(std::string_view bytes, const std::string& name) {
  namespace npy = formats::npy;
  if (bytes.size() < npy::kNpyPreambleBytes)
    return InvalidArgument("the body is too short for an npy file");
  auto header_size = npy::NpyHeaderSize(bytes.substr(0, npy::kNpyPreambleBytes));
  if (!header_size.ok()) return AsInvalid(header_size.status());
  if (*header_size > static_cast<int64_t>(bytes.size())) {
    return InvalidArgument("the npy header runs past the end of the body");
  }
  auto h = npy::ParseNpyHeader(bytes.substr(0, static_cast<size_t>(*header_size)));
  if (!h.ok()) return AsInvalid(h.status());
  if (h->fortran_order)
    return InvalidArgument("npy arrays in Fortran order are not supported; save a C-order array");
  if (h->object || h->structured) {
    return InvalidArgument("npy dtype '" + h->descr.substr(0, 64) + "' is not supported");
  }
  size_t item = 0;
  Tensor t;
  t.name = name;
  ASSIGN_OR_RETURN(t.dtype, DTypeOfDescr(h->descr, item));
  t.shape = h->shape;
  std::optional<int64_t> count = t.ElementCount();
  std::string_view data = bytes.substr(static_cast<size_t>(h->data_offset));
  if (!count || *count > INT64_MAX / static_cast<int64_t>(item) ||
      static_cast<int64_t>(data.size()) != *count * static_cast<int64_t>(item)) {
    return InvalidArgument("npy data is " + std::to_string(data.size()) + " bytes; shape " +
                           ShapeText(h->shape) + " of '" + h->descr + "' needs a different size");
  }
  if (t.dtype == DType::kBytes) {
    t.strings.reserve(static_cast<size_t>(*count));
    for (size_t at = 0; at < data.size(); at += item) {
      std::string_view s = data.substr(at, item);
      s = s.substr(0, s.find_last_not_of('\0') + 1);
      t.strings.emplace_back(s);
    }
    return t;
  }
  if (t.dtype == DType::kBool &&
      std::any_of(data.begin(), data.end(), [](char c) { return c != 0 && c != 1; })) {
    return InvalidArgument("npy bool data holds bytes other than 0 and 1");
  }
  t.data.assign(data.data(), data.size());
  return t;
}

Result<std::string> EncodeNpy(const Tensor& t) {
  ASSIGN_OR_RETURN(int64_t count, CheckedCount(t));
  size_t width = 1;
  for (const std::string& s : t.strings) width = std::max(width, s.size());
  std::string dict = "{'descr': '" + NpyDescr(t.dtype, width) +
                     "', 'fortran_order': False, 'shape': " + ShapeText(t.shape) + ", }";
  std::string out = NpyPreamble(dict);
  if (t.dtype == DType::kBytes) {
    for (const std::string& s : t.strings) out += s + std::string(width - s.size(), '\0');
  } else if (t.dtype == DType::kBFloat16) {
    for (int64_t i = 0; i < count; ++i) {
      uint16_t b;
      std::memcpy(&b, t.data.data() + 2 * i, 2);
      const float f = inference::BFloat16ToFloat(b);
      out.append(reinterpret_cast<const char*>(&f), sizeof f);
    }
  } else {
    out += t.data;
  }
  return out;
}

}  // namespace mv::api
