// Internal to pickle_walker.cc and pickle_ops.cc: the symbolic unpickling machine.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "registry/formats/pickle/pickle_walker.h"

namespace mv::formats::pickle {

class WalkerMachine {
 public:
  WalkerMachine(std::string_view data, int64_t offset, AllowSet allow, const WalkLimits& limits,
                WalkResult* out);
  void Run();

 private:
  using Handler = bool (WalkerMachine::*)(uint8_t op);
  static const std::array<Handler, 256>& Table();

  // Input. Each returns false (after recording a malformed-pickle finding) when the bytes
  // run out; lengths are checked against what remains before anything is allocated.
  bool Take(uint64_t n, std::string_view* out);
  bool ReadUint(int width, uint64_t* v);
  bool ReadLine(std::string_view* line);

  bool Fail(const char* code, const std::string& message);
  bool Malformed(const std::string& message) { return Fail("malformed-pickle", message); }

  // Values and the stack. New/Keep return nullptr over a limit (a finding is recorded).
  Value* New(Value::Kind kind);
  Value* NewString(Value::Kind kind, std::string_view bytes);
  bool Charge(int64_t values);
  bool Push(Value* v);
  bool Pop(Value** v);
  bool Peek(Value** v);  // the top of the current MARK frame
  bool PopMark(std::vector<Value*>* items);
  bool Nest(Value* container, const Value* child);
  Value* MakeGlobal(std::string name, const char* opcode);
  Value* MakeCall(Value* callee, Value* args, const char* opcode);

  // Opcode families (pickle_ops.cc).
  bool OpProto(uint8_t op);
  bool OpFrame(uint8_t op);
  bool OpStop(uint8_t op);
  bool OpConst(uint8_t op);
  bool OpBinInt(uint8_t op);
  bool OpLong(uint8_t op);
  bool OpIntText(uint8_t op);
  bool OpFloat(uint8_t op);
  bool OpStrText(uint8_t op);
  bool OpBinStr(uint8_t op);
  bool OpEmpty(uint8_t op);
  bool OpTupleN(uint8_t op);
  bool OpFromMark(uint8_t op);
  bool OpAppend(uint8_t op);
  bool OpSetItem(uint8_t op);
  bool OpStack(uint8_t op);
  bool OpGet(uint8_t op);
  bool OpPut(uint8_t op);
  bool OpGlobal(uint8_t op);
  bool OpStackGlobal(uint8_t op);
  bool OpInst(uint8_t op);
  bool OpObj(uint8_t op);
  bool OpReduce(uint8_t op);
  bool OpBuild(uint8_t op);
  bool OpPersId(uint8_t op);
  bool OpExt(uint8_t op);
  bool OpBuffer(uint8_t op);

  bool AddItems(Value* target, const std::vector<Value*>& items, bool pairs);
  bool Memoize(int64_t key);

  std::string_view data_;
  size_t pos_;
  size_t op_offset_ = 0;
  AllowSet allow_;
  WalkLimits limits_;
  WalkResult* out_;
  bool done_ = false;
  int64_t charged_ = 0;
  int64_t kept_bytes_ = 0;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<int64_t, Value*> memo_;
  std::unordered_set<std::string> reported_;
  int unsafe_calls_ = 0;
};

}  // namespace mv::formats::pickle
