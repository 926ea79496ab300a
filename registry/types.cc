#include "registry/types.h"

namespace mv {

const char* VersionStateName(VersionState s) {
  return s == VersionState::kSealed ? "sealed" : "draft";
}

const char* StageName(Stage s) {
  switch (s) {
    case Stage::kNone: return "none";
    case Stage::kStaging: return "staging";
    case Stage::kProduction: return "production";
    case Stage::kArchived: return "archived";
  }
  return "none";
}

std::optional<Stage> StageFromName(const std::string& name) {
  for (Stage s : {Stage::kNone, Stage::kStaging, Stage::kProduction, Stage::kArchived}) {
    if (name == StageName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace mv
