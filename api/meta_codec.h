// The `meta` object of a version: description, tags, lineage, params, metrics, env and
// checksums. Kept verbatim as JSON; the searchable and linkable parts are also extracted.
#pragma once

#include <nlohmann/json.hpp>

#include "util/status.h"
#include "registry/types.h"

namespace mv::api {

// meta.lineage accepts
//   {"parents":[{"model","version","relation"}], "run":"id" | {"id","url"},
//    "datasets":[{"name","digest"}] (or "dataset":"digest"), "commit":"sha" | {"repo","sha"},
//    "params":{...}, "metrics":{...}}
// and meta.tags/params/metrics at the top level too. Relations: fine-tuned-from,
// quantized-from, pruned-from, converted-from, distilled-from, other (the default).
// InvalidArgument naming the offending field.
Result<VersionSpec> SpecFromMeta(const nlohmann::json& meta);

}  // namespace mv::api
