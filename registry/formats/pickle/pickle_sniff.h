// Whether bytes are a pickle, decided from their opcodes rather than from a name: protocols
// 2-5 announce themselves with PROTO, protocols 0 and 1 do not ("c__builtin__\n", "(dp0",
// "]q", "}q" ...), so a bounded dry walk of the first bytes decides.
#pragma once

#include <cstdint>
#include <string_view>

namespace mv::formats::pickle {

// Bytes of the head the sniffing walk reads at most.
inline constexpr size_t kSniffWalkBytes = 64 * 1024;
// Valid opcodes a walk cut off by the end of the head must have run to count as a pickle.
inline constexpr int64_t kSniffMinOps = 16;

// True when `head` (the first bytes of a file) starts with PROTO 2..5, or a walk of it
// reaches STOP without naming a global that could not be imported, imports a global (an unpickler would already have imported it before any
// later error), or runs kSniffMinOps opcodes before the head ends. Random text and binary
// fail within a few bytes (an unknown opcode, a stack underflow, a bad argument). Bounded:
// reads at most kSniffWalkBytes. Thread-safe.
bool LooksLikePickle(std::string_view head);

struct Value;
// Whether a walked value is torch.serialization's magic number, in any protocol: the first
// pickle of a legacy (non-zip) torch.save file.
bool IsTorchMagic(const Value* v);

}  // namespace mv::formats::pickle
