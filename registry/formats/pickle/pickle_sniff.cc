#include "registry/formats/pickle/pickle_sniff.h"

#include "registry/formats/pickle/pickle_walker.h"

namespace mv::formats::pickle {
namespace {

WalkLimits SniffLimits() {
  WalkLimits w;
  w.max_values = 1 << 14;
  w.max_kept_bytes = 1 << 20;
  w.max_depth = 200;
  return w;
}

bool HasCode(const WalkResult& w, std::string_view code) {
  for (const Finding& f : w.findings) {
    if (f.code == code) return true;
  }
  return false;
}

// "module.name" made of Python identifiers: what an unpickler could actually import (a CSV
// line after an 'i' is not). Bytes above 0x7f count as letters: Python identifiers may be
// non-ASCII, and erring towards "importable" errs towards calling the file a pickle.
bool IsImportable(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  bool start = true;
  for (char c : name) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 static_cast<uint8_t>(c) >= 0x80;
    bool digit = c >= '0' && c <= '9';
    if (c == '.') {
      if (start) return false;
      start = true;
    } else if (alpha || (digit && !start)) {
      start = false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

bool LooksLikePickle(std::string_view head) {
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80 &&
      static_cast<uint8_t>(head[1]) >= 2 && static_cast<uint8_t>(head[1]) <= 5) {
    return true;
  }
  if (head.empty()) return false;
  WalkResult w = WalkPickle(head.substr(0, kSniffWalkBytes), 0, AllowSet::kTorch, SniffLimits());
  // A walk that reaches STOP is a pickle, unless it names a global no unpickler could
  // import: loading would end there with an ImportError, so it is text or random bytes that
  // happened to parse (a line starting with 'c' and a '.' after the next newline). Any
  // importable global before that one is caught below.
  bool all_importable = true;
  for (const GlobalRef& g : w.globals) {
    if (!IsImportable(g.name)) all_importable = false;
  }
  if (!w.failed && all_importable) return w.root != nullptr;
  for (const GlobalRef& g : w.globals) {
    if (IsImportable(g.name)) return true;
  }
  return (w.truncated || HasCode(w, "pickle-limit")) && w.ops >= kSniffMinOps;
}

bool IsTorchMagic(const Value* v) {
  // torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c: LONG1 bytes from protocol 2
  // on, LONG text ("...L") before.
  static constexpr std::string_view kLong1("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
  static constexpr std::string_view kText = "119547037146038801333356";
  if (v == nullptr || v->kind != Value::Kind::kBigInt) return false;
  std::string_view s = v->s;
  if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
  return s == kLong1 || s == kText;
}

}  // namespace mv::formats::pickle
