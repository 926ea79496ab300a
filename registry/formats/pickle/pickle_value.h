// The symbolic values a PickleWalker builds instead of objects: a small tree (a graph when
// the memo shares a value) that names what an unpickler would import and call, without
// importing or calling anything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::formats::pickle {

struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,     // fits in int64: `i`
    kBigInt,  // wider than 64 bits: little-endian two's complement bytes in `s` (capped)
    kFloat,
    kStr,
    kBytes,
    kTuple,
    kList,
    kDict,  // items: key, value, key, value, ...
    kSet,
    kFrozenSet,
    kGlobal,        // an import: `s` is "module.name"
    kCall,          // callee(*args, **kwargs), then items from APPEND/SETITEM, then BUILD state
    kPersistentId,  // persistent_load(args)
  };

  Kind kind = Kind::kNone;
  int64_t offset = 0;  // of the opcode that made the value
  int depth = 1;       // nesting depth below and including this value
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                  // str/bytes contents (capped at kMaxKeptString), global name
  int64_t size = 0;               // str/bytes length before capping
  const Value* callee = nullptr;  // kCall
  const Value* args = nullptr;    // kCall (usually a tuple), kPersistentId
  const Value* kwargs = nullptr;  // kCall via NEWOBJ_EX
  const Value* state = nullptr;   // kCall after BUILD
  const char* opcode = "";        // kCall/kGlobal: the opcode that made it ("REDUCE", ...)
  std::vector<const Value*> items;

  static constexpr int64_t kMaxKeptString = 64 * 1024;

  bool IsStr() const { return kind == Kind::kStr; }
  // The callee's global name for a kCall whose callee is a kGlobal, else "".
  std::string_view CalleeName() const {
    return kind == Kind::kCall && callee != nullptr && callee->kind == Kind::kGlobal
               ? std::string_view(callee->s)
               : std::string_view();
  }
};

}  // namespace mv::formats::pickle
