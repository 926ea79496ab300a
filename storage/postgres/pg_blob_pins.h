// Pins and gc claims of blobs in PostgreSQL (schema/postgres/0004_blob_pins.sql): the
// statements PgMetadataStore (pins, for uploads) and PgMaintenanceStore (claims, for gc)
// share. Internal to storage/postgres.
//
// Protocol: a pin and a claim of the same digest each run in one transaction that first
// takes the digest's advisory lock, so they are ordered. A pin is refused while a fresh claim
// exists (the upload waits and retries); a claim is refused while an artifact row references
// the digest, a live pin holds it or another fresh claim exists. An upload keeps its pin
// from before its publish until its version's rows are committed, so from the pin on, the
// blob is always referenced or pinned: a claim made after the pin fails, and a claim made
// before it ends (bytes deleted) before the pin, whose publish then stores the bytes again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/postgres/pg_conn.h"

namespace mv::storage::pg {

// A pin whose replica died (no unpin) stops counting after this long. It must exceed the
// longest publish-to-commit of one upload (a multi-part server-side copy of a huge blob).
inline constexpr int64_t kPinLifetimeMs = int64_t{6} * 3600 * 1000;
// A claim whose gc died (no end) is taken over after this long. It must exceed the longest
// object deletion the S3 client may still be retrying (its timeouts times its attempts).
inline constexpr int64_t kStaleClaimMs = int64_t{30} * 60 * 1000;

// Takes the transaction-scoped advisory lock of `sha256` (a lowercase hex digest); call
// first inside the transaction. Unrelated digests sharing a key only wait for each other.
Status LockBlob(Connection& c, std::string_view sha256);

// Tries to pin `sha256` in one transaction on `c`: the pin's id, or 0 when a gc holds a
// fresh claim on it (retry after it ends).
Result<int64_t> TryPinBlob(Connection& c, std::string_view sha256);
Status UnpinBlob(Connection& c, int64_t pin_id);

// Tries to claim the removal of `sha256` under the random id `claim` in one transaction:
// false when the digest is referenced, pinned or claimed by another fresh claim.
Result<bool> TryClaimBlob(Connection& c, const std::string& sha256, const std::string& claim);
Status EndBlobClaim(Connection& c, const std::string& sha256, const std::string& claim);

}  // namespace mv::storage::pg
