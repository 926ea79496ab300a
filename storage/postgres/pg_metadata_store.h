// PgMetadataStore: the MetadataStore, AuditChainReader, WebhookStore and ParityJobs on
// PostgreSQL (libpq), with a bounded pool of connections and server-side prepared statements.
// Several replicas may share one database: whatever must be decided once (version numbers,
// the one production version, the audit chain, who runs a parity check) is decided by the
// database under row locks (see pg_rows.h).
#pragma once

#include <memory>
#include <string>

#include "registry/audit_chain.h"
#include "registry/blob_guard.h"
#include "registry/metadata_store.h"
#include "registry/parity_jobs.h"
#include "registry/webhook_store.h"
#include "storage/postgres/pg_conn.h"

namespace mv::storage::pg {

class PgMetadataStore final : public MetadataStore,
                              public AuditChainReader,
                              public WebhookStore,
                              public ParityJobs,
                              public BlobGuard {
 public:
  // Connects to `conninfo` (a postgres:// URL or libpq key=value string), applies pending
  // migrations (schema/postgres) and opens `pool_size` connections. Unavailable when the
  // server cannot be reached; FailedPrecondition when its schema is newer than this binary.
  static Result<std::unique_ptr<PgMetadataStore>> Open(const std::string& conninfo, int pool_size);

  Result<Model> CreateModel(const NewModel& model, const Actor& who, int64_t now_ms) override;
  Result<Model> GetModel(const std::string& name) override;
  Result<std::vector<Model>> ListModels(const std::string& after_name, int limit,
                                        const search::Node* filter) override;
  Result<Model> UpdateModel(const std::string& name, const ModelPatch& patch, const Actor& who,
                            int64_t now_ms) override;

  Result<Version> CreateVersion(const std::string& model, const VersionSpec& spec,
                                const std::vector<Artifact>& artifacts, bool sealed,
                                const Actor& who, int64_t now_ms) override;
  Result<Version> GetVersion(const std::string& model, int64_t number) override;
  Result<Version> GetVersionWithReports(const std::string& model, int64_t number) override;
  Result<InspectionRecord> GetInspection(const std::string& sha256,
                                         const std::string& name) override;
  Result<std::vector<VersionHit>> SearchVersions(const VersionSearch& q) override;
  Result<int64_t> LatestVersion(const std::string& model) override;
  Status PutDraftArtifact(const std::string& model, int64_t number, const Artifact& artifact,
                          const Actor& who) override;
  Status DeleteDraftArtifact(const std::string& model, int64_t number, const std::string& name,
                             const Actor& who, int64_t now_ms) override;
  Result<Version> SealVersion(const std::string& model, int64_t number, const Actor& who,
                              int64_t now_ms) override;
  Result<Version> DeleteVersion(const std::string& model, int64_t number,
                                const std::string& comment, const Actor& who,
                                int64_t now_ms) override;

  Result<TransitionResult> Transition(const std::string& model, int64_t number,
                                      const TransitionRequest& req, const Actor& who,
                                      int64_t now_ms) override;
  Result<int64_t> VersionInStage(const std::string& model, Stage stage) override;
  Result<int64_t> ResolveAlias(const std::string& model, const std::string& alias) override;
  Status SetAlias(const std::string& model, const std::string& alias, int64_t number,
                  const Actor& who, int64_t now_ms) override;
  Status DeleteAlias(const std::string& model, const std::string& alias, const Actor& who,
                     int64_t now_ms) override;

  Status PutVersionReport(const std::string& model, int64_t number, const std::string& kind,
                          const std::string& status, const std::string& report_json,
                          int64_t now_ms) override;
  Result<std::vector<VersionReport>> ListVersionReports(const std::string& model,
                                                        int64_t number) override;
  Result<std::vector<std::pair<std::string, int64_t>>> ListVersionsWithReport(
      const std::string& kind, const std::string& status, int limit) override;

  Result<std::vector<AuditEvent>> ListAudit(const AuditQuery& q) override;
  Result<std::vector<ChainedAuditEvent>> ReadAuditChain(int64_t after_id, int limit) override;

  Result<std::vector<LineageNode>> Downstream(const LineageQuery& q) override;
  Result<LineageGraph> Graph(const std::string& model, int64_t number, bool up, int depth) override;

  // WebhookStore (pg_webhooks.cc).
  Result<Webhook> CreateWebhook(const Webhook& hook, int64_t now_ms) override;
  Result<std::vector<Webhook>> ListWebhooks() override;
  Result<Webhook> GetWebhook(int64_t id) override;
  Result<Webhook> UpdateWebhook(const Webhook& hook, int64_t now_ms) override;
  Status DeleteWebhook(int64_t id) override;
  Result<int64_t> QueueTestDelivery(int64_t id, const Actor& who, int64_t now_ms) override;
  Result<std::vector<WebhookDelivery>> ListDeliveries(int64_t webhook_id, int64_t before_id,
                                                      int limit) override;
  Result<std::vector<WebhookDelivery>> DueDeliveries(int64_t now_ms, int limit) override;
  Status RecordAttempt(int64_t id, const DeliveryAttempt& attempt) override;

  // ParityJobs (storage/postgres/pg_parity_jobs.cc).
  Result<bool> EnqueueParityJob(const std::string& model, int64_t number,
                                const std::string& pending_json, int64_t now_ms,
                                int64_t max_queued) override;
  Result<std::optional<ParityJob>> ClaimParityJob(const std::string& owner, int64_t lease_ms,
                                                  int64_t now_ms) override;
  Status RenewParityJob(int64_t id, const std::string& owner, int64_t lease_ms,
                        int64_t now_ms) override;
  Status FinishParityJob(const ParityJob& job, const std::string& status,
                         const std::string& report_json, int64_t now_ms) override;
  Status RequeueRunningParityJobs() override;
  Result<int64_t> FinishedParityJobs() override;
  // BlobGuard (pg_blob_pins.cc): pins in the blob_pins table, so gc in any replica keeps
  // the blob; waits up to 30 s while a gc removes it. Pins must not outlive the store.
  Result<std::unique_ptr<BlobPin>> Pin(std::string_view sha256) override;

  // The newest applied migration of schema/postgres.
  Result<int> SchemaVersion();
  uint64_t PoolWaits() const { return pool_->waits(); }
  uint64_t PoolWaitMicros() const { return pool_->wait_micros(); }

 private:
  explicit PgMetadataStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  std::unique_ptr<ConnectionPool> pool_;
};

// Applies the embedded schema/postgres migrations the database lacks, all in one transaction
// under a transaction-scoped advisory lock, so replicas starting together apply them once.
// FailedPrecondition when the database has a migration this binary does not know.
Status Migrate(Connection& c);

}  // namespace mv::storage::pg
