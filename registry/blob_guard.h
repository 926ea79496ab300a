// BlobGuard: how an upload keeps the blob it is about to commit from being removed by gc
// running in another process. The upload pins the digest before it publishes the bytes and
// drops the pin once the version's rows (which reference the blob) are committed; gc removes
// only blobs that no row references and no live pin holds, decided in the metadata store
// (MaintenanceStore::ClaimBlobRemoval). The registry owns this interface; storage/
// implements it where several processes share the stores (PostgreSQL). Without one (SQLite
// and the filesystem) the blob store orders publish against removal itself (gc.lock).
#pragma once

#include <memory>
#include <string_view>

#include "util/status.h"

namespace mv {

// A pin; destroying it unpins (a pin whose owner died expires after a long bound instead).
class BlobPin {
 public:
  virtual ~BlobPin() = default;
};

class BlobGuard {
 public:
  virtual ~BlobGuard() = default;
  // Pins `sha256` (committed before it returns) until the returned pin is destroyed. While
  // gc is removing that blob, waits for the removal to end, so the caller's publish that
  // follows stores the bytes again. Unavailable when the removal does not end within a
  // bounded wait or the store cannot be reached. Thread-safe; the guard outlives its pins.
  virtual Result<std::unique_ptr<BlobPin>> Pin(std::string_view sha256) = 0;
};

}  // namespace mv
