#include "registry/inference/parity_report.h"

#include "registry/formats/summary.h"
#include "util/json_read.h"

namespace mv::inference {
namespace {

using formats::Summary;
using nlohmann::json;

Result<double> NonNegative(const json& v, const char* field) {
  if (!v.is_number() || v.get<double>() < 0) {
    return InvalidArgument(std::string("meta.parity.") + field + " must be a number >= 0");
  }
  return v.get<double>();
}

Status ParseShapes(const json& v, InputPlan& plan) {
  if (!v.is_object()) {
    return InvalidArgument("meta.parity.shapes must map input names to arrays of dims");
  }
  for (const auto& [name, dims] : v.items()) {
    if (!dims.is_array() || dims.size() > 16) {
      return InvalidArgument("meta.parity.shapes." + name + " must be an array of <= 16 dims");
    }
    std::vector<int64_t> shape;
    for (const json& d : dims) {
      const int64_t dim = util::JsonInt64(d).value_or(0);
      if (dim <= 0 || dim > (int64_t{1} << 31)) {
        return InvalidArgument("meta.parity.shapes." + name + " holds a dim that is not a "
                                                              "positive integer");
      }
      shape.push_back(dim);
    }
    plan.shapes[name] = std::move(shape);
  }
  return Status::Ok();
}

Result<double> Share(const json& v, const char* field) {
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
    return InvalidArgument(std::string("meta.parity.variant.") + field +
                           " must be a number in [0, 1]");
  }
  return v.get<double>();
}

// meta.parity.variant: {"cosine": 0.99, "top1": 0.98, "top5": 0.99, "samples": 64,
// "latency_rounds": 20}
Status ParseVariant(const json& v, VariantThresholds& th) {
  if (!v.is_object()) return InvalidArgument("meta.parity.variant must be an object");
  for (const auto& [key, value] : v.items()) {
    if (key == "cosine") {
      ASSIGN_OR_RETURN(th.cosine, Share(value, "cosine"));
    } else if (key == "top1") {
      ASSIGN_OR_RETURN(th.top1, Share(value, "top1"));
    } else if (key == "top5") {
      ASSIGN_OR_RETURN(th.top5, Share(value, "top5"));
    } else if (key == "samples") {
      const std::optional<int64_t> n = util::JsonInt64(value);
      if (!n || *n < 32 || *n > 4096) {
        return InvalidArgument("meta.parity.variant.samples must be an integer in [32, 4096]");
      }
      th.samples = *n;
    } else if (key == "latency_rounds") {
      const std::optional<int64_t> n = util::JsonInt64(value);
      if (!n || *n < 0 || *n > 10000) {
        return InvalidArgument("meta.parity.variant.latency_rounds must be an integer in "
                               "[0, 10000]");
      }
      th.latency_rounds = static_cast<int>(*n);
    } else {
      return InvalidArgument("meta.parity.variant." + key +
                             " is not one of cosine, top1, top5, samples, latency_rounds");
    }
  }
  return Status::Ok();
}

Summary DiffJson(const TensorDiff& d) {
  Summary s = Summary::MakeObject();
  s.Set("name", d.name).Set("within", d.within);
  if (!d.problem.empty()) return s.Set("problem", d.problem);
  s.Set("max_abs_diff", d.max_abs).Set("max_rel_diff", d.max_rel);
  if (d.cosine) s.Set("cosine", *d.cosine);
  if (d.top1) s.Set("top1_agreement", *d.top1);
  if (d.top5) s.Set("top5_agreement", *d.top5);
  return s.Set("mismatched", d.mismatched).Set("elements", d.elements);
}

Summary Ratio(double num, double den) {
  return den > 0 ? Summary(num / den) : Summary();
}

Summary VariantJson(const VariantSummary& v, const VariantThresholds& th) {
  Summary s = Summary::MakeObject();
  s.Set("parent", Summary::MakeObject()
                      .Set("model", v.parent_model)
                      .Set("version", v.parent_version)
                      .Set("relation", v.relation));
  Summary t = Summary::MakeObject();
  t.Set("cosine", th.cosine).Set("top1", th.top1);
  if (th.top5) t.Set("top5", *th.top5);
  s.Set("thresholds", std::move(t)).Set("samples", v.samples);
  s.Set("size", Summary::MakeObject()
                    .Set("bytes", v.bytes)
                    .Set("parent_bytes", v.parent_bytes)
                    .Set("ratio", Ratio(static_cast<double>(v.bytes),
                                        static_cast<double>(v.parent_bytes))));
  if (v.p50_ms && v.parent_p50_ms) {
    s.Set("latency", Summary::MakeObject()
                         .Set("rounds", v.latency_rounds)
                         .Set("p50_ms", *v.p50_ms)
                         .Set("parent_p50_ms", *v.parent_p50_ms)
                         .Set("ratio", Ratio(*v.p50_ms, *v.parent_p50_ms)));
  }
  Summary ops = Summary::MakeObject();
  for (const auto& [op, counts] : v.op_diff) {
    ops.Set(op, Summary::MakeObject().Set("parent", counts.first).Set("variant", counts.second));
  }
  return s.Set("op_histogram_diff", std::move(ops));
}

}  // namespace

Result<ParityMeta> ParseParityMeta(const std::string& meta_json, const ParityConfig& defaults) {
  ParityMeta out;
  out.config = defaults;
  ASSIGN_OR_RETURN(json meta, util::ReadJson(meta_json));
  if (!meta.is_object() || !meta.contains("parity") || meta["parity"].is_null()) return out;
  const json& p = meta["parity"];
  if (!p.is_object()) return InvalidArgument("meta.parity must be an object");
  if (p.contains("atol")) {
    ASSIGN_OR_RETURN(out.config.tolerance.atol, NonNegative(p["atol"], "atol"));
  }
  if (p.contains("rtol")) {
    ASSIGN_OR_RETURN(out.config.tolerance.rtol, NonNegative(p["rtol"], "rtol"));
  }
  if (p.contains("seed")) {
    const std::optional<int64_t> seed = util::JsonInt64(p["seed"]);
    if (!seed || *seed < 0) {
      return InvalidArgument("meta.parity.seed must be a non-negative integer");
    }
    out.config.inputs.seed = static_cast<uint64_t>(*seed);
  }
  if (p.contains("shapes")) RETURN_IF_ERROR(ParseShapes(p["shapes"], out.config.inputs));
  if (p.contains("variant")) RETURN_IF_ERROR(ParseVariant(p["variant"], out.config.variant));
  if (p.contains("skip")) {
    const json& v = p["skip"];
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      return InvalidArgument("meta.parity.skip must be the reason, a non-empty string");
    }
    out.skip = v.get<std::string>();
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
  if (r.variant) s.Set("variant", VariantJson(*r.variant, c.variant));
  return s.ToJson();
}

}  // namespace mv::inference
