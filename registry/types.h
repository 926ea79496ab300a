// Domain types shared by the registry services and the stores.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
};

enum class VersionState { kDraft, kSealed };
const char* VersionStateName(VersionState s);

struct Version {
  std::string model;
  int64_t number = 0;
  VersionState state = VersionState::kDraft;
  std::string description;
  std::string meta_json = "{}";  // the client's meta object, validated JSON text
  int64_t created_at_ms = 0;
  std::optional<int64_t> sealed_at_ms;
  std::vector<Artifact> artifacts;
};

// What a caller supplies for a new version; artifacts are filled in by VersionService.
struct VersionSpec {
  std::string description;
  std::string meta_json = "{}";
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // empty when this is the last page
};

}  // namespace mv
