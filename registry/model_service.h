// Models: create, read, list, update. Thread-safe; holds no state of its own.
#pragma once

#include <string>

#include "registry/clock.h"
#include "registry/metadata_store.h"
#include "util/status.h"
#include "registry/types.h"

namespace mv {

inline constexpr int kMaxPageSize = 1000;
inline constexpr int kDefaultPageSize = 100;
inline constexpr size_t kMaxDescriptionBytes = 16 * 1024;
inline constexpr size_t kMaxTags = 64;
inline constexpr size_t kMaxTagValueBytes = 1024;

// InvalidArgument when a description or tag set breaks the limits above.
Status ValidateDescription(const std::string& description);
Status ValidateTags(const Tags& tags);

class ModelService {
 public:
  ModelService(MetadataStore& store, Clock& clock) : store_(store), clock_(clock) {}

  // InvalidArgument for a bad name/description/tags, AlreadyExists for a taken name.
  Result<Model> Create(const NewModel& model, const Actor& who);
  Result<Model> Get(const std::string& name);
  // Keyset pagination by name; `page_token` is the opaque token of the previous page.
  // `filter` is the search language (registry/search/filter.h); empty matches all.
  Result<Page<Model>> List(const std::string& page_token, int limit, const std::string& filter);
  Result<Model> Update(const std::string& name, const ModelPatch& patch, const Actor& who);

 private:
  MetadataStore& store_;
  Clock& clock_;
};

// Opaque page tokens: hex of the last key of the previous page (URL-safe as it is).
std::string EncodePageToken(const std::string& key);
Result<std::string> DecodePageToken(const std::string& token);
// Clamps a client's limit: 0 means the default; InvalidArgument when negative or too big.
Result<int> CheckPageLimit(int limit);

}  // namespace mv
