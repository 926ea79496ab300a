#include "torch_worker/tensor_bridge.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace mv::torch_worker {
namespace {

struct TypePair {
  DType dtype;
  at::ScalarType scalar;
};

constexpr TypePair kTypes[] = {
    {DType::kBool, at::kBool},     {DType::kInt8, at::kChar},
    {DType::kInt16, at::kShort},   {DType::kInt32, at::kInt},
    {DType::kInt64, at::kLong},    {DType::kUint8, at::kByte},
    {DType::kFloat16, at::kHalf},  {DType::kBFloat16, at::kBFloat16},
    {DType::kFloat32, at::kFloat}, {DType::kFloat64, at::kDouble},
};

std::string Quoted(const std::string& s) { return "\"" + s.substr(0, 128) + "\""; }

// Flattening stops here: TorchScript values cannot nest deeper in practice, hostile ones can.
constexpr int kMaxDepth = 32;

void Flatten(const c10::IValue& v, size_t max_outputs, int depth, std::vector<at::Tensor>& out) {
  if (depth > kMaxDepth) throw WorkerError("the outputs nest more than 32 levels deep");
  if (v.isTensor()) {
    if (out.size() == max_outputs) {
      throw WorkerError("the module returns more than " + std::to_string(max_outputs) + " tensors");
    }
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const c10::IValue& e : v.toTupleRef().elements()) Flatten(e, max_outputs, depth + 1, out);
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef()) Flatten(e, max_outputs, depth + 1, out);
  } else if (v.isGenericDict()) {
    for (const auto& entry : v.toGenericDict()) Flatten(entry.value(), max_outputs, depth + 1, out);
  } else {
    throw WorkerError("the module returns a " + v.tagKind() + ", not tensors");
  }
}

// The input for argument `name`: "name" or "input.name"; nullptr when absent.
const Tensor* FindInput(const std::vector<Tensor>& inputs, const std::string& name) {
  for (const Tensor& t : inputs) {
    if (t.name == name || t.name == "input." + name) return &t;
  }
  return nullptr;
}

void CheckTensorArgument(const c10::Argument& arg) {
  const c10::TypePtr& type = arg.type();
  const bool tensor =
      type->kind() == c10::TypeKind::TensorType ||
      (type->kind() == c10::TypeKind::OptionalType &&
       type->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType);
  if (!tensor) {
    throw WorkerError("argument " + Quoted(arg.name()) + " is " + type->annotation_str() +
                      "; only Tensor arguments can be fed");
  }
}

}  // namespace

at::Tensor ToTorch(const Tensor& t) {
  const auto* pair = std::find_if(std::begin(kTypes), std::end(kTypes),
                                  [&](const TypePair& p) { return p.dtype == t.dtype; });
  if (pair == std::end(kTypes)) {
    throw WorkerError("input " + Quoted(t.name) + " is " + DTypeName(t.dtype) +
                      ", which TorchScript cannot take");
  }
  at::Tensor out = at::empty(t.shape, at::TensorOptions().dtype(pair->scalar));
  if (static_cast<size_t>(out.nbytes()) != t.data.size()) {
    throw WorkerError("input " + Quoted(t.name) + ": data does not match its shape");
  }
  if (!t.data.empty()) std::memcpy(out.data_ptr(), t.data.data(), t.data.size());
  return out;
}

Tensor FromTorch(const at::Tensor& t, const std::string& name) {
  const at::ScalarType scalar = t.scalar_type();
  const auto* pair = std::find_if(std::begin(kTypes), std::end(kTypes),
                                  [&](const TypePair& p) { return p.scalar == scalar; });
  if (pair == std::end(kTypes) || t.is_quantized() || t.is_sparse()) {
    throw WorkerError(std::string("output ") + Quoted(name) + " is " + c10::toString(scalar) +
                      (t.is_sparse() ? " (sparse)" : "") + ", which cannot be returned");
  }
  const at::Tensor dense = t.to(at::kCPU).contiguous();
  Tensor out;
  out.name = name;
  out.dtype = pair->dtype;
  out.shape.assign(dense.sizes().begin(), dense.sizes().end());
  out.data.assign(static_cast<const char*>(dense.data_ptr()), static_cast<size_t>(dense.nbytes()));
  return out;
}

std::vector<c10::IValue> MatchArguments(const torch::jit::Method& method,
                                        const std::vector<Tensor>& inputs) {
  const auto& schema_args = method.function().getSchema().arguments();
  std::vector<c10::Argument> args(schema_args.begin() + (schema_args.empty() ? 0 : 1),
                                  schema_args.end());  // skip self
  size_t by_name = 0;
  for (const c10::Argument& a : args) by_name += FindInput(inputs, a.name()) != nullptr;
  std::vector<c10::IValue> out;
  if (by_name == 0 && !inputs.empty() && inputs.size() == args.size()) {
    for (size_t i = 0; i < args.size(); ++i) {
      CheckTensorArgument(args[i]);
      out.emplace_back(ToTorch(inputs[i]));
    }
    return out;
  }
  for (const c10::Argument& a : args) {
    if (const Tensor* t = FindInput(inputs, a.name())) {
      CheckTensorArgument(a);
      out.emplace_back(ToTorch(*t));
    } else if (a.default_value()) {
      out.push_back(*a.default_value());
    } else {
      throw WorkerError("no input for argument " + Quoted(a.name()) + " of " + method.name() +
                        "()");
    }
  }
  if (by_name != inputs.size()) {
    std::string unused;
    for (const Tensor& t : inputs) {
      const bool used = std::any_of(args.begin(), args.end(), [&](const c10::Argument& a) {
        return t.name == a.name() || t.name == "input." + a.name();
      });
      if (!used) unused += (unused.empty() ? "" : ", ") + Quoted(t.name);
    }
    throw WorkerError(unused.empty()
                          ? "two inputs name the same argument"
                          : "inputs " + unused + " match no argument of " + method.name() + "()");
  }
  return out;
}

std::vector<at::Tensor> FlattenOutputs(const c10::IValue& result, size_t max_outputs) {
  std::vector<at::Tensor> out;
  Flatten(result, max_outputs, 0, out);
  return out;
}

}  // namespace mv::torch_worker
