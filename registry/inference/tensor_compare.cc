#include "registry/inference/tensor_compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "registry/inference/float16.h"

namespace mv::inference {
namespace {

template <typename T>
T Load(const std::string& data, int64_t i) {
  T v;
  std::memcpy(&v, data.data() + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

bool SizesMatch(const Tensor& t, int64_t n) {
  if (t.dtype == DType::kBytes) return static_cast<int64_t>(t.strings.size()) == n;
  return static_cast<int64_t>(t.data.size()) == n * static_cast<int64_t>(DTypeSize(t.dtype));
}

void CompareExact(const Tensor& e, const Tensor& a, TensorDiff& d) {
  for (int64_t i = 0; i < d.elements; ++i) {
    bool same;
    if (e.dtype == DType::kBytes) {
      same = e.strings[i] == a.strings[i];
    } else {
      const size_t w = DTypeSize(e.dtype);
      same = std::memcmp(e.data.data() + i * w, a.data.data() + i * w, w) == 0;
      if (!same) {
        double diff = std::fabs(ElementAsDouble(a, i) - ElementAsDouble(e, i));
        d.max_abs = std::max(d.max_abs, diff);
      }
    }
    if (!same) ++d.mismatched;
  }
}

void CompareFloats(const Tensor& e, const Tensor& a, const Tolerance& tol, TensorDiff& d) {
  for (int64_t i = 0; i < d.elements; ++i) {
    const double x = ElementAsDouble(e, i);
    const double y = ElementAsDouble(a, i);
    if (std::isnan(x) || std::isnan(y)) {
      if (!(std::isnan(x) && std::isnan(y))) {
        ++d.mismatched;
        d.max_abs = INFINITY;
      }
      continue;
    }
    if (std::isinf(x) || std::isinf(y)) {
      if (x != y) {
        ++d.mismatched;
        d.max_abs = INFINITY;
      }
      continue;
    }
    const double diff = std::fabs(y - x);
    d.max_abs = std::max(d.max_abs, diff);
    if (x != 0) d.max_rel = std::max(d.max_rel, diff / std::fabs(x));
    if (diff > tol.atol + tol.rtol * std::fabs(x)) ++d.mismatched;
  }
}

}  // namespace

bool IsFloating(DType t) {
  return t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat32 ||
         t == DType::kFloat64;
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case DType::kBool:
    case DType::kUint8: return Load<uint8_t>(t.data, i);
    case DType::kInt8: return Load<int8_t>(t.data, i);
    case DType::kInt16: return Load<int16_t>(t.data, i);
    case DType::kUint16: return Load<uint16_t>(t.data, i);
    case DType::kInt32: return Load<int32_t>(t.data, i);
    case DType::kUint32: return Load<uint32_t>(t.data, i);
    case DType::kInt64: return static_cast<double>(Load<int64_t>(t.data, i));
    case DType::kUint64: return static_cast<double>(Load<uint64_t>(t.data, i));
    case DType::kFloat16: return HalfToFloat(Load<uint16_t>(t.data, i));
    case DType::kBFloat16: return BFloat16ToFloat(Load<uint16_t>(t.data, i));
    case DType::kFloat32: return Load<float>(t.data, i);
    case DType::kFloat64: return Load<double>(t.data, i);
    case DType::kBytes: return 0;
  }
  return 0;
}

TensorDiff CompareTensors(const Tensor& expected, const Tensor& actual, const Tolerance& tol) {
  TensorDiff d;
  d.name = expected.name;
  if (expected.dtype != actual.dtype) {
    d.problem = std::string("dtype ") + DTypeName(actual.dtype) + ", expected " +
                DTypeName(expected.dtype);
    return d;
  }
  if (expected.shape != actual.shape) {
    d.problem = "shape " + ShapeText(actual.shape) + ", expected " + ShapeText(expected.shape);
    return d;
  }
  auto n = expected.ElementCount();
  if (!n || !SizesMatch(expected, *n) || !SizesMatch(actual, *n)) {
    d.problem = "data size does not match the shape " + ShapeText(expected.shape);
    return d;
  }
  d.elements = *n;
  if (IsFloating(expected.dtype)) {
    CompareFloats(expected, actual, tol, d);
  } else {
    CompareExact(expected, actual, d);
  }
  d.within = d.mismatched == 0;
  return d;
}

}  // namespace mv::inference
