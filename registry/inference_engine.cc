#include "registry/inference_engine.h"

#include <array>
#include <limits>

namespace mv {
namespace {

struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
};

// In enum order, so DTypeName/DTypeSize index it directly.
constexpr std::array<DTypeInfo, 14> kDTypes = {{
    {DType::kBool, "BOOL", 1},
    {DType::kInt8, "INT8", 1},
    {DType::kInt16, "INT16", 2},
    {DType::kInt32, "INT32", 4},
    {DType::kInt64, "INT64", 8},
    {DType::kUint8, "UINT8", 1},
    {DType::kUint16, "UINT16", 2},
    {DType::kUint32, "UINT32", 4},
    {DType::kUint64, "UINT64", 8},
    {DType::kFloat16, "FP16", 2},
    {DType::kBFloat16, "BF16", 2},
    {DType::kFloat32, "FP32", 4},
    {DType::kFloat64, "FP64", 8},
    {DType::kBytes, "BYTES", 0},
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kDTypes.size(); ++i) {
    if (static_cast<size_t>(kDTypes[i].type) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kDTypes must list DType in declaration order");

const DTypeInfo* Find(DType t) {
  const auto i = static_cast<size_t>(t);
  return i < kDTypes.size() ? &kDTypes[i] : nullptr;
}

}  // namespace

const char* DTypeName(DType t) {
  const DTypeInfo* info = Find(t);
  return info != nullptr ? info->name : "UNKNOWN";
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return info.type;
  }
  return std::nullopt;
}

size_t DTypeSize(DType t) {
  const DTypeInfo* info = Find(t);
  return info != nullptr ? info->size : 0;
}

std::optional<int64_t> Tensor::ElementCount() const {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    empty = empty || d == 0;
  }
  if (empty) return 0;  // even when the other dims alone would overflow
  int64_t count = 1;
  for (int64_t d : shape) {
    if (count > std::numeric_limits<int64_t>::max() / d) return std::nullopt;
    count *= d;
  }
  return count;
}

}  // namespace mv
