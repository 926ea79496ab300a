#include "registry/inference/input_gen.h"

#include <cstring>
#include <random>

#include "registry/inference/float16.h"

namespace mv::inference {
namespace {

template <typename T>
void Store(std::string& data, int64_t i, T v) {
  std::memcpy(data.data() + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

void Fill(Tensor& t, int64_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> small(0, 9);
  t.data.assign(static_cast<size_t>(n) * DTypeSize(t.dtype), '\0');
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::kBool: Store<uint8_t>(t.data, i, small(rng) < 5); break;
      case DType::kInt8: Store<int8_t>(t.data, i, static_cast<int8_t>(small(rng))); break;
      case DType::kUint8: Store<uint8_t>(t.data, i, static_cast<uint8_t>(small(rng))); break;
      case DType::kInt16: Store<int16_t>(t.data, i, static_cast<int16_t>(small(rng))); break;
      case DType::kUint16: Store<uint16_t>(t.data, i, static_cast<uint16_t>(small(rng))); break;
      case DType::kInt32: Store<int32_t>(t.data, i, small(rng)); break;
      case DType::kUint32: Store<uint32_t>(t.data, i, static_cast<uint32_t>(small(rng))); break;
      case DType::kInt64: Store<int64_t>(t.data, i, small(rng)); break;
      case DType::kUint64: Store<uint64_t>(t.data, i, static_cast<uint64_t>(small(rng))); break;
      case DType::kFloat16:
        Store<uint16_t>(t.data, i, FloatToHalf(static_cast<float>(unit(rng))));
        break;
      case DType::kBFloat16:
        Store<uint16_t>(t.data, i, FloatToBFloat16(static_cast<float>(unit(rng))));
        break;
      case DType::kFloat32: Store<float>(t.data, i, static_cast<float>(unit(rng))); break;
      case DType::kFloat64: Store<double>(t.data, i, unit(rng)); break;
      case DType::kBytes: break;
    }
  }
}

}  // namespace

Result<std::vector<int64_t>> PlannedShape(const TensorSpec& spec, const InputPlan& plan) {
  auto it = plan.shapes.find(spec.name);
  if (it != plan.shapes.end()) {
    const auto& want = it->second;
    if (want.size() != spec.shape.size()) {
      return InvalidArgument("meta.parity.shapes: input \"" + spec.name + "\" has rank " +
                             std::to_string(spec.shape.size()) + ", the override has rank " +
                             std::to_string(want.size()));
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i] <= 0 || (spec.shape[i] >= 0 && spec.shape[i] != want[i])) {
        return InvalidArgument("meta.parity.shapes: input \"" + spec.name + "\" dimension " +
                               std::to_string(i) + " must be " +
                               (spec.shape[i] >= 0 ? std::to_string(spec.shape[i]) : "positive"));
      }
    }
    return want;
  }
  std::vector<int64_t> shape = spec.shape;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) shape[i] = i == 0 ? plan.batch : plan.other_dynamic_dim;
  }
  return shape;
}

Result<std::vector<Tensor>> GenerateInputs(const ModelSignature& sig, const InputPlan& plan) {
  std::mt19937_64 rng(plan.seed);
  std::vector<Tensor> out;
  for (const TensorSpec& spec : sig.inputs) {
    if (spec.dtype == DType::kBytes) {
      return InvalidArgument("input \"" + spec.name +
                             "\" holds strings: random inputs cannot be generated; supply "
                             "reference data");
    }
    Tensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    ASSIGN_OR_RETURN(t.shape, PlannedShape(spec, plan));
    auto n = t.ElementCount();
    if (!n || *n > plan.max_elements) {
      return InvalidArgument("input \"" + spec.name + "\" would have more than " +
                             std::to_string(plan.max_elements) + " elements");
    }
    Fill(t, *n, rng);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace mv::inference
