// The opcodes that import, call and build objects. Every import goes through MakeGlobal,
// whatever the opcode, so the allowlist sees each one: memo tricks only move pointers to
// values already checked.
#include "registry/formats/pickle/walker_machine.h"

namespace mv::formats::pickle {
namespace {

using Kind = Value::Kind;

}  // namespace

bool WalkerMachine::OpGlobal(uint8_t) {
  std::string_view module;
  std::string_view name;
  if (!ReadLine(&module) || !ReadLine(&name)) return false;
  return Push(MakeGlobal(std::string(module) + "." + std::string(name), "GLOBAL"));
}

bool WalkerMachine::OpStackGlobal(uint8_t) {
  Value* name = nullptr;
  Value* module = nullptr;
  if (!Pop(&name) || !Pop(&module)) return false;
  if (!module->IsStr() || !name->IsStr()) return Malformed("STACK_GLOBAL of non-strings");
  return Push(MakeGlobal(module->s + "." + name->s, "STACK_GLOBAL"));
}

bool WalkerMachine::OpInst(uint8_t) {
  std::string_view module;
  std::string_view name;
  std::vector<Value*> items;
  if (!ReadLine(&module) || !ReadLine(&name) || !PopMark(&items)) return false;
  Value* args = New(Kind::kTuple);
  if (args == nullptr) return false;
  for (Value* item : items) {
    if (!Nest(args, item)) return false;
    args->items.push_back(item);
  }
  Value* cls = MakeGlobal(std::string(module) + "." + std::string(name), "INST");
  if (cls == nullptr) return false;
  return Push(MakeCall(cls, args, "INST"));
}

bool WalkerMachine::OpObj(uint8_t) {
  std::vector<Value*> items;
  if (!PopMark(&items)) return false;
  if (items.empty()) return Malformed("OBJ without a class");
  Value* args = New(Kind::kTuple);
  if (args == nullptr) return false;
  for (size_t k = 1; k < items.size(); ++k) {
    if (!Nest(args, items[k])) return false;
    args->items.push_back(items[k]);
  }
  return Push(MakeCall(items[0], args, "OBJ"));
}

// REDUCE callable(*args); NEWOBJ cls.__new__(cls, *args); NEWOBJ_EX adds **kwargs.
bool WalkerMachine::OpReduce(uint8_t op) {
  Value* kwargs = nullptr;
  Value* args = nullptr;
  Value* callee = nullptr;
  if (op == 0x92 && !Pop(&kwargs)) return false;
  if (!Pop(&args) || !Pop(&callee)) return false;
  const char* name = op == 'R' ? "REDUCE" : op == 0x81 ? "NEWOBJ" : "NEWOBJ_EX";
  Value* call = MakeCall(callee, args, name);
  if (call == nullptr) return false;
  if (kwargs != nullptr) {
    if (!Nest(call, kwargs)) return false;
    call->kwargs = kwargs;
  }
  return Push(call);
}

// BUILD sets state on an object an earlier call made. On anything else (a class, a
// container) it would set attributes of shared objects, which weights_only refuses too.
bool WalkerMachine::OpBuild(uint8_t) {
  Value* state = nullptr;
  Value* target = nullptr;
  if (!Pop(&state) || !Peek(&target)) return false;
  if (target->kind != Kind::kCall) {
    if (unsafe_calls_++ < 20) {
      out_->findings.push_back({Finding::Level::kError, "unsafe-build",
                                "BUILD at offset " + std::to_string(op_offset_) +
                                    " sets state on a value no call made"});
    }
    return true;
  }
  if (!Nest(target, state)) return false;
  target->state = state;
  return true;
}

bool WalkerMachine::OpPersId(uint8_t op) {
  Value* pid = nullptr;
  if (op == 'P') {
    std::string_view line;
    if (!ReadLine(&line)) return false;
    pid = NewString(Kind::kStr, line);
    if (pid == nullptr) return false;
  } else if (!Pop(&pid)) {
    return false;
  }
  Value* v = New(Kind::kPersistentId);
  if (v == nullptr || !Nest(v, pid)) return false;
  v->args = pid;
  return Push(v);
}

// Extension codes name globals through copyreg's registry; a loader resolves them to
// whatever was registered, so each is an import this walker cannot allow.
bool WalkerMachine::OpExt(uint8_t op) {
  uint64_t code = 0;
  int width = op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
  if (!ReadUint(width, &code)) return false;
  const char* name = op == 0x82 ? "EXT1" : op == 0x83 ? "EXT2" : "EXT4";
  return Push(MakeGlobal("copyreg.extension[" + std::to_string(code) + "]", name));
}

bool WalkerMachine::OpBuffer(uint8_t op) {
  if (op == 0x97) return Malformed("NEXT_BUFFER: out-of-band data is not part of a file");
  Value* v = nullptr;
  return Peek(&v);  // READONLY_BUFFER only changes the top buffer's mutability
}

}  // namespace mv::formats::pickle
