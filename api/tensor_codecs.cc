#include "api/tensor_codecs.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "registry/formats/npy/npy_header.h"
#include "registry/formats/safetensors/json_lite.h"
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

struct StDtype {
  const char* name;
  DType dtype;
};
constexpr StDtype kStDtypes[] = {
    {"BOOL", DType::kBool},   {"U8", DType::kUint8},      {"I8", DType::kInt8},
    {"I16", DType::kInt16},   {"U16", DType::kUint16},    {"I32", DType::kInt32},
    {"U32", DType::kUint32},  {"I64", DType::kInt64},     {"U64", DType::kUint64},
    {"F16", DType::kFloat16}, {"BF16", DType::kBFloat16}, {"F32", DType::kFloat32},
    {"F64", DType::kFloat64}};

using formats::safetensors::JsonValue;

struct Span {
  int64_t begin, end;
  size_t index;
};

// One header entry -> a tensor without data, and its span.
Result<Tensor> HeaderTensor(const std::string& name, const JsonValue& v, int64_t data_size,
                            Span& span) {
  const std::string where = "safetensors tensor \"" + name.substr(0, 128) + "\"";
  const JsonValue* dtype = v.Find("dtype");
  const JsonValue* shape = v.Find("shape");
  const JsonValue* offsets = v.Find("data_offsets");
  if (v.type != JsonValue::Type::kObject || !dtype || dtype->type != JsonValue::Type::kString ||
      !shape || shape->type != JsonValue::Type::kArray || !offsets ||
      offsets->type != JsonValue::Type::kArray || offsets->array.size() != 2) {
    return InvalidArgument(where + " needs \"dtype\", \"shape\" and two \"data_offsets\"");
  }
  Tensor t;
  t.name = name;
  const auto* known = std::find_if(std::begin(kStDtypes), std::end(kStDtypes),
                                   [&](const StDtype& d) { return dtype->string == d.name; });
  if (known == std::end(kStDtypes)) {
    return InvalidArgument(where + " has dtype '" + dtype->string.substr(0, 32) + "', not one of " +
                           "BOOL, U8..U64, I8..I64, F16, BF16, F32, F64");
  }
  t.dtype = known->dtype;
  for (const JsonValue& d : shape->array) {
    if (!d.is_integer || d.integer < 0)
      return InvalidArgument(where + ": dims must be integers >= 0");
    t.shape.push_back(d.integer);
  }
  const JsonValue& b = offsets->array[0];
  const JsonValue& e = offsets->array[1];
  if (!b.is_integer || !e.is_integer || b.integer < 0 || e.integer < b.integer ||
      e.integer > data_size) {
    return InvalidArgument(where + ": data_offsets must be [begin, end] within the " +
                           std::to_string(data_size) + " data bytes");
  }
  std::optional<int64_t> count = t.ElementCount();
  const auto size = static_cast<int64_t>(DTypeSize(t.dtype));
  if (!count || *count > INT64_MAX / size || *count * size != e.integer - b.integer) {
    return InvalidArgument(where + ": data_offsets span " + std::to_string(e.integer - b.integer) +
                           " bytes, its shape and dtype need a different size");
  }
  span.begin = b.integer;
  span.end = e.integer;
  return t;
}

Status CheckCoverage(std::vector<Span> spans, int64_t data_size) {
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return std::tie(x.begin, x.end) < std::tie(y.begin, y.end);
  });
  int64_t at = 0;
  for (const Span& s : spans) {
    if (s.begin != at) {
      return InvalidArgument(s.begin < at ? "safetensors tensors overlap"
                                          : "safetensors data has a hole between tensors");
    }
    at = s.end;
  }
  if (at != data_size) return InvalidArgument("safetensors data has bytes no tensor covers");
  return Status::Ok();
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

Result<std::vector<Tensor>> DecodeSafetensors(std::string_view bytes,
                                              const TensorCodecLimits& limits) {
  if (bytes.size() < 8) return InvalidArgument("the body is too short for a safetensors file");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  if (n > bytes.size() - 8)
    return InvalidArgument("the safetensors header length runs past the end of the body");
  if (n > static_cast<uint64_t>(limits.max_header_bytes)) {
    return ResourceExhausted("the safetensors header is larger than " +
                             std::to_string(limits.max_header_bytes) + " bytes");
  }
  formats::safetensors::JsonLimits json_limits;
  json_limits.max_depth = 8;
  json_limits.max_values = static_cast<int64_t>(limits.max_tensors) * 80 + 1024;
  auto header = formats::safetensors::ParseJson(bytes.substr(8, n), json_limits);
  if (!header.ok())
    return Status(header.status().code(), "safetensors header: " + header.status().message());
  if (header->type != JsonValue::Type::kObject)
    return InvalidArgument("the safetensors header is not a JSON object");
  const std::string_view data = bytes.substr(8 + n);
  std::vector<Tensor> out;
  std::vector<Span> spans;
  for (const auto& [name, value] : header->object) {
    if (name == "__metadata__") continue;
    if (out.size() == limits.max_tensors) {
      return ResourceExhausted("more than " + std::to_string(limits.max_tensors) + " tensors");
    }
    Span span{0, 0, out.size()};
    ASSIGN_OR_RETURN(Tensor t, HeaderTensor(name, value, static_cast<int64_t>(data.size()), span));
    out.push_back(std::move(t));
    spans.push_back(span);
  }
  RETURN_IF_ERROR(CheckCoverage(spans, static_cast<int64_t>(data.size())));
  for (const Span& s : spans) {
    out[s.index].data.assign(
        data.substr(static_cast<size_t>(s.begin), static_cast<size_t>(s.end - s.begin)));
  }
  return out;
}

Result<std::string> EncodeSafetensors(const std::vector<Tensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (t.dtype == DType::kBytes) {
      return InvalidArgument("tensor \"" + t.name + "\" is BYTES, which safetensors cannot hold");
    }
    if (t.name == "__metadata__" || header.contains(t.name)) {
      return InvalidArgument("tensor name \"" + t.name + "\" is reserved or repeated");
    }
    RETURN_IF_ERROR(CheckedCount(t).status());
    const char* dtype =
        std::find_if(std::begin(kStDtypes), std::end(kStDtypes), [&](const StDtype& d) {
          return d.dtype == t.dtype;
        })->name;
    const auto size = static_cast<int64_t>(t.data.size());
    header[t.name] = {
        {"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  out += text;
  for (const Tensor& t : tensors) out += t.data;
  return out;
}

}  // namespace mv::api
