// The flags of `modelvault serve`, declared once: parsing, `serve --help` and the flag table
// in docs/operations.md (checked by tests/e2e/flags_doc_test.sh) all come from this list.
#pragma once

#include <string>

#include "util/flags.h"

namespace mv::api {

const util::FlagSpecs& ServeFlagSpecs();
// One of them by name, for the operator commands that take the same flag (--metadata,
// --blobs). Naming an undeclared flag is a programmer error (abort).
const util::FlagSpec& ServeFlag(const std::string& name);

}  // namespace mv::api
