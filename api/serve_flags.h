// The flags of `modelvault serve`, declared once: parsing, `serve --help` and the flag table
// in docs/operations.md (checked by tests/e2e/flags_doc_test.sh) all come from this list.
#pragma once

#include "util/flags.h"

namespace mv::api {

const util::FlagSpecs& ServeFlagSpecs();

}  // namespace mv::api
