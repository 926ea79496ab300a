#include "storage/postgres/pg_maintenance_store.h"

#include <algorithm>

#include "registry/names.h"
#include "storage/postgres/pg_blob_pins.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"
#include "util/encoding.h"
#include "util/random.h"

namespace mv::storage::pg {
namespace {

// Digests forgotten per transaction: each holds an advisory lock until the commit.
constexpr size_t kForgetBatch = 64;

class PgRemovalClaim final : public BlobRemovalClaim {
 public:
  PgRemovalClaim(PgMaintenanceStore& store, std::string sha256, std::string claim)
      : store_(store), sha256_(std::move(sha256)), claim_(std::move(claim)) {}
  ~PgRemovalClaim() override { store_.EndClaim(sha256_, claim_); }

 private:
  PgMaintenanceStore& store_;
  std::string sha256_;
  std::string claim_;
};

}  // namespace

Result<std::unique_ptr<PgMaintenanceStore>> PgMaintenanceStore::Open(const std::string& conninfo) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(conninfo));
  RETURN_IF_ERROR(Migrate(*c));
  return std::unique_ptr<PgMaintenanceStore>(new PgMaintenanceStore(std::move(c)));
}

Result<std::vector<ArtifactBlobRef>> PgMaintenanceStore::ListArtifactBlobs() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  ReadTxn txn(*c_);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(Stmt s, c_->Prepare("SELECT m.name, v.number, a.name, a.sha256, a.size, "
                                       "v.state FROM artifacts a JOIN versions v ON v.id = "
                                       "a.version_id JOIN models m ON m.id = v.model_id "
                                       "ORDER BY a.sha256, m.name, v.number, a.name"));
  std::vector<ArtifactBlobRef> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5) == "draft"});
  }
  return out;
}

Result<std::vector<DraftRef>> PgMaintenanceStore::ListStaleDrafts(int64_t cutoff_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  ASSIGN_OR_RETURN(Stmt s,
                   c_->Prepare("SELECT name, number, last FROM (SELECT m.name AS name, v.number AS "
                               "number, GREATEST(v.created_at, COALESCE((SELECT MAX(a.created_at) "
                               "FROM artifacts a WHERE a.version_id = v.id), 0)) AS last FROM "
                               "versions v JOIN models m ON m.id = v.model_id WHERE v.state = "
                               "'draft' AND v.deleted_at IS NULL) d WHERE last < ?1 "
                               "ORDER BY name, number"));
  s.Bind(1, cutoff_ms);
  std::vector<DraftRef> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Int(2)});
  }
  return out;
}

Status PgMaintenanceStore::DeleteDraft(const std::string& model, int64_t number, int64_t cutoff_ms,
                                       const Actor& who, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  Connection& c = *c_;
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  // The model's row lock orders this against uploads into the draft from any replica.
  RETURN_IF_ERROR(LockModelId(c, model).status());
  const std::string label = model + ":" + std::to_string(number);
  int64_t id = 0;
  {
    ASSIGN_OR_RETURN(
        Stmt s, c.Prepare("SELECT v.id, v.state, GREATEST(v.created_at, COALESCE((SELECT "
                          "MAX(a.created_at) FROM artifacts a WHERE a.version_id = v.id), 0)), "
                          "EXISTS (SELECT 1 FROM version_parents p WHERE p.parent_id = v.id) "
                          "FROM versions v JOIN models m ON m.id = v.model_id "
                          "WHERE m.name = ?1 AND v.number = ?2"));
    s.Bind(1, model).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NotFound("version " + label + " does not exist");
    if (s.Text(1) != "draft") return FailedPrecondition(label + " is no longer a draft");
    if (s.Int(2) >= cutoff_ms) return FailedPrecondition(label + " changed since the cutoff");
    if (s.Int(3) != 0) return FailedPrecondition(label + " is named as a parent");
    id = s.Int(0);
  }
  for (const char* sql :
       {"DELETE FROM artifacts WHERE version_id = ?1",
        "DELETE FROM version_attrs WHERE version_id = ?1",
        "DELETE FROM lineage_refs WHERE version_id = ?1",
        "DELETE FROM version_parents WHERE child_id = ?1",
        "DELETE FROM version_reports WHERE version_id = ?1",
        "DELETE FROM aliases WHERE version_id = ?1", "DELETE FROM versions WHERE id = ?1"}) {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql));
    RETURN_IF_ERROR(s.Bind(1, id).Run());
  }
  RETURN_IF_ERROR(AppendAudit(c, who, now_ms, "version.expire", model, number, "draft", "deleted",
                              "stale draft removed by gc"));
  return txn.Commit();
}

Result<int64_t> PgMaintenanceStore::ForgetBatch(const std::vector<std::string>& sha256s,
                                                size_t first, size_t end) {
  Connection& c = *c_;
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  int64_t forgotten = 0;
  for (size_t i = first; i < end; ++i) {
    const std::string& sha = sha256s[i];
    RETURN_IF_ERROR(LockBlob(c, sha));
    {
      ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM inspections WHERE sha256 = ?1 AND NOT "
                                         "EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1) "
                                         "AND NOT EXISTS (SELECT 1 FROM blob_pins WHERE "
                                         "sha256 = ?1)"));
      RETURN_IF_ERROR(s.Bind(1, sha).Run());
    }
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS "
                                       "(SELECT 1 FROM artifacts WHERE sha256 = ?1) AND NOT "
                                       "EXISTS (SELECT 1 FROM inspections WHERE sha256 = ?1) "
                                       "AND NOT EXISTS (SELECT 1 FROM blob_pins WHERE "
                                       "sha256 = ?1)"));
    RETURN_IF_ERROR(s.Bind(1, sha).Run());
    forgotten += s.Changes();
  }
  RETURN_IF_ERROR(txn.Commit());
  return forgotten;
}

Result<int64_t> PgMaintenanceStore::ForgetBlobs(const std::vector<std::string>& sha256s) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  int64_t forgotten = 0;
  for (size_t first = 0; first < sha256s.size(); first += kForgetBatch) {
    ASSIGN_OR_RETURN(int64_t n,
                     ForgetBatch(sha256s, first, std::min(sha256s.size(), first + kForgetBatch)));
    forgotten += n;
  }
  // Pins of replicas that died: they no longer count (kPinLifetimeMs); drop the rows.
  ASSIGN_OR_RETURN(Stmt s, c_->Prepare("DELETE FROM blob_pins WHERE expires_at < "
                                       "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"));
  RETURN_IF_ERROR(s.Run());
  return forgotten;
}

Result<std::vector<ArtifactBlobRef>> PgMaintenanceStore::Snapshot(const std::string&) {
  return FailedPrecondition(
      "backup and restore work on SQLite data dirs only: back up PostgreSQL with pg_dump and "
      "the bucket with its versioning (docs/deploy.md, \"Backups\")");
}

Result<std::unique_ptr<BlobRemovalClaim>> PgMaintenanceStore::ClaimBlobRemoval(
    const std::string& sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  ASSIGN_OR_RETURN(std::string rnd, util::RandomBytes(16));
  const std::string claim = HexEncode(rnd);
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  ASSIGN_OR_RETURN(bool claimed, TryClaimBlob(*c_, sha256, claim));
  if (!claimed) return std::unique_ptr<BlobRemovalClaim>();
  return std::unique_ptr<BlobRemovalClaim>(std::make_unique<PgRemovalClaim>(*this, sha256, claim));
}

void PgMaintenanceStore::EndClaim(const std::string& sha256, const std::string& claim) {
  std::lock_guard<std::mutex> lock(mu_);
  // A failed end leaves the claim to go stale (kStaleClaimMs): uploads of these bytes wait
  // and fail meanwhile, none is lost.
  if (c_->EnsureOpen().ok()) (void)EndBlobClaim(*c_, sha256, claim);
}

}  // namespace mv::storage::pg
