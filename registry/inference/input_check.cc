#include "registry/inference/input_check.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

namespace mv::inference {
namespace {

constexpr size_t kMaxListedNames = 10;

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

// `"a", "b", ...` for an error message; long lists are cut.
std::string NameList(const std::vector<TensorSpec>& specs) {
  std::string out;
  for (size_t i = 0; i < specs.size() && i < kMaxListedNames; ++i) {
    out += (i ? ", " : "") + Quoted(specs[i].name);
  }
  if (specs.size() > kMaxListedNames) out += ", ...";
  return out.empty() ? "none" : out;
}

int FindSpec(const std::vector<TensorSpec>& specs, const std::string& name) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

bool ShapeMatches(const TensorSpec& spec, const std::vector<int64_t>& shape) {
  if (shape.size() != spec.shape.size()) return false;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (spec.shape[d] >= 0 && shape[d] != spec.shape[d]) return false;
  }
  return true;
}

Status CheckData(const TensorSpec& spec, const Tensor& t) {
  const std::string where = "input " + Quoted(spec.name) + ": ";
  std::optional<int64_t> count = t.ElementCount();
  if (!count) {
    return InvalidArgument(where + "shape " + ShapeText(t.shape) +
                           " has a negative dim or too many elements");
  }
  if (t.dtype == DType::kBytes) {
    if (static_cast<int64_t>(t.strings.size()) != *count) {
      return InvalidArgument(where + DescribeShape(t.dtype, t.shape) + " needs " +
                             std::to_string(*count) + " strings, got " +
                             std::to_string(t.strings.size()));
    }
    return Status::Ok();
  }
  const auto size = static_cast<int64_t>(DTypeSize(t.dtype));
  if (*count > std::numeric_limits<int64_t>::max() / size ||
      static_cast<int64_t>(t.data.size()) != *count * size) {
    return InvalidArgument(where + DescribeShape(t.dtype, t.shape) + " needs " +
                           std::to_string(*count) + " x " + std::to_string(size) +
                           " bytes of data, got " + std::to_string(t.data.size()));
  }
  if (t.dtype == DType::kBool &&
      std::any_of(t.data.begin(), t.data.end(), [](char c) { return c != 0 && c != 1; })) {
    return InvalidArgument(where + "BOOL elements must be bytes 0 or 1");
  }
  return Status::Ok();
}

// Every symbolic dim name stands for one size across the inputs, as ONNX declares it.
Status CheckSymbolicDims(const TensorSpec& spec, const Tensor& t,
                         std::map<std::string, std::pair<int64_t, std::string>>* seen) {
  for (size_t d = 0; d < spec.dim_names.size() && d < t.shape.size(); ++d) {
    const std::string& dim = spec.dim_names[d];
    if (dim.empty() || spec.shape[d] >= 0) continue;
    auto [it, fresh] = seen->emplace(dim, std::make_pair(t.shape[d], spec.name));
    if (!fresh && it->second.first != t.shape[d]) {
      return InvalidArgument("input " + Quoted(spec.name) + ": dim " + std::to_string(d) + " (" +
                             Quoted(dim) + ") is " + std::to_string(t.shape[d]) + ", but it is " +
                             std::to_string(it->second.first) + " in input " +
                             Quoted(it->second.second));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string DescribeShape(DType dtype, const std::vector<int64_t>& shape) {
  return std::string(DTypeName(dtype)) + " " + ShapeText(shape);
}

Status CheckInputs(const std::vector<TensorSpec>& specs, const std::vector<std::string>& kinds,
                   const std::vector<Tensor>& inputs) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!kinds[i].empty()) {
      return InvalidArgument("not supported: input " + Quoted(specs[i].name) + " is " + kinds[i] +
                             "; only tensor inputs can be run");
    }
  }
  std::vector<const Tensor*> given(specs.size(), nullptr);
  for (const Tensor& t : inputs) {
    const int i = FindSpec(specs, t.name);
    if (i < 0) {
      return InvalidArgument("unknown input " + Quoted(t.name) + "; the model's inputs are " +
                             NameList(specs));
    }
    if (given[i] != nullptr) return InvalidArgument("input " + Quoted(t.name) + " given twice");
    given[i] = &t;
  }
  std::map<std::string, std::pair<int64_t, std::string>> symbolic;
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec& spec = specs[i];
    const std::string expected = DescribeShape(spec.dtype, spec.shape);
    if (given[i] == nullptr) {
      return InvalidArgument("missing input " + Quoted(spec.name) + ": expected " + expected);
    }
    const Tensor& t = *given[i];
    if (t.dtype != spec.dtype || !ShapeMatches(spec, t.shape)) {
      return InvalidArgument("input " + Quoted(spec.name) + ": expected " + expected + ", got " +
                             DescribeShape(t.dtype, t.shape));
    }
    RETURN_IF_ERROR(CheckData(spec, t));
    RETURN_IF_ERROR(CheckSymbolicDims(spec, t, &symbolic));
  }
  return Status::Ok();
}

Result<std::vector<size_t>> SelectOutputs(const std::vector<TensorSpec>& specs,
                                          const std::vector<std::string>& kinds,
                                          const std::vector<std::string>& names) {
  std::vector<size_t> selected;
  if (names.empty()) {
    for (size_t i = 0; i < specs.size(); ++i) selected.push_back(i);
  }
  for (const std::string& name : names) {
    const int i = FindSpec(specs, name);
    if (i < 0) {
      return InvalidArgument("unknown output " + Quoted(name) + "; the model's outputs are " +
                             NameList(specs));
    }
    if (std::find(selected.begin(), selected.end(), static_cast<size_t>(i)) != selected.end()) {
      return InvalidArgument("output " + Quoted(name) + " requested twice");
    }
    selected.push_back(static_cast<size_t>(i));
  }
  for (size_t i : selected) {
    if (!kinds[i].empty()) {
      return InvalidArgument("not supported: output " + Quoted(specs[i].name) + " is " + kinds[i] +
                             "; request the tensor outputs by name");
    }
  }
  return selected;
}

}  // namespace mv::inference
