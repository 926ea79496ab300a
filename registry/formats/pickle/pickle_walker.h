// PickleWalker: reads a pickle (protocols 0-5) opcode by opcode and simulates the
// unpickler's stack and memo symbolically. Nothing is imported, called or executed; the
// result is a Value tree plus every global the pickle would import, each checked against
// an allowlist. Hostile input yields findings, never a crash or an allocation larger than
// the bytes actually present.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "registry/formats/artifact_format.h"
#include "registry/formats/pickle/allowlist.h"
#include "registry/formats/pickle/pickle_value.h"

namespace mv::formats::pickle {

struct WalkLimits {
  int64_t max_values = 1 << 20;       // values built plus memo entries
  int64_t max_kept_bytes = 64 << 20;  // str/bytes contents kept in the tree
  int max_depth = 1000;               // value nesting and MARK nesting (CPython recurses 1000)
  static WalkLimits From(const InspectLimits& limits);
};

// One import the pickle asks for.
struct GlobalRef {
  std::string name;  // "module.name"; "copyreg.extension[N]" for EXT1/2/4
  int64_t offset = 0;
  const char* opcode = "";  // "GLOBAL", "STACK_GLOBAL", "INST", "EXT1", ...
  bool allowed = false;
};

struct WalkResult {
  const Value* root = nullptr;     // what STOP returns; null when the walk failed
  int protocol = 0;                // from PROTO; 0 without one
  int64_t end = 0;                 // offset just past STOP (or where the walk stopped)
  bool failed = false;             // malformed, truncated or over a limit (see findings)
  bool truncated = false;          // failed because the bytes ran out (a cut-off head)
  int64_t ops = 0;                 // opcodes run to completion
  std::vector<GlobalRef> globals;  // in stream order
  std::vector<Finding> findings;   // unsafe-global, unsafe-call, malformed-pickle, pickle-limit
  // Owns every Value. Behind a pointer so that moving a WalkResult (into a vector, say)
  // never copies the values the tree points at.
  std::unique_ptr<std::deque<Value>> arena = std::make_unique<std::deque<Value>>();
  // Whether any finding makes the pickle unsafe to load (a refused global or call) or
  // unverifiable (failed).
  bool Unsafe() const;
};

// Walks one pickle starting at `offset` of `data` and stopping at its STOP opcode.
// `data` must outlive nothing: the result copies what it keeps. Thread-safe (no state).
WalkResult WalkPickle(std::string_view data, int64_t offset, AllowSet allow,
                      const WalkLimits& limits);

}  // namespace mv::formats::pickle
