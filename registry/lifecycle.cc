#include "registry/lifecycle.h"

namespace mv {

Status CheckTransition(Stage from, Stage to) {
  bool ok = false;
  switch (from) {
    case Stage::kNone: ok = to != Stage::kNone; break;
    case Stage::kStaging: ok = to != Stage::kStaging; break;
    case Stage::kProduction: ok = to == Stage::kStaging || to == Stage::kArchived; break;
    case Stage::kArchived: ok = to == Stage::kStaging || to == Stage::kProduction; break;
  }
  if (ok) return Status::Ok();
  return FailedPrecondition(std::string("a version cannot move from ") + StageName(from) +
                            " to " + StageName(to));
}

}  // namespace mv
