// meta.serving of a version: how the registry serves it. Today only dynamic batching:
//   {"serving": {"max_batch": 16, "max_delay_us": 2000}}
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv {

inline constexpr int kMaxServingBatch = 1024;
inline constexpr int64_t kMaxServingDelayUs = 10'000'000;
// The wait for companions when meta.serving names max_batch without max_delay_us.
inline constexpr int64_t kDefaultServingDelayUs = 2000;

// The batching `meta` (the version's whole meta object) asks for; max_batch 0 when it asks
// for none. InvalidArgument naming the field when meta.serving is not an object, max_batch
// is not an integer 2..1024, max_delay_us not an integer 0..10000000 or given without
// max_batch. Thread-safe.
Result<BatchPolicy> ParseServingMeta(const nlohmann::json& meta);
// The same from the stored meta JSON text.
Result<BatchPolicy> ParseServingMetaJson(std::string_view meta_json);

}  // namespace mv
