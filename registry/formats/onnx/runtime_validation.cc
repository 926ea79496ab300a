#include "registry/formats/onnx/runtime_validation.h"

#include <set>
#include <string>
#include <utility>

#include "registry/formats/onnx/onnx_summary.h"

namespace mv::formats::onnx {
namespace {

using Level = Finding::Level;

void Add(Inspection& out, Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

// Moves every initializer stored as external data to the graph's inputs (same name, element
// type and shape), so the runtime checks the graph without reading files. Returns how many.
int64_t ExternalInitializersToInputs(::onnx::GraphProto& g) {
  std::set<std::string> inputs;  // exporters may list initializers as inputs already
  for (const auto& v : g.input()) inputs.insert(v.name());
  auto* inits = g.mutable_initializer();
  int64_t moved = 0;
  int kept = 0;
  for (int i = 0; i < inits->size(); ++i) {
    ::onnx::TensorProto& t = *inits->Mutable(i);
    if (!IsExternal(t)) {
      if (kept != i) inits->SwapElements(kept, i);
      ++kept;
      continue;
    }
    ++moved;
    if (!inputs.insert(t.name()).second) continue;
    ::onnx::ValueInfoProto* in = g.add_input();
    in->set_name(t.name());
    auto* type = in->mutable_type()->mutable_tensor_type();
    type->set_elem_type(t.data_type());
    auto* shape = type->mutable_shape();
    for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
  }
  while (inits->size() > kept) inits->RemoveLast();
  return moved;
}

std::string IrText(const ::onnx::ModelProto& m) { return "IR " + std::to_string(m.ir_version()); }

}  // namespace

void ValidateWithRuntime(const ModelValidator* validator, const char* skip,
                         ::onnx::ModelProto& model, Inspection& out) {
  Summary v = Summary::MakeObject();
  v.Set("validator", validator != nullptr ? validator->name() : std::string("none"));
  auto finish = [&](const char* status) {
    v.Set("status", status);
    out.summary.Set("validation", std::move(v));
  };
  if (validator == nullptr || skip != nullptr) {
    std::string why = validator == nullptr ? "no runtime validator in this program" : skip;
    Add(out, validator == nullptr ? Level::kWarning : Level::kError, "not-validated",
        IrText(model) +
            " is newer than the onnx checker reads and the model was not validated: " + why);
    v.Set("message", why);
    return finish("not-run");
  }
  const int64_t moved = ExternalInitializersToInputs(*model.mutable_graph());
  if (moved > 0) v.Set("external_as_inputs", moved);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    Add(out, Level::kError, "validator-error", "the model could not be re-serialized");
    return finish("error");
  }
  Result<Validation> r = validator->Validate(bytes);
  if (!r.ok()) {
    Add(out, Level::kError, "validator-error",
        validator->name() + " could not validate the model: " + r.status().message());
    v.Set("message", r.status().message());
    return finish("error");
  }
  if (!r->valid) {
    Add(out, Level::kError, "validation-failed",
        IrText(model) + ": " + validator->name() + " refused the model: " + r->message);
    v.Set("message", r->message);
    return finish("failed");
  }
  Add(out, Level::kInfo, "runtime-validated",
      IrText(model) + " validated by " + validator->name() +
          " (session creation, graph optimizations off)" +
          (moved > 0 ? "; " + std::to_string(moved) + " external initializers checked as inputs"
                     : ""));
  finish("passed");
}

}  // namespace mv::formats::onnx
