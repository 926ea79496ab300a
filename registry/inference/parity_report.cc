#include "registry/inference/parity_report.h"

#include "registry/formats/safetensors/json_lite.h"
#include "registry/formats/summary.h"

namespace mv::inference {
namespace {

using formats::Summary;
using formats::safetensors::JsonValue;

Result<double> NonNegative(const JsonValue& v, const char* field) {
  if (v.type != JsonValue::Type::kNumber || v.number < 0) {
    return InvalidArgument(std::string("meta.parity.") + field + " must be a number >= 0");
  }
  return v.number;
}

Status ParseShapes(const JsonValue& v, InputPlan& plan) {
  if (v.type != JsonValue::Type::kObject) {
    return InvalidArgument("meta.parity.shapes must map input names to arrays of dims");
  }
  for (const auto& [name, dims] : v.object) {
    if (dims.type != JsonValue::Type::kArray || dims.array.size() > 16) {
      return InvalidArgument("meta.parity.shapes." + name + " must be an array of <= 16 dims");
    }
    std::vector<int64_t> shape;
    for (const JsonValue& d : dims.array) {
      if (!d.is_integer || d.integer <= 0 || d.integer > (int64_t{1} << 31)) {
        return InvalidArgument("meta.parity.shapes." + name + " holds a dim that is not a "
                                                              "positive integer");
      }
      shape.push_back(d.integer);
    }
    plan.shapes[name] = std::move(shape);
  }
  return Status::Ok();
}

Summary DiffJson(const TensorDiff& d) {
  Summary s = Summary::MakeObject();
  s.Set("name", d.name).Set("within", d.within);
  if (!d.problem.empty()) return s.Set("problem", d.problem);
  s.Set("max_abs_diff", d.max_abs).Set("max_rel_diff", d.max_rel);
  return s.Set("mismatched", d.mismatched).Set("elements", d.elements);
}

}  // namespace

Result<ParityMeta> ParseParityMeta(const std::string& meta_json, const ParityConfig& defaults) {
  ParityMeta out;
  out.config = defaults;
  ASSIGN_OR_RETURN(JsonValue meta, formats::safetensors::ParseJson(meta_json));
  const JsonValue* p = meta.Find("parity");
  if (!p || p->type == JsonValue::Type::kNull) return out;
  if (p->type != JsonValue::Type::kObject) return InvalidArgument("meta.parity must be an object");
  if (const JsonValue* v = p->Find("atol")) {
    ASSIGN_OR_RETURN(out.config.tolerance.atol, NonNegative(*v, "atol"));
  }
  if (const JsonValue* v = p->Find("rtol")) {
    ASSIGN_OR_RETURN(out.config.tolerance.rtol, NonNegative(*v, "rtol"));
  }
  if (const JsonValue* v = p->Find("seed")) {
    if (!v->is_integer || v->integer < 0) {
      return InvalidArgument("meta.parity.seed must be a non-negative integer");
    }
    out.config.inputs.seed = static_cast<uint64_t>(v->integer);
  }
  if (const JsonValue* v = p->Find("shapes")) RETURN_IF_ERROR(ParseShapes(*v, out.config.inputs));
  if (const JsonValue* v = p->Find("skip")) {
    if (v->type != JsonValue::Type::kString || v->string.empty()) {
      return InvalidArgument("meta.parity.skip must be the reason, a non-empty string");
    }
    out.skip = v->string;
  }
  return out;
}

std::string ParityReportJson(const ParityResult& r, const ParityConfig& c) {
  Summary s = Summary::MakeObject();
  s.Set("status", r.status);
  s.Set("tolerance", Summary::MakeObject().Set("atol", c.tolerance.atol).Set("rtol",
                                                                              c.tolerance.rtol));
  Summary checks = Summary::MakeObject();
  for (const CheckOutcome& o : r.checks) {
    Summary one = Summary::MakeObject();
    one.Set("status", o.status).Set("message", o.message);
    if (!o.diffs.empty()) {
      Summary diffs = Summary::MakeArray();
      for (const TensorDiff& d : o.diffs) diffs.Push(DiffJson(d));
      one.Set("outputs", std::move(diffs));
    }
    checks.Set(o.name, std::move(one));
  }
  s.Set("checks", std::move(checks));
  if (r.latency) {
    s.Set("latency_ms", Summary::MakeObject()
                            .Set("runs", r.latency->runs)
                            .Set("mean", r.latency->mean_ms)
                            .Set("p50", r.latency->p50_ms)
                            .Set("p99", r.latency->p99_ms));
  }
  Summary size = Summary::MakeObject();
  size.Set("onnx_bytes", r.onnx_size);
  if (r.previous_onnx_size) size.Set("previous_onnx_bytes", *r.previous_onnx_size);
  s.Set("size", std::move(size));
  Summary warnings = Summary::MakeArray();
  for (const std::string& w : r.warnings) warnings.Push(w);
  s.Set("warnings", std::move(warnings));
  return s.ToJson();
}

}  // namespace mv::inference
