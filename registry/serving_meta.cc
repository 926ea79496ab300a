#include "registry/serving_meta.h"

#include <optional>
#include <string>

#include "util/json_read.h"

namespace mv {
namespace {

using nlohmann::json;

Result<int64_t> IntIn(const json& v, const char* field, int64_t lo, int64_t hi) {
  const std::optional<int64_t> n = util::JsonInt64(v);
  if (!n || *n < lo || *n > hi) {
    return InvalidArgument(std::string("meta.serving.") + field + " must be an integer from " +
                           std::to_string(lo) + " to " + std::to_string(hi));
  }
  return *n;
}

}  // namespace

Result<BatchPolicy> ParseServingMeta(const json& meta) {
  BatchPolicy out;
  if (!meta.is_object() || !meta.contains("serving") || meta["serving"].is_null()) return out;
  const json& s = meta["serving"];
  if (!s.is_object()) return InvalidArgument("meta.serving must be an object");
  if (!s.contains("max_batch")) {
    if (s.contains("max_delay_us")) {
      return InvalidArgument("meta.serving.max_delay_us needs meta.serving.max_batch");
    }
    return out;
  }
  ASSIGN_OR_RETURN(int64_t batch, IntIn(s["max_batch"], "max_batch", 2, kMaxServingBatch));
  out.max_batch = static_cast<int>(batch);
  out.max_delay_us = kDefaultServingDelayUs;
  if (s.contains("max_delay_us")) {
    ASSIGN_OR_RETURN(out.max_delay_us,
                     IntIn(s["max_delay_us"], "max_delay_us", 0, kMaxServingDelayUs));
  }
  return out;
}

Result<BatchPolicy> ParseServingMetaJson(std::string_view meta_json) {
  ASSIGN_OR_RETURN(json meta, util::ReadJson(meta_json));
  return ParseServingMeta(meta);
}

}  // namespace mv
