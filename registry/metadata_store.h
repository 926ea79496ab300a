// MetadataStore: models, versions, artifacts, stages, aliases, lineage and the audit log.
// The registry owns this interface; storage/ implements it (SQLite now, PostgreSQL later).
// Every method is thread-safe. Each mutating method is one transaction that also appends
// its audit events: the change and its record happen together or not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/search/filter.h"
#include "util/status.h"
#include "registry/types.h"

namespace mv {

struct TransitionRequest {
  Stage to = Stage::kNone;
  bool archive_previous = true;  // promoting to production archives the previous holder
  std::string comment;
  std::string action = "stage";  // the audit action ("stage", or "stage.forced" for overrides)
};

struct TransitionResult {
  Version version;                   // after the change
  std::optional<int64_t> displaced;  // the version that left production, if any
  bool changed = true;               // false when it already was in that stage
};

struct AuditQuery {
  std::string model;   // empty: all
  std::string action;  // empty: all
  std::optional<int64_t> since_ms, until_ms;
  int64_t after_id = 0;  // keyset paging
  int limit = 100;
};

struct LineageQuery {
  std::string kind;  // "dataset", "commit", "run" or "parent"
  std::string ref;   // digest, sha, run id; for "parent": the parent's model and version
  int64_t parent_version = 0;
  bool transitive = false;  // also every descendant (through parent edges), at any depth
  int limit = 1000;
  // Keyset paging: only nodes after (after_depth, after_id) in the answers' order, which is
  // (depth, row_id) ascending.
  int after_depth = 0;
  int64_t after_id = 0;
};

// A version as it appears in lineage answers.
struct LineageNode {
  std::string model;
  int64_t version = 0;
  Stage stage = Stage::kNone;
  bool deleted = false;
  int depth = 0;  // distance from the query's start
  int64_t row_id = 0;  // the store's key of the version: with depth, the paging key
};

struct LineageEdge {
  std::string child_model;
  int64_t child_version = 0;
  std::string parent_model;
  int64_t parent_version = 0;
  std::string relation;
};

struct LineageGraph {
  std::vector<LineageNode> nodes;
  std::vector<LineageEdge> edges;
  std::vector<LineageRef> refs;  // the start version's runs, datasets, commits
};

struct VersionSearch {
  const search::Node* filter = nullptr;
  std::string model;  // restrict to one model; empty: all models
  bool include_drafts = false;
  bool newest_first = true;                          // order by (created_at, id)
  std::optional<std::pair<int64_t, int64_t>> after;  // keyset cursor (created_at, id)
  int limit = 100;
};

struct VersionHit {
  Version version;
  std::pair<int64_t, int64_t> cursor;  // (created_at, id), for the next page
};

// The largest report_json PutVersionReport stores.
inline constexpr size_t kMaxReportBytes = 1 << 20;

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // --- models ---
  // AlreadyExists when the name is taken.
  virtual Result<Model> CreateModel(const NewModel& model, const Actor& who, int64_t now_ms) = 0;
  // NotFound when absent.
  virtual Result<Model> GetModel(const std::string& name) = 0;
  // Models whose name sorts after `after_name` and that match `filter`, by name.
  virtual Result<std::vector<Model>> ListModels(const std::string& after_name, int limit,
                                                const search::Node* filter) = 0;
  virtual Result<Model> UpdateModel(const std::string& name, const ModelPatch& patch,
                                    const Actor& who, int64_t now_ms) = 0;

  // --- versions ---
  // Inserts a version numbered one above the model's highest, with `artifacts`, lineage
  // and attributes, as a draft or sealed. A failed call uses no number. NotFound for an
  // unknown model; InvalidArgument for a parent that does not exist.
  virtual Result<Version> CreateVersion(const std::string& model, const VersionSpec& spec,
                                        const std::vector<Artifact>& artifacts, bool sealed,
                                        const Actor& who, int64_t now_ms) = 0;
  // NotFound when the model or version is absent. Tombstones are returned (deleted_at set).
  virtual Result<Version> GetVersion(const std::string& model, int64_t number) = 0;
  // The same, with `reports` set from one snapshot: the reports of a live sealed version,
  // none for a draft or a tombstone.
  virtual Result<Version> GetVersionWithReports(const std::string& model, int64_t number) = 0;
  // Live versions of one model or of all, filtered and keyset-paged.
  virtual Result<std::vector<VersionHit>> SearchVersions(const VersionSearch& q) = 0;
  // The full inspection of a blob stored under an artifact name (an inspection depends on
  // both; version reads carry it without the summary). NotFound when never inspected so.
  virtual Result<InspectionRecord> GetInspection(const std::string& sha256,
                                                 const std::string& name) = 0;
  // The highest sealed live version number; NotFound when the model has none.
  virtual Result<int64_t> LatestVersion(const std::string& model) = 0;
  // Adds or replaces an artifact of a draft. FailedPrecondition when the version is sealed.
  virtual Status PutDraftArtifact(const std::string& model, int64_t number,
                                  const Artifact& artifact, const Actor& who) = 0;
  // Removes an artifact of a draft. FailedPrecondition when sealed, NotFound when absent.
  virtual Status DeleteDraftArtifact(const std::string& model, int64_t number,
                                     const std::string& name, const Actor& who, int64_t now_ms) = 0;
  // Seals a draft. FailedPrecondition when already sealed or empty.
  virtual Result<Version> SealVersion(const std::string& model, int64_t number, const Actor& who,
                                      int64_t now_ms) = 0;
  // Tombstones a sealed version that is not in production: content, aliases and
  // attributes go, the number and the audit stay. FailedPrecondition when in production.
  virtual Result<Version> DeleteVersion(const std::string& model, int64_t number,
                                        const std::string& comment, const Actor& who,
                                        int64_t now_ms) = 0;

  // --- stages and aliases ---
  // Moves a sealed, live version to another stage; at most one production version per
  // model (the database enforces it). FailedPrecondition for drafts, tombstones and
  // transitions the lifecycle forbids.
  virtual Result<TransitionResult> Transition(const std::string& model, int64_t number,
                                              const TransitionRequest& req, const Actor& who,
                                              int64_t now_ms) = 0;
  // The version now in `stage` (the newest one for stages that can hold several);
  // NotFound when none.
  virtual Result<int64_t> VersionInStage(const std::string& model, Stage stage) = 0;
  // NotFound when the alias does not exist.
  virtual Result<int64_t> ResolveAlias(const std::string& model, const std::string& alias) = 0;
  // Points `alias` at a sealed live version (creating or moving it).
  virtual Status SetAlias(const std::string& model, const std::string& alias, int64_t number,
                          const Actor& who, int64_t now_ms) = 0;
  virtual Status DeleteAlias(const std::string& model, const std::string& alias, const Actor& who,
                             int64_t now_ms) = 0;

  // --- reports (derived from the artifacts: writable after sealing, never audited) ---
  // Adds or replaces the report of `kind` on a sealed, live version. InvalidArgument for a
  // kind or status outside [a-z0-9_-]{1,64} or a report that is not a JSON object (at most
  // kMaxReportBytes); NotFound when the version is absent; FailedPrecondition for a draft
  // or a tombstone.
  virtual Status PutVersionReport(const std::string& model, int64_t number, const std::string& kind,
                                  const std::string& status, const std::string& report_json,
                                  int64_t now_ms) = 0;
  // The version's reports, by kind. NotFound when the version is absent.
  virtual Result<std::vector<VersionReport>> ListVersionReports(const std::string& model,
                                                                int64_t number) = 0;
  // Live sealed versions whose report of `kind` has `status` (e.g. parity checks left
  // "pending" by a stop), as (model, number), at most `limit` of them.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> ListVersionsWithReport(
      const std::string& kind, const std::string& status, int limit) = 0;

  // --- audit ---
  // Events matching `q`, oldest first.
  virtual Result<std::vector<AuditEvent>> ListAudit(const AuditQuery& q) = 0;

  // --- lineage ---
  // Live sealed versions downstream of a dataset, commit, run or parent version, at most
  // q.limit of them, nearest first. Transitive walks have no depth bound (a visited set
  // ends them). NotFound when the parent is not a sealed version.
  virtual Result<std::vector<LineageNode>> Downstream(const LineageQuery& q) = 0;
  // The graph of parents (up) or children (down) around a version, `depth` levels deep.
  virtual Result<LineageGraph> Graph(const std::string& model, int64_t number, bool up,
                                     int depth) = 0;
};

}  // namespace mv
