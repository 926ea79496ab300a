// schema/openapi.yaml, embedded at build time (served at GET /api/v1/openapi.yaml).
#pragma once

namespace mv::schema {

const char* OpenApiYaml();

}  // namespace mv::schema
