// Bounded reads from a BlobReader, shared by the inspectors of this folder and its siblings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "registry/blob_store.h"
#include "util/status.h"

namespace mv::formats::archive {

// Reads bytes [offset, offset + n) clamped to the blob's end: the result may be shorter
// than n. The caller bounds n (this allocates n bytes up front). Propagates ReadAt errors.
Result<std::string> ReadRange(BlobReader& bytes, int64_t offset, int64_t n);

// Whether `name` ends with `suffix`, ignoring ASCII case.
bool EndsWithNoCase(std::string_view name, std::string_view suffix);

}  // namespace mv::formats::archive
