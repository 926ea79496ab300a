// External data of ONNX models: the files a model's initializers name by `location` must be
// artifacts of the model's version. The engine is handed their bytes in memory, never a
// path, so a location string never reaches the filesystem.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/inference_engine.h"
#include "registry/types.h"
#include "util/status.h"

namespace mv {

class VersionService;

// Whether an external-data location leaves the folder of the model: empty, absolute (POSIX
// or Windows), a drive, or a ".." component. Such a file is never an artifact of a version.
bool ExternalLocationOutsideVersion(const std::string& location);

// One file a model's external data lives in.
struct ExternalDataFile {
  std::string location;  // as the model names it (the artifact's name)
  Artifact artifact;
  int64_t needs = 0;  // the furthest byte any initializer reads from it
};

// The external data files of `onnx`, an artifact of `v`, from its inspection summary
// `summary_json` (graph.external_data), in location order; empty for a model without
// external data.
// FailedPrecondition naming the location when one is outside the version, names no
// artifact of `v`, or needs bytes past the artifact's end; InvalidArgument when an offset
// or length is not a number. Thread-safe (no state).
Result<std::vector<ExternalDataFile>> ExternalDataOf(const Version& v, const Artifact& onnx,
                                                     const std::string& summary_json);

// The ModelSource of `onnx` (an artifact of `v`): `load` reads the model and `load_external`
// its external data files from `versions`. key: the model's SHA-256, then each data file's
// location and SHA-256, so that a session is never reused for other data; size: the model
// and its data files together. FailedPrecondition as ExternalDataOf, or when the model and
// its data exceed `max_bytes`; the store's error when the inspection cannot be read.
// `versions` must outlive the source. Thread-safe.
Result<ModelSource> OnnxModelSource(VersionService& versions, const Version& v,
                                    const Artifact& onnx, int64_t max_bytes);

}  // namespace mv
