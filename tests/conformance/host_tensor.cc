#include "tests/conformance/host_tensor.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

namespace mv::conformance {
namespace {

using onnx::TensorProto;

const std::map<int, std::string>& OipNames() {
  static const auto* names = new std::map<int, std::string>{
      {TensorProto::FLOAT, "FP32"},    {TensorProto::DOUBLE, "FP64"},
      {TensorProto::FLOAT16, "FP16"},  {TensorProto::BFLOAT16, "BF16"},
      {TensorProto::INT8, "INT8"},     {TensorProto::INT16, "INT16"},
      {TensorProto::INT32, "INT32"},   {TensorProto::INT64, "INT64"},
      {TensorProto::UINT8, "UINT8"},   {TensorProto::UINT16, "UINT16"},
      {TensorProto::UINT32, "UINT32"}, {TensorProto::UINT64, "UINT64"},
      {TensorProto::BOOL, "BOOL"},     {TensorProto::STRING, "BYTES"},
  };
  return *names;
}

template <typename T>
void AppendLe(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));  // x86-64 and aarch64 are little-endian
  out.append(bytes, sizeof(T));
}

// The typed repeated field of `p` that holds its elements, appended as `size` bytes each.
Status AppendTypedFields(const TensorProto& p, size_t size, std::string& out) {
  switch (p.data_type()) {
    case TensorProto::FLOAT:
      for (float v : p.float_data()) AppendLe(out, v);
      return Status::Ok();
    case TensorProto::DOUBLE:
      for (double v : p.double_data()) AppendLe(out, v);
      return Status::Ok();
    case TensorProto::INT64:
      for (int64_t v : p.int64_data()) AppendLe(out, v);
      return Status::Ok();
    case TensorProto::UINT32:
      for (uint64_t v : p.uint64_data()) AppendLe(out, static_cast<uint32_t>(v));
      return Status::Ok();
    case TensorProto::UINT64:
      for (uint64_t v : p.uint64_data()) AppendLe(out, v);
      return Status::Ok();
    default:
      break;
  }
  // int32_data carries the 8-, 16- and 32-bit types, FP16 and BF16 as their bit patterns.
  for (int32_t v : p.int32_data()) {
    if (p.data_type() == TensorProto::BOOL && v != 0) v = 1;
    const auto u = static_cast<uint32_t>(v);
    out.append(reinterpret_cast<const char*>(&u), size);
  }
  return Status::Ok();
}

std::string Index(const std::vector<int64_t>& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
  std::string out = "[";
  for (size_t d = 0; d < idx.size(); ++d) out += (d ? "," : "") + std::to_string(idx[d]);
  return out + "]";
}

bool IsFloat(const std::string& datatype) {
  return datatype == "FP16" || datatype == "BF16" || datatype == "FP32" || datatype == "FP64";
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

// Element i as text, for the diff.
std::string ElementText(const HostTensor& t, int64_t i) {
  if (t.datatype == "BYTES") return "\"" + t.strings[static_cast<size_t>(i)] + "\"";
  if (IsFloat(t.datatype)) return Num(FloatAt(t, i));
  const size_t size = DatatypeSize(t.datatype);
  uint64_t bits = 0;
  std::memcpy(&bits, t.data.data() + static_cast<size_t>(i) * size, size);
  if (t.datatype[0] == 'I' && size < 8 && (bits >> (size * 8 - 1)) != 0) {
    bits |= ~uint64_t{0} << (size * 8);  // sign-extend
  }
  return t.datatype[0] == 'I' ? std::to_string(static_cast<int64_t>(bits)) : std::to_string(bits);
}

bool ElementEqual(const HostTensor& e, const HostTensor& a, int64_t i, const Tolerance& tol) {
  if (e.datatype == "BYTES") return e.strings[static_cast<size_t>(i)] == a.strings[i];
  if (!IsFloat(e.datatype)) {
    const size_t size = DatatypeSize(e.datatype);
    return std::memcmp(e.data.data() + i * size, a.data.data() + i * size, size) == 0;
  }
  const double want = FloatAt(e, i);
  const double got = FloatAt(a, i);
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want) || std::isinf(got)) return want == got;
  return std::fabs(got - want) <= tol.atol + tol.rtol * std::fabs(want);
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

int64_t HostTensor::ElementCount() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string OipDatatype(int onnx_elem_type) {
  auto it = OipNames().find(onnx_elem_type);
  return it == OipNames().end() ? "" : it->second;
}

size_t DatatypeSize(const std::string& datatype) {
  static const auto* sizes = new std::map<std::string, size_t>{
      {"BOOL", 1},  {"INT8", 1},   {"UINT8", 1}, {"INT16", 2},  {"UINT16", 2},
      {"FP16", 2},  {"BF16", 2},   {"INT32", 4}, {"UINT32", 4}, {"FP32", 4},
      {"INT64", 8}, {"UINT64", 8}, {"FP64", 8}};
  auto it = sizes->find(datatype);
  return it == sizes->end() ? 0 : it->second;
}

Result<HostTensor> FromTensorProto(const TensorProto& p, const std::string& name) {
  HostTensor t;
  t.name = name;
  t.datatype = OipDatatype(p.data_type());
  if (t.datatype.empty()) {
    return InvalidArgument("tensor '" + name + "' has ONNX type " +
                           TensorProto::DataType_Name(p.data_type()) + ", which OIP cannot carry");
  }
  if (p.data_location() == TensorProto::EXTERNAL) {
    return InvalidArgument("tensor '" + name + "' uses external data");
  }
  t.shape.assign(p.dims().begin(), p.dims().end());
  for (int64_t d : t.shape) {
    if (d < 0) return InvalidArgument("tensor '" + name + "' has a negative dim");
  }
  const int64_t count = t.ElementCount();
  if (t.datatype == "BYTES") {
    t.strings.assign(p.string_data().begin(), p.string_data().end());
    if (static_cast<int64_t>(t.strings.size()) != count) {
      return InvalidArgument("tensor '" + name + "' has " + std::to_string(t.strings.size()) +
                             " strings for " + std::to_string(count) + " elements");
    }
    return t;
  }
  const size_t size = DatatypeSize(t.datatype);
  if (p.has_raw_data()) {
    t.data = p.raw_data();
  } else {
    RETURN_IF_ERROR(AppendTypedFields(p, size, t.data));
  }
  if (t.data.size() != static_cast<size_t>(count) * size) {
    return InvalidArgument("tensor '" + name + "' has " + std::to_string(t.data.size()) +
                           " bytes for " + std::to_string(count) + " elements of " + t.datatype);
  }
  return t;
}

double FloatAt(const HostTensor& t, int64_t i) {
  const char* p = t.data.data() + static_cast<size_t>(i) * DatatypeSize(t.datatype);
  if (t.datatype == "FP64") {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  if (t.datatype == "FP32") {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint16_t h;
  std::memcpy(&h, p, 2);
  if (t.datatype == "BF16") {
    const uint32_t bits = uint32_t{h} << 16;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (exp == 0) return sign * std::ldexp(mant, -24);
  if (exp == 31) return mant ? std::nan("") : sign * INFINITY;
  return sign * std::ldexp(mant + 1024, exp - 25);
}

std::string Describe(const HostTensor& t) { return t.datatype + " " + ShapeText(t.shape); }

std::string Compare(const HostTensor& e, const HostTensor& a, const Tolerance& tol) {
  const std::string head = "output '" + e.name + "': ";
  if (a.datatype != e.datatype || a.shape != e.shape) {
    return head + "got " + Describe(a) + ", expected " + Describe(e);
  }
  const int64_t count = e.ElementCount();
  int64_t bad = 0;
  std::string lines;
  for (int64_t i = 0; i < count; ++i) {
    if (ElementEqual(e, a, i, tol)) continue;
    if (++bad <= 3) {
      lines += "\n    at " + Index(e.shape, i) + ": got " + ElementText(a, i) + ", expected " +
               ElementText(e, i);
    }
  }
  if (bad == 0) return "";
  std::string rule = IsFloat(e.datatype)
                         ? " (rtol " + Num(tol.rtol) + ", atol " + Num(tol.atol) + ")"
                         : " (exact)";
  return head + std::to_string(bad) + " of " + std::to_string(count) + " elements of " +
         Describe(e) + " differ" + rule + lines;
}

}  // namespace mv::conformance
