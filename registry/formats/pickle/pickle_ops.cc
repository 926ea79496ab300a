// The opcode handlers of WalkerMachine, by family, and the opcode table (opcodes as in
// CPython's Lib/pickletools.py). Each handler returns false after recording a finding.
#include <cstring>

#include "registry/formats/pickle/pickle_text.h"
#include "registry/formats/pickle/walker_machine.h"

namespace mv::formats::pickle {
namespace {

using Kind = Value::Kind;

// Length width and value kind of the length-prefixed string opcodes.
struct BinStrOp {
  int width;
  Kind kind;
  bool is_signed;
};

BinStrOp BinStrShape(uint8_t op) {
  switch (op) {
    case 'T':
      return {4, Kind::kStr, true};  // BINSTRING
    case 'U':
      return {1, Kind::kStr, false};  // SHORT_BINSTRING
    case 'X':
      return {4, Kind::kStr, false};  // BINUNICODE
    case 0x8c:
      return {1, Kind::kStr, false};  // SHORT_BINUNICODE
    case 0x8d:
      return {8, Kind::kStr, false};  // BINUNICODE8
    case 'B':
      return {4, Kind::kBytes, false};  // BINBYTES
    case 'C':
      return {1, Kind::kBytes, false};  // SHORT_BINBYTES
    default:
      return {8, Kind::kBytes, false};  // BINBYTES8, BYTEARRAY8
  }
}

}  // namespace

bool WalkerMachine::OpProto(uint8_t) {
  uint64_t v = 0;
  if (!ReadUint(1, &v)) return false;
  if (v > 5) return Malformed("unsupported protocol " + std::to_string(v));
  out_->protocol = static_cast<int>(v);
  return true;
}

bool WalkerMachine::OpFrame(uint8_t) {
  uint64_t n = 0;
  if (!ReadUint(8, &n)) return false;
  if (n > data_.size() - pos_) return Malformed("FRAME longer than the bytes left");
  return true;  // frames are transparent: their opcodes follow inline
}

bool WalkerMachine::OpStop(uint8_t) {
  Value* v = nullptr;
  if (!Pop(&v)) return false;
  out_->root = v;
  done_ = true;
  return true;
}

bool WalkerMachine::OpConst(uint8_t op) {
  if (op == 'N') return Push(New(Kind::kNone));
  Value* v = New(Kind::kBool);
  if (v != nullptr) v->b = (op == 0x88);
  return Push(v);
}

bool WalkerMachine::OpBinInt(uint8_t op) {
  int width = op == 'J' ? 4 : op == 'K' ? 1 : 2;
  uint64_t u = 0;
  if (!ReadUint(width, &u)) return false;
  Value* v = New(Kind::kInt);
  if (v == nullptr) return false;
  v->i = op == 'J' ? static_cast<int32_t>(static_cast<uint32_t>(u)) : static_cast<int64_t>(u);
  return Push(v);
}

bool WalkerMachine::OpLong(uint8_t op) {
  uint64_t n = 0;
  if (!ReadUint(op == 0x8a ? 1 : 4, &n)) return false;
  if (op == 0x8b && n > 0x7fffffff) return Malformed("LONG4 with a negative length");
  std::string_view bytes;
  if (!Take(n, &bytes)) return false;
  int64_t i = 0;
  bool big = false;
  DecodeLongBytes(bytes, &i, &big);
  Value* v = big ? NewString(Kind::kBigInt, bytes) : New(Kind::kInt);
  if (v != nullptr) v->i = i;
  return Push(v);
}

bool WalkerMachine::OpIntText(uint8_t op) {
  std::string_view line;
  if (!ReadLine(&line)) return false;
  if (op == 'I' && (line == "00" || line == "01")) {
    Value* v = New(Kind::kBool);
    if (v != nullptr) v->b = (line == "01");
    return Push(v);
  }
  int64_t i = 0;
  bool big = false;
  if (!ParseIntText(line, &i, &big)) return Malformed("bad integer text");
  Value* v = big ? NewString(Kind::kBigInt, line) : New(Kind::kInt);
  if (v != nullptr) v->i = i;
  return Push(v);
}

bool WalkerMachine::OpFloat(uint8_t op) {
  double d = 0;
  if (op == 'F') {
    std::string_view line;
    if (!ReadLine(&line)) return false;
    if (!ParseFloatText(line, &d)) return Malformed("bad float text");
  } else {
    std::string_view bytes;
    if (!Take(8, &bytes)) return false;
    uint64_t u = 0;
    for (char c : bytes) u = (u << 8) | static_cast<uint8_t>(c);  // big-endian
    std::memcpy(&d, &u, sizeof(d));
  }
  Value* v = New(Kind::kFloat);
  if (v != nullptr) v->f = d;
  return Push(v);
}

bool WalkerMachine::OpStrText(uint8_t op) {
  std::string_view line;
  if (!ReadLine(&line)) return false;
  std::string decoded;
  bool ok = op == 'S' ? DecodeStringRepr(line, &decoded) : DecodeRawUnicodeEscape(line, &decoded);
  if (!ok) return Malformed(op == 'S' ? "bad STRING repr" : "bad UNICODE escape");
  return Push(NewString(Kind::kStr, decoded));
}

bool WalkerMachine::OpBinStr(uint8_t op) {
  BinStrOp shape = BinStrShape(op);
  uint64_t n = 0;
  if (!ReadUint(shape.width, &n)) return false;
  if (shape.is_signed && n > 0x7fffffff) return Malformed("BINSTRING with a negative length");
  std::string_view bytes;
  if (!Take(n, &bytes)) return false;
  return Push(NewString(shape.kind, bytes));
}

bool WalkerMachine::OpEmpty(uint8_t op) {
  Kind kind = op == ']'   ? Kind::kList
              : op == '}' ? Kind::kDict
              : op == ')' ? Kind::kTuple
                          : Kind::kSet;
  return Push(New(kind));
}

bool WalkerMachine::OpTupleN(uint8_t op) {
  size_t n = op - 0x84u;
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() - floor < n) return Malformed("stack underflow");
  Value* t = New(Kind::kTuple);
  if (t == nullptr) return false;
  for (size_t k = stack_.size() - n; k < stack_.size(); ++k) {
    if (!Nest(t, stack_[k])) return false;
    t->items.push_back(stack_[k]);
  }
  stack_.resize(stack_.size() - n);
  return Push(t);
}

bool WalkerMachine::OpFromMark(uint8_t op) {
  std::vector<Value*> items;
  if (!PopMark(&items)) return false;
  Kind kind = op == 't'   ? Kind::kTuple
              : op == 'l' ? Kind::kList
              : op == 'd' ? Kind::kDict
                          : Kind::kFrozenSet;
  if (kind == Kind::kDict && items.size() % 2 != 0) return Malformed("DICT with an odd count");
  Value* v = New(kind);
  if (v == nullptr) return false;
  for (Value* item : items) {
    if (!Nest(v, item)) return false;
    v->items.push_back(item);
  }
  return Push(v);
}

bool WalkerMachine::AddItems(Value* target, const std::vector<Value*>& items, bool pairs) {
  bool fits = target->kind == Kind::kCall ||
              (pairs ? target->kind == Kind::kDict
                     : target->kind == Kind::kList || target->kind == Kind::kSet);
  if (!fits) return Malformed("items added to a value that cannot hold them");
  if (pairs && items.size() % 2 != 0) return Malformed("SETITEMS with an odd count");
  for (Value* item : items) {
    if (!Nest(target, item)) return false;
    target->items.push_back(item);
  }
  return true;
}

bool WalkerMachine::OpAppend(uint8_t op) {
  std::vector<Value*> items;
  if (op == 'a') {
    Value* v = nullptr;
    if (!Pop(&v)) return false;
    items.push_back(v);
  } else if (!PopMark(&items)) {  // APPENDS, ADDITEMS
    return false;
  }
  Value* target = nullptr;
  if (!Peek(&target)) return false;
  if (op == 0x90 && target->kind != Kind::kSet && target->kind != Kind::kCall) {
    return Malformed("ADDITEMS to a value that is not a set");
  }
  return AddItems(target, items, false);
}

bool WalkerMachine::OpSetItem(uint8_t op) {
  std::vector<Value*> items;
  if (op == 's') {
    Value* value = nullptr;
    Value* key = nullptr;
    if (!Pop(&value) || !Pop(&key)) return false;
    items = {key, value};
  } else if (!PopMark(&items)) {  // SETITEMS
    return false;
  }
  Value* target = nullptr;
  if (!Peek(&target)) return false;
  return AddItems(target, items, true);
}

bool WalkerMachine::OpStack(uint8_t op) {
  Value* v = nullptr;
  std::vector<Value*> dropped;
  switch (op) {
    case '(':
      if (static_cast<int>(marks_.size()) >= limits_.max_depth) {
        return Fail("pickle-limit",
                    "MARKs nested deeper than " + std::to_string(limits_.max_depth));
      }
      marks_.push_back(stack_.size());
      return true;
    case '0': {  // POP: like CPython, an empty frame pops its MARK instead
      size_t floor = marks_.empty() ? 0 : marks_.back();
      return stack_.size() > floor ? Pop(&v) : PopMark(&dropped);
    }
    case '1':
      return PopMark(&dropped);
    default:
      return Peek(&v) && Push(v);  // DUP
  }
}

bool WalkerMachine::OpGet(uint8_t op) {
  int64_t key = 0;
  if (op == 'g') {
    std::string_view line;
    bool big = false;
    if (!ReadLine(&line)) return false;
    if (!ParseIntText(line, &key, &big) || big) return Malformed("bad GET key");
  } else {
    uint64_t u = 0;
    if (!ReadUint(op == 'h' ? 1 : 4, &u)) return false;
    key = static_cast<int64_t>(u);
  }
  auto it = memo_.find(key);
  if (it == memo_.end()) return Malformed("memo key " + std::to_string(key) + " not set");
  return Push(it->second);
}

bool WalkerMachine::OpPut(uint8_t op) {
  if (op == 0x94) return Memoize(static_cast<int64_t>(memo_.size()));  // MEMOIZE
  int64_t key = 0;
  if (op == 'p') {
    std::string_view line;
    bool big = false;
    if (!ReadLine(&line)) return false;
    if (!ParseIntText(line, &key, &big) || big || key < 0) return Malformed("bad PUT key");
  } else {
    uint64_t u = 0;
    if (!ReadUint(op == 'q' ? 1 : 4, &u)) return false;
    key = static_cast<int64_t>(u);
  }
  return Memoize(key);
}

bool WalkerMachine::Memoize(int64_t key) {
  Value* v = nullptr;
  if (!Peek(&v)) return false;
  auto [it, inserted] = memo_.try_emplace(key, v);
  if (!inserted) it->second = v;
  return !inserted || Charge(1);
}

const std::array<WalkerMachine::Handler, 256>& WalkerMachine::Table() {
  static const std::array<Handler, 256> table = [] {
    std::array<Handler, 256> t{};
    auto set = [&t](const char* ops, Handler h) {
      for (const char* p = ops; *p != '\0'; ++p) t[static_cast<uint8_t>(*p)] = h;
    };
    set("\x80", &WalkerMachine::OpProto);
    set("\x95", &WalkerMachine::OpFrame);
    set(".", &WalkerMachine::OpStop);
    set("N\x88\x89", &WalkerMachine::OpConst);
    set("JKM", &WalkerMachine::OpBinInt);
    set("\x8a\x8b", &WalkerMachine::OpLong);
    set("IL", &WalkerMachine::OpIntText);
    set("FG", &WalkerMachine::OpFloat);
    set("SV", &WalkerMachine::OpStrText);
    set("TUX\x8c\x8d"
        "BC\x8e\x96",
        &WalkerMachine::OpBinStr);
    set("])}\x8f", &WalkerMachine::OpEmpty);
    set("\x85\x86\x87", &WalkerMachine::OpTupleN);
    set("tld\x91", &WalkerMachine::OpFromMark);
    set("ae\x90", &WalkerMachine::OpAppend);
    set("su", &WalkerMachine::OpSetItem);
    set("(012", &WalkerMachine::OpStack);
    set("ghj", &WalkerMachine::OpGet);
    set("pqr\x94", &WalkerMachine::OpPut);
    set("c", &WalkerMachine::OpGlobal);
    set("\x93", &WalkerMachine::OpStackGlobal);
    set("i", &WalkerMachine::OpInst);
    set("o", &WalkerMachine::OpObj);
    set("R\x81\x92", &WalkerMachine::OpReduce);
    set("b", &WalkerMachine::OpBuild);
    set("PQ", &WalkerMachine::OpPersId);
    set("\x82\x83\x84", &WalkerMachine::OpExt);
    set("\x97\x98", &WalkerMachine::OpBuffer);
    return t;
  }();
  return table;
}

}  // namespace mv::formats::pickle
