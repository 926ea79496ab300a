// Stages, aliases, stage history, the audit log and lineage queries. Thread-safe; all
// state lives in the MetadataStore.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "registry/clock.h"
#include "registry/metadata_store.h"
#include "util/status.h"
#include "registry/types.h"

namespace mv {

// Decides whether a version may enter production (parity, safety verdicts, ...). Returns
// FailedPrecondition with the reason when it may not. Later layers plug checks in here.
using PromotionGate = std::function<Status(const Version&)>;

// The gate every server starts with: no quarantined artifact (one whose loading runs code,
// kept under --pickle-policy quarantine), no artifact whose inspection found errors
// (missing tensor storage, malformed files, ...) and no version whose "references" report
// failed (external data or shards that are not its artifacts) may enter production.
Status QuarantineGate(const Version& v);

// Judges a version's stored reports (parity, ...) for production; FailedPrecondition says why
// not. The inference layer provides the parity one (inference::CheckParityForPromotion).
using ReportCheck = std::function<Status(const Version&, const std::vector<VersionReport>&)>;

// The production gate a server runs with: QuarantineGate, then `reports_check` on the
// reports stored in `meta` (which must outlive the gate). Thread-safe as `meta` is.
PromotionGate ProductionGate(MetadataStore& meta, ReportCheck reports_check);

struct StageRequest {
  std::string stage;
  std::string comment;
  bool force = false;  // an admin's override of the promotion gate; audited as such
  bool archive_previous = true;
};

// One stretch of time a version held a stage; `until_ms` is empty while it still does.
struct StageInterval {
  int64_t version = 0;
  int64_t from_ms = 0;
  std::optional<int64_t> until_ms;
};

class LifecycleService {
 public:
  LifecycleService(MetadataStore& store, Clock& clock, PromotionGate gate = nullptr)
      : store_(store), clock_(clock), gate_(std::move(gate)) {}

  // InvalidArgument for an unknown stage; FailedPrecondition for an illegal transition, a
  // draft or tombstone, or a refusal of the promotion gate without `force`.
  Result<TransitionResult> Transition(const std::string& model, int64_t number,
                                      const StageRequest& req, const Actor& who);
  // The version number in `stage`; NotFound when none.
  Result<int64_t> InStage(const std::string& model, const std::string& stage);

  Status SetAlias(const std::string& model, const std::string& alias, int64_t number,
                  const Actor& who);
  Result<int64_t> GetAlias(const std::string& model, const std::string& alias);
  Status DeleteAlias(const std::string& model, const std::string& alias, const Actor& who);

  // Who held `stage` over time, oldest first, from the audit log.
  Result<std::vector<StageInterval>> Timeline(const std::string& model, const std::string& stage);
  // The version that held `stage` at `at_ms`, or nullopt.
  Result<std::optional<int64_t>> HolderAt(const std::string& model, const std::string& stage,
                                          int64_t at_ms);

  // Audit events, oldest first, keyset-paged by an opaque token.
  Result<Page<AuditEvent>> Audit(AuditQuery q, const std::string& page_token);

  // Versions downstream of a dataset digest, commit, run or "model:version" parent (with
  // `transitive`, also everything derived from those, at any depth), nearest first and
  // keyset-paged: `limit` 0 means 1000; `page_token` is a previous page's next_token.
  // InvalidArgument for a bad kind, ref, limit or token; NotFound for an unknown parent.
  Result<Page<LineageNode>> Downstream(const std::string& kind, const std::string& ref,
                                       bool transitive, int limit = 0,
                                       const std::string& page_token = "");
  Result<LineageGraph> Graph(const std::string& model, int64_t number, const std::string& dir,
                             int depth);

 private:
  Result<Stage> ParseStage(const std::string& name) const;

  MetadataStore& store_;
  Clock& clock_;
  PromotionGate gate_;
};

}  // namespace mv
