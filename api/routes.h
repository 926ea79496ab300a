// Route registration, one function per resource, called explicitly from main.
#pragma once

#include <functional>

#include "api/router.h"
#include "registry/lifecycle_service.h"
#include "registry/model_service.h"
#include "registry/version_service.h"

namespace mv::api {

struct Services {
  ModelService* models;
  VersionService* versions;
  LifecycleService* lifecycle;
  // Whether the stores answer; used by /readyz.
  std::function<Status()> readiness;
};

void RegisterHealthRoutes(Router& router, Services& s);
void RegisterModelRoutes(Router& router, Services& s);
void RegisterVersionRoutes(Router& router, Services& s);
void RegisterArtifactRoutes(Router& router, Services& s);
void RegisterLifecycleRoutes(Router& router, Services& s);
void RegisterLineageRoutes(Router& router, Services& s);

}  // namespace mv::api
