// Streams request bodies into ArtifactUploads: a raw body (curl -T) or a multipart form
// (a "meta" JSON part plus one part per artifact), in bounded memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/context.h"
#include "registry/version_service.h"

namespace mv::api {

struct MultipartUpload {
  std::string meta_text;  // the "meta" part, empty when absent
  std::vector<std::unique_ptr<ArtifactUpload>> artifacts;
};

// Reads a multipart/form-data body. A part named "meta" is the JSON meta (at most the
// service's meta limit); every other part is an artifact named by the part's field name,
// or by its filename when the field is the generic "file"/"files". Each artifact is finished
// (ArtifactUpload::Finish) as soon as its part ends. ResourceExhausted (413), keeping
// nothing, beyond `max_parts` parts (the meta part included).
Result<MultipartUpload> ReadMultipart(Ctx& ctx, VersionService& versions, size_t max_parts);

// Streams the raw body into `upload`.
Status ReadRawBody(Ctx& ctx, ArtifactUpload& upload);

}  // namespace mv::api
