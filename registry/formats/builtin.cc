#include "registry/formats/builtin.h"

namespace mv::formats {

void RegisterBuiltinFormats(FormatRegistry& registry) {
  // Inspectors are added here, most specific first.
  (void)registry;
}

}  // namespace mv::formats
