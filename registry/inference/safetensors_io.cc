#include "registry/inference/safetensors_io.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "util/json_read.h"
#include "util/json_escape.h"

namespace mv::inference {
namespace {

using Json = nlohmann::ordered_json;

struct StDType {
  DType dtype;
  const char* name;
};

constexpr std::array<StDType, 13> kStDTypes = {{
    {DType::kBool, "BOOL"},
    {DType::kUint8, "U8"},
    {DType::kInt8, "I8"},
    {DType::kUint16, "U16"},
    {DType::kInt16, "I16"},
    {DType::kUint32, "U32"},
    {DType::kInt32, "I32"},
    {DType::kUint64, "U64"},
    {DType::kInt64, "I64"},
    {DType::kFloat16, "F16"},
    {DType::kBFloat16, "BF16"},
    {DType::kFloat32, "F32"},
    {DType::kFloat64, "F64"},
}};

struct Span {
  int64_t begin = 0;
  int64_t end = 0;
  size_t index = 0;
};

// Bytes the tensor's shape needs; nullopt on a negative dim or an overflow.
std::optional<int64_t> NeededBytes(const Tensor& t) {
  const std::optional<int64_t> count = t.ElementCount();
  const auto size = static_cast<int64_t>(DTypeSize(t.dtype));
  if (!count || size == 0 || *count > INT64_MAX / size) return std::nullopt;
  return *count * size;
}

// The member `key` of an object entry, or null.
const Json* Member(const Json& v, const char* key) {
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

Result<Tensor> HeaderTensor(const std::string& name, const Json& v, int64_t data_size,
                            Span& span) {
  const std::string where = "safetensors tensor \"" + name.substr(0, 128) + "\"";
  const Json* dtype = v.is_object() ? Member(v, "dtype") : nullptr;
  const Json* shape = v.is_object() ? Member(v, "shape") : nullptr;
  const Json* offsets = v.is_object() ? Member(v, "data_offsets") : nullptr;
  if (!dtype || !dtype->is_string() || !shape || !shape->is_array() || !offsets ||
      !offsets->is_array() || offsets->size() != 2) {
    return InvalidArgument(where + " needs \"dtype\", \"shape\" and two \"data_offsets\"");
  }
  const std::string& dtype_name = dtype->get_ref<const std::string&>();
  const auto* known = std::find_if(kStDTypes.begin(), kStDTypes.end(),
                                   [&](const StDType& d) { return dtype_name == d.name; });
  if (known == kStDTypes.end()) {
    return InvalidArgument(where + " has dtype \"" + dtype_name.substr(0, 32) +
                           "\", not one of BOOL, U8..U64, I8..I64, F16, BF16, F32, F64");
  }
  Tensor t;
  t.name = name;
  t.dtype = known->dtype;
  for (const Json& d : *shape) {
    const std::optional<int64_t> dim = util::JsonInt64(d);
    if (!dim || *dim < 0) return InvalidArgument(where + ": dims must be integers >= 0");
    t.shape.push_back(*dim);
  }
  const std::optional<int64_t> b = util::JsonInt64((*offsets)[0]);
  const std::optional<int64_t> e = util::JsonInt64((*offsets)[1]);
  if (!b || !e || *b < 0 || *e < *b || *e > data_size) {
    return InvalidArgument(where + ": data_offsets must be [begin, end] within the " +
                           std::to_string(data_size) + " data bytes");
  }
  const std::optional<int64_t> need = NeededBytes(t);
  if (!need || *need != *e - *b) {
    return InvalidArgument(where + ": " + std::to_string(*e - *b) +
                           " data bytes do not match its dtype and shape");
  }
  span.begin = *b;
  span.end = *e;
  return t;
}

// Sorts `spans` by offset and checks they tile [0, data_size) exactly.
Status CheckCoverage(std::vector<Span>& spans, int64_t data_size) {
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
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

const char* SafetensorsDTypeName(DType t) {
  for (const StDType& d : kStDTypes) {
    if (d.dtype == t) return d.name;
  }
  return nullptr;
}

Result<std::vector<Tensor>> DecodeSafetensors(std::string_view bytes,
                                              const SafetensorsLimits& limits) {
  if (bytes.size() < 8) return InvalidArgument("too short for a safetensors file");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  if (n > bytes.size() - 8) {
    return InvalidArgument("the safetensors header length runs past the end of the file");
  }
  if (n > static_cast<uint64_t>(limits.max_header_bytes)) {
    return ResourceExhausted("the safetensors header is larger than " +
                             std::to_string(limits.max_header_bytes) + " bytes");
  }
  util::JsonReadLimits json_limits;
  json_limits.max_depth = 8;
  json_limits.max_values = static_cast<int64_t>(limits.max_tensors) * 80 + 1024;
  json_limits.reject_duplicate_keys = true;
  json_limits.what = "the safetensors header";
  auto header = util::ReadOrderedJson(bytes.substr(8, n), json_limits);
  if (!header.ok()) return header.status();
  if (!header->is_object()) {
    return InvalidArgument("the safetensors header is not a JSON object");
  }
  const std::string_view data = bytes.substr(8 + n);
  std::vector<Tensor> parsed;
  std::vector<Span> spans;
  for (const auto& [name, value] : header->items()) {
    if (name == "__metadata__") continue;
    if (parsed.size() == limits.max_tensors) {
      return ResourceExhausted("more than " + std::to_string(limits.max_tensors) + " tensors");
    }
    Span span{0, 0, parsed.size()};
    ASSIGN_OR_RETURN(Tensor t, HeaderTensor(name, value, static_cast<int64_t>(data.size()), span));
    parsed.push_back(std::move(t));
    spans.push_back(span);
  }
  RETURN_IF_ERROR(CheckCoverage(spans, static_cast<int64_t>(data.size())));
  for (const Span& s : spans) {
    parsed[s.index].data.assign(
        data.substr(static_cast<size_t>(s.begin), static_cast<size_t>(s.end - s.begin)));
  }
  return parsed;
}

Result<std::string> EncodeSafetensors(const std::vector<Tensor>& tensors) {
  std::string header = "{";
  std::vector<const std::string*> names;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    const char* dtype = SafetensorsDTypeName(t.dtype);
    if (dtype == nullptr) {
      return InvalidArgument("tensor \"" + t.name + "\" is BYTES, which safetensors cannot hold");
    }
    const bool repeated =
        std::any_of(names.begin(), names.end(), [&](const std::string* n) { return *n == t.name; });
    if (t.name.empty() || t.name == "__metadata__" || repeated) {
      return InvalidArgument("tensor name \"" + t.name + "\" is empty, reserved or repeated");
    }
    names.push_back(&t.name);
    const std::optional<int64_t> need = NeededBytes(t);
    if (!need || *need != static_cast<int64_t>(t.data.size())) {
      return InvalidArgument("tensor \"" + t.name + "\": " + std::to_string(t.data.size()) +
                             " data bytes do not match its dtype and shape");
    }
    if (header.size() > 1) header += ',';
    util::AppendJsonString(header, t.name);
    header += std::string(":{\"dtype\":\"") + dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      header += (i > 0 ? "," : "") + std::to_string(t.shape[i]);
    }
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + *need) + "]}";
    offset += *need;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out.reserve(8 + header.size() + static_cast<size_t>(offset));
  out += header;
  for (const Tensor& t : tensors) out += t.data;
  return out;
}

}  // namespace mv::inference
