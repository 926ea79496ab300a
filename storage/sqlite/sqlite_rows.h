// Row readers shared by the SQLite store's model and version halves. Internal to storage/sqlite.
#pragma once

#include <string>
#include <vector>

#include "registry/types.h"
#include "storage/sqlite/sqlite_conn.h"

namespace mv::storage {

// The id of model `name`; NotFound when absent.
Result<int64_t> ModelId(Connection& c, const std::string& name);
// The full model record with tags and version counts; NotFound when absent.
Result<Model> LoadModel(Connection& c, const std::string& name);
// The version's row id and record (artifacts included); NotFound when absent.
Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number);
Result<std::vector<Artifact>> LoadArtifacts(Connection& c, int64_t version_id);

}  // namespace mv::storage
