#include "registry/formats/onnx/onnx_checks.h"

#include <exception>
#include <map>
#include <set>

#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "registry/formats/onnx/onnx_summary.h"

namespace mv::formats::onnx {
namespace {

using Level = Finding::Level;

constexpr size_t kMaxMessageChars = 2000;

void Add(Inspection& out, Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

void CheckOpsets(const ::onnx::ModelProto& m, Inspection& out) {
  for (const auto& o : m.opset_import()) {
    if ((o.domain().empty() || o.domain() == "ai.onnx") && o.version() > kMaxSupportedOpset) {
      Add(out, Level::kWarning, "opset-too-new",
          "opset " + std::to_string(o.version()) + " is above the supported maximum " +
              std::to_string(kMaxSupportedOpset));
    }
  }
}

void CheckFixedBatch(const ::onnx::GraphProto& g, Inspection& out) {
  std::set<std::string> init_names;
  for (const auto& t : g.initializer()) init_names.insert(t.name());
  for (const auto& v : g.input()) {
    if (init_names.count(v.name()) > 0 || !v.type().has_tensor_type()) continue;
    const auto& shape = v.type().tensor_type().shape();
    if (shape.dim_size() == 0 || !shape.dim(0).has_dim_value()) continue;
    Add(out, Level::kWarning, "fixed-batch-dim",
        "input '" + v.name() + "' has a fixed first (batch) dimension of " +
            std::to_string(shape.dim(0).dim_value()) +
            "; export with dynamic axes to accept other batch sizes");
  }
}

// Whether tensor `t` is a boolean scalar false.
bool IsFalse(const ::onnx::TensorProto& t) {
  if (t.int32_data_size() > 0) return t.int32_data(0) == 0;
  return t.raw_data().size() == 1 && t.raw_data()[0] == '\0';
}

// Names of values known to be the constant false: initializers and Constant outputs.
std::set<std::string> FalseConstants(const ::onnx::GraphProto& g) {
  std::set<std::string> names;
  for (const auto& t : g.initializer()) {
    if (IsFalse(t)) names.insert(t.name());
  }
  for (const auto& n : g.node()) {
    if (n.op_type() != "Constant" || n.output_size() != 1) continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value" && a.has_t() && IsFalse(a.t())) names.insert(n.output(0));
    }
  }
  return names;
}

void CheckTrainingMode(const ::onnx::GraphProto& g, Inspection& out) {
  std::set<std::string> falses;
  bool falses_built = false;
  for (const auto& n : g.node()) {
    if (n.op_type() == "Dropout" && n.input_size() >= 3 && !n.input(2).empty()) {
      if (!falses_built) falses = FalseConstants(g), falses_built = true;
      if (falses.count(n.input(2)) == 0) {
        Add(out, Level::kWarning, "training-mode-op",
            "Dropout '" + n.name() + "' may run in training mode (training_mode input '" +
                n.input(2) + "')");
      }
    }
    if (n.op_type() != "BatchNormalization") continue;
    bool training_attr = false;
    for (const auto& a : n.attribute()) training_attr |= a.name() == "training_mode" && a.i() != 0;
    int outputs = 0;
    for (const auto& o : n.output()) outputs += o.empty() ? 0 : 1;
    if (training_attr || outputs > 1) {
      Add(out, Level::kWarning, "training-mode-op",
          "BatchNormalization '" + n.name() + "' was exported in training mode");
    }
  }
}

// An initializer's shape is absurd when its element count is (CheckedElements) or when
// it is embedded and declares more bytes than the whole file holds.
bool CheckInitializer(const ::onnx::TensorProto& t, int64_t file_size, Inspection& out) {
  int64_t n = CheckedElements(t.dims());
  if (n < 0) {
    Add(out, Level::kError, "absurd-tensor-shape",
        "initializer '" + t.name() + "' declares a negative or absurd shape");
    return false;
  }
  int64_t bytes = n * ElementSize(t.data_type());
  if (IsExternal(t) || bytes <= file_size) return true;
  Add(out, Level::kError, "absurd-tensor-shape",
      "initializer '" + t.name() + "' declares " + std::to_string(bytes) + " bytes; the file has " +
          std::to_string(file_size));
  return false;
}

bool CheckShapes(const ::onnx::GraphProto& g, int64_t file_size, Inspection& out) {
  bool sane = true;
  for (const auto& t : g.initializer()) sane &= CheckInitializer(t, file_size, out);
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()}) {
    for (const auto& v : *list) {
      if (!v.type().has_tensor_type()) continue;
      google::protobuf::RepeatedField<int64_t> dims;
      for (const auto& d : v.type().tensor_type().shape().dim()) {
        if (d.has_dim_value()) dims.Add(d.dim_value());
      }
      if (CheckedElements(dims) >= 0) continue;
      sane = false;
      Add(out, Level::kError, "absurd-tensor-shape",
          "value '" + v.name() + "' declares a negative or absurd shape");
    }
  }
  return sane;
}

}  // namespace

bool AddModelFindings(const ::onnx::ModelProto& model, int64_t file_size, Inspection& out) {
  CheckOpsets(model, out);
  CheckFixedBatch(model.graph(), out);
  CheckTrainingMode(model.graph(), out);
  return CheckShapes(model.graph(), file_size, out);
}

void RunChecker(::onnx::ModelProto& model, Inspection& out) {
  if (model.ir_version() > kMaxCheckedIrVersion) {
    Add(out, Level::kInfo, "checker-skipped",
        "checker skipped: IR " + std::to_string(model.ir_version()));
    out.summary.Set("checker", "skipped");
    return;
  }
  const char* stage = "checker";
  try {
    ::onnx::checker::check_model(model);
    stage = "shape inference";
    ::onnx::ShapeInferenceOptions options{/*check_type=*/true, /*error_mode=*/1,
                                          /*enable_data_propagation=*/false};
    ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(), options);
    out.summary.Set("checker", "passed");
    return;
  } catch (const std::exception& e) {
    Add(out, Level::kError, "checker-failed",
        std::string(stage) + ": " + std::string(e.what()).substr(0, kMaxMessageChars));
  } catch (...) {
    Add(out, Level::kError, "checker-failed", std::string(stage) + ": unknown exception");
  }
  out.summary.Set("checker", "failed");
}

}  // namespace mv::formats::onnx
