// The inspectors this build knows, registered explicitly from main (never from static
// initializers: a static library would drop them).
#pragma once

#include "registry/formats/artifact_format.h"

namespace mv::formats {

void RegisterBuiltinFormats(FormatRegistry& registry);

}  // namespace mv::formats
