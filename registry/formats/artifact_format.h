// ArtifactFormat: one inspector per artifact kind. An inspector reads bytes (never
// executes them), describes what is inside, lists findings and gives a safety verdict.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "registry/blob_store.h"
#include "registry/formats/summary.h"
#include "registry/inspector.h"
#include "util/status.h"

namespace mv::formats {

struct Finding {
  enum class Level { kInfo, kWarning, kError };
  Level level = Level::kInfo;
  std::string code;     // stable, e.g. "fixed-batch-dim", "unsafe-global", "overlapping-tensors"
  std::string message;  // for people
};
const char* LevelName(Finding::Level level);

// kUnsafe: loading the file the usual way would run code (a pickle importing os.system,
// any plain pickle/joblib). kUnknown: not a format we understand.
enum class Safety { kSafe, kUnsafe, kUnknown };
const char* SafetyName(Safety s);

struct Inspection {
  std::string kind;  // "onnx", "torch-state-dict", "torchscript", "safetensors", ...
  Summary summary = Summary::MakeObject();
  std::vector<Finding> findings;
  Safety safety = Safety::kSafe;
  std::string verdict;  // one sentence: what loading this file would do
};

// Limits every inspector honours: a hostile file gets a finding or an error, never a
// large allocation or unbounded work.
struct InspectLimits {
  int64_t max_read_bytes = int64_t{256} << 20;  // bytes an inspector may hold in memory
  int64_t max_items = 1 << 20;                  // tensors, entries, nodes, pickle ops...
  int max_archive_depth = 4;                    // archives inside archives looked into
};

class ArtifactFormat {
 public:
  virtual ~ArtifactFormat() = default;
  // The kind this inspector produces.
  virtual std::string_view kind() const = 0;
  // Whether the file looks like this kind, from its first bytes (up to 64 KiB), its full
  // size and its artifact name.
  virtual bool Sniff(std::string_view head, int64_t size, std::string_view name) const = 0;
  // Reads the file through `bytes`. Returns an Inspection (which may carry error findings
  // and an unsafe verdict); a non-OK Status only when the bytes cannot be read at all.
  // Thread-safe: one inspector object serves concurrent calls.
  virtual Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                                     const InspectLimits& limits) const = 0;
};

// The inspectors a server knows, tried in registration order. Not thread-safe to
// register into; thread-safe to use once built.
class FormatRegistry final : public ArtifactInspector {
 public:
  // ArtifactInspector: Inspect() rendered as stored JSON texts.
  Result<InspectionRecord> InspectArtifact(BlobReader& bytes,
                                           std::string_view name) const override;
  void set_limits(const InspectLimits& limits) { limits_ = limits; }

  void Register(std::unique_ptr<ArtifactFormat> format);
  // The first inspector whose Sniff accepts the bytes alone, else the first that accepts
  // them with the name, or nullptr (an opaque file).
  const ArtifactFormat* Find(std::string_view head, int64_t size, std::string_view name) const;
  // Inspects with the matching inspector (chosen by the bytes); opaque files get kind
  // "other", safety unknown. A name promising another kind adds a name-mismatch error.
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const;

 private:
  std::vector<std::unique_ptr<ArtifactFormat>> formats_;
  InspectLimits limits_;
};

}  // namespace mv::formats
