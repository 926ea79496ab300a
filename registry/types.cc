#include "registry/types.h"

namespace mv {

const char* VersionStateName(VersionState s) {
  return s == VersionState::kSealed ? "sealed" : "draft";
}

}  // namespace mv
