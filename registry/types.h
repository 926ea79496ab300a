// Domain types shared by the registry services and the stores.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/inspector.h"

namespace mv {

using Tags = std::map<std::string, std::string>;

struct Model {
  std::string name;
  std::string description;
  Tags tags;
  std::string owner;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t latest_version = 0;  // highest sealed version number, 0 when none
  int64_t version_count = 0;   // sealed versions
};

struct NewModel {
  std::string name;
  std::string description;
  Tags tags;
  std::string owner;
};

struct ModelPatch {
  std::optional<std::string> description;
  std::optional<Tags> tags;  // replaces the whole tag set
};

// A stored file of a version. `sha256` is lower-case hex and names the blob.
struct Artifact {
  std::string name;
  std::string sha256;
  int64_t size = 0;
  std::string kind;
  int64_t created_at_ms = 0;
  std::string safety = "unknown";  // from the inspection: safe, unsafe, unknown
  bool quarantined = false;        // unsafe and kept under --pickle-policy quarantine
  std::optional<InspectionRecord> inspection;  // written with the artifact, read with it
};

enum class VersionState { kDraft, kSealed };
const char* VersionStateName(VersionState s);

// Lifecycle stages: none -> staging -> production -> archived (and back from archived).
enum class Stage { kNone, kStaging, kProduction, kArchived };
const char* StageName(Stage s);
// InvalidArgument-free lookup: nullopt for an unknown name.
std::optional<Stage> StageFromName(const std::string& name);

// Who asks: passed down from the HTTP layer to every mutating call and into its audit event.
struct Actor {
  std::string name = "anonymous";
  std::string request_id;
};

// A parent version this one was made from (fine-tuned-from, quantized-from, ...).
struct ParentRef {
  std::string model;
  int64_t version = 0;
  std::string relation;
};

// A run, dataset or commit a version came from. `ref` is what queries match on.
struct LineageRef {
  std::string kind;    // "run", "dataset", "commit"
  std::string ref;     // run id, dataset digest, commit sha
  std::string detail;  // run url, dataset name, commit repo
};

struct Lineage {
  std::vector<ParentRef> parents;
  std::vector<LineageRef> refs;
};

// A searchable attribute of a version, from meta.tags / meta.params / meta.metrics.
struct VersionAttr {
  std::string kind;  // "tag", "param", "metric"
  std::string key;
  std::string text;
  std::optional<double> number;
};

struct AuditEvent {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string actor;
  std::string action;
  std::string model;
  std::optional<int64_t> version;
  std::string from;
  std::string to;
  std::string comment;
  std::string request_id;
};

// A report derived from a version's artifacts taken together (weight parity, environment,
// references, ONNX Runtime parity...). Derived data: written after sealing, replaceable.
struct VersionReport {
  std::string kind;    // "weights", "environment", "references", "parity", ...
  std::string status;  // "passed", "failed", "partial", "pending", "error", "recorded", ...
  std::string report_json = "{}";  // a JSON object
  int64_t updated_at_ms = 0;
};

struct Version {
  std::string model;
  int64_t number = 0;
  VersionState state = VersionState::kDraft;
  std::string description;
  std::string meta_json = "{}";  // the client's meta object, validated JSON text
  int64_t created_at_ms = 0;
  std::optional<int64_t> sealed_at_ms;
  Stage stage = Stage::kNone;
  std::optional<int64_t> stage_changed_at_ms;
  std::optional<int64_t> deleted_at_ms;  // a tombstone: number kept, content gone
  std::vector<std::string> aliases;
  std::vector<Artifact> artifacts;
  // By kind. Loaded by reads of one version (VersionService::Get, Create, Commit); nullopt
  // where they were not loaded (lists, store reads).
  std::optional<std::vector<VersionReport>> reports;
};

// What a caller supplies for a new version; artifacts are filled in by VersionService.
struct VersionSpec {
  std::string description;
  std::string meta_json = "{}";
  Lineage lineage;
  std::vector<VersionAttr> attrs;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // empty when this is the last page
};

}  // namespace mv
