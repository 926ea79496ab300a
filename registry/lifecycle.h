// The lifecycle rules, shared by the registry services and the stores that enforce them
// inside their transactions.
#pragma once

#include "util/status.h"
#include "registry/types.h"

namespace mv {

// OK when a version may move from `from` to `to`:
//   none -> staging | production | archived,  staging -> none | production | archived,
//   production -> staging | archived,          archived -> staging | production.
// FailedPrecondition otherwise (including from == to, which callers treat as a no-op).
Status CheckTransition(Stage from, Stage to);

}  // namespace mv
