// Blob pins (uploads) and gc claims in PostgreSQL; pg_blob_pins.h describes the protocol.
#include "storage/postgres/pg_blob_pins.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "registry/names.h"
#include "storage/postgres/pg_metadata_store.h"

namespace mv::storage::pg {
namespace {

// The advisory lock class of blob digests (the two-key form never meets the one-key locks,
// such as the migrations').
constexpr int64_t kBlobLockClass = 17017;
// How long an upload waits for a gc's removal of the same digest to end.
constexpr auto kPinWait = std::chrono::seconds(30);

int32_t LockKey(std::string_view sha256) {
  uint32_t key = 0;
  for (size_t i = 0; i < 8 && i < sha256.size(); ++i) {
    const char ch = sha256[i];
    const uint32_t nibble =
        ch >= 'a' ? static_cast<uint32_t>(ch - 'a' + 10) : static_cast<uint32_t>(ch - '0');
    key = (key << 4) | (nibble & 0xf);
  }
  return static_cast<int32_t>(key);
}

class PgBlobPin final : public BlobPin {
 public:
  PgBlobPin(ConnectionPool& pool, int64_t id) : pool_(pool), id_(id) {}
  // A failed unpin leaves the pin to expire (kPinLifetimeMs): the blob is kept longer.
  ~PgBlobPin() override {
    auto c = pool_.Acquire();
    (void)UnpinBlob(*c, id_);
  }

 private:
  ConnectionPool& pool_;
  int64_t id_;
};

}  // namespace

Status LockBlob(Connection& c, std::string_view sha256) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT pg_advisory_xact_lock(?1::int, ?2::int)"));
  s.Bind(1, kBlobLockClass).Bind(2, int64_t{LockKey(sha256)});
  return s.Step().status();
}

Result<int64_t> TryPinBlob(Connection& c, std::string_view sha256) {
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(LockBlob(c, sha256));
  ASSIGN_OR_RETURN(
      Stmt s,
      c.Prepare("WITH t AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
                "AS ms) INSERT INTO blob_pins(sha256, pinned_at, expires_at) "
                "SELECT ?1::text, t.ms, t.ms + ?2::bigint FROM t WHERE NOT EXISTS ("
                "SELECT 1 FROM blob_removals r WHERE r.sha256 = ?1::text AND r.started_at > "
                "t.ms - ?3::bigint) RETURNING id"));
  s.Bind(1, sha256).Bind(2, kPinLifetimeMs).Bind(3, kStaleClaimMs);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return int64_t{0};  // the transaction rolls back: nothing was written
  const int64_t id = s.Int(0);
  RETURN_IF_ERROR(txn.Commit());
  return id;
}

Status UnpinBlob(Connection& c, int64_t pin_id) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM blob_pins WHERE id = ?1"));
  return s.Bind(1, pin_id).Run();
}

Result<bool> TryClaimBlob(Connection& c, const std::string& sha256, const std::string& claim) {
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(LockBlob(c, sha256));
  // Read after the lock: every pin committed before it is visible to this statement.
  ASSIGN_OR_RETURN(
      Stmt s,
      c.Prepare("WITH t AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) "
                "INSERT INTO blob_removals(sha256, claim, started_at) SELECT ?1::text, ?2::text, "
                "t.ms FROM t "
                "WHERE NOT EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1) "
                "AND NOT EXISTS (SELECT 1 FROM blob_pins p WHERE p.sha256 = ?1 "
                "AND p.expires_at > t.ms) "
                "AND NOT EXISTS (SELECT 1 FROM blob_removals r WHERE r.sha256 = ?1 "
                "AND r.started_at > t.ms - ?3::bigint) "
                "ON CONFLICT (sha256) DO UPDATE SET claim = excluded.claim, "
                "started_at = excluded.started_at RETURNING 1"));
  s.Bind(1, sha256).Bind(2, claim).Bind(3, kStaleClaimMs);
  ASSIGN_OR_RETURN(bool claimed, s.Step());
  if (!claimed) return false;
  RETURN_IF_ERROR(txn.Commit());
  return true;
}

Status EndBlobClaim(Connection& c, const std::string& sha256, const std::string& claim) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM blob_removals WHERE sha256 = ?1 AND claim = ?2"));
  return s.Bind(1, sha256).Bind(2, claim).Run();
}

Result<std::unique_ptr<BlobPin>> PgMetadataStore::Pin(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  const auto deadline = std::chrono::steady_clock::now() + kPinWait;
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    int64_t id = 0;
    {
      auto c = pool_->Acquire();
      ASSIGN_OR_RETURN(id, TryPinBlob(*c, sha256));
    }
    if (id != 0) return std::unique_ptr<BlobPin>(std::make_unique<PgBlobPin>(*pool_, id));
    // A gc is deleting these bytes right now: one object deletion, so wait briefly.
    if (std::chrono::steady_clock::now() + pause > deadline) {
      return Unavailable("blob " + std::string(sha256) +
                         " is being removed by gc for too long; retry the upload");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

}  // namespace mv::storage::pg
