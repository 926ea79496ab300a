#include "registry/formats/torch/tensor_collector.h"

#include <cstdint>
#include <string_view>

namespace mv::formats::torch {
namespace {

using pickle::Value;
using Kind = Value::Kind;

constexpr int kMaxDepth = 200;
constexpr int64_t kMaxVisits = 4 << 20;
constexpr int kMaxBadReports = 20;

struct DtypeRow {
  std::string_view storage;
  std::string_view dtype;
  int64_t size;
};

constexpr DtypeRow kDtypes[] = {
    {"torch.FloatStorage", "float32", 4},
    {"torch.DoubleStorage", "float64", 8},
    {"torch.HalfStorage", "float16", 2},
    {"torch.BFloat16Storage", "bfloat16", 2},
    {"torch.LongStorage", "int64", 8},
    {"torch.IntStorage", "int32", 4},
    {"torch.ShortStorage", "int16", 2},
    {"torch.CharStorage", "int8", 1},
    {"torch.ByteStorage", "uint8", 1},
    {"torch.BoolStorage", "bool", 1},
    {"torch.ComplexFloatStorage", "complex64", 8},
    {"torch.ComplexDoubleStorage", "complex128", 16},
    {"torch.QInt8Storage", "qint8", 1},
    {"torch.QUInt8Storage", "quint8", 1},
    {"torch.QInt32Storage", "qint32", 4},
    {"torch.QUInt4x2Storage", "quint4x2", 1},
};

bool IsRebuildTensor(std::string_view callee) {
  return callee == "torch._utils._rebuild_tensor_v2" || callee == "torch._utils._rebuild_tensor" ||
         callee == "torch._utils._rebuild_qtensor";
}

bool IsRebuildParameter(std::string_view callee) {
  return callee == "torch._utils._rebuild_parameter" ||
         callee == "torch._utils._rebuild_parameter_with_state" ||
         callee == "torch.nn.parameter.Parameter";
}

std::string KeyName(const Value* key) {
  switch (key->kind) {
    case Kind::kStr:
      return key->s;
    case Kind::kInt:
      return std::to_string(key->i);
    case Kind::kBool:
      return key->b ? "True" : "False";
    case Kind::kNone:
      return "None";
    default:
      return "?";
  }
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const Value* Item(const Value* v, size_t k) {
  return v != nullptr && v->kind == Kind::kTuple && k < v->items.size() ? v->items[k] : nullptr;
}

bool IntList(const Value* v, std::vector<int64_t>* out) {
  if (v == nullptr || (v->kind != Kind::kTuple && v->kind != Kind::kList)) return false;
  for (const Value* item : v->items) {
    if (item->kind != Kind::kInt || item->i < 0) return false;
    out->push_back(item->i);
  }
  return true;
}

// numel * size and the storage extent, in bytes; false on overflow or a rank mismatch.
bool Measure(TensorRecord* t) {
  if (t->shape.size() != t->stride.size()) return false;
  int64_t numel = 1;
  int64_t last = t->offset;
  for (size_t d = 0; d < t->shape.size(); ++d) {
    int64_t span = 0;
    if (__builtin_mul_overflow(numel, t->shape[d], &numel)) return false;
    if (t->shape[d] > 0 && (__builtin_mul_overflow(t->shape[d] - 1, t->stride[d], &span) ||
                            __builtin_add_overflow(last, span, &last))) {
      return false;
    }
  }
  if (__builtin_mul_overflow(numel, t->element_size, &t->bytes)) return false;
  if (numel == 0) return true;  // an empty tensor reaches no storage
  return !__builtin_add_overflow(last, 1, &last) &&
         !__builtin_mul_overflow(last, t->element_size, &t->extent_bytes);
}

class Collector {
 public:
  Collector(size_t max_tensors, TensorScan* out) : max_tensors_(max_tensors), out_(out) {}

  void Visit(const Value* v, const std::string& path, int depth) {
    if (v == nullptr || depth > kMaxDepth || !Budget()) return;
    switch (v->kind) {
      case Kind::kDict:
        VisitPairs(v->items, path, depth);
        return;
      case Kind::kList:
      case Kind::kTuple:
        for (size_t k = 0; k < v->items.size(); ++k) {
          Visit(v->items[k], Join(path, std::to_string(k)), depth + 1);
        }
        return;
      case Kind::kCall:
        VisitCall(v, path, depth);
        return;
      default:
        return;
    }
  }

 private:
  bool Budget() {
    if (++visits_ <= kMaxVisits) return true;
    if (visits_ == kMaxVisits + 1) {
      out_->findings.push_back({Finding::Level::kWarning, "scan-limit",
                                "the pickle shares values too often to list every tensor"});
    }
    return false;
  }

  void VisitPairs(const std::vector<const Value*>& items, const std::string& path, int depth) {
    for (size_t k = 0; k + 1 < items.size(); k += 2) {
      Visit(items[k + 1], Join(path, KeyName(items[k])), depth + 1);
    }
  }

  void VisitCall(const Value* v, const std::string& path, int depth) {
    std::string_view callee = v->CalleeName();
    if (IsRebuildTensor(callee)) return AddTensor(v, path);
    if (IsRebuildParameter(callee)) return Visit(Item(v->args, 0), path, depth + 1);
    // OrderedDict (and any mapping object) gets its entries from SETITEMS; modules and
    // other objects (TorchScript's __torch__ classes) hold their attributes in BUILD state.
    VisitPairs(v->items, path, depth);
    Visit(v->state, path, depth + 1);
  }

  void AddTensor(const Value* call, const std::string& path) {
    ++out_->count;
    TensorRecord t;
    t.name = path;
    if (!Describe(call->args, &t)) {
      if (++bad_ > kMaxBadReports) return;
      out_->findings.push_back({Finding::Level::kError, "bad-tensor",
                                "tensor " + path + " has malformed rebuild arguments"});
      return;
    }
    if (__builtin_add_overflow(out_->total_bytes, t.bytes, &out_->total_bytes)) {
      out_->total_bytes = INT64_MAX;
    }
    if (out_->tensors.size() < max_tensors_) out_->tensors.push_back(std::move(t));
  }

  static bool Describe(const Value* args, TensorRecord* t) {
    const Value* pid = Item(args, 0);
    const Value* offset = Item(args, 1);
    if (pid == nullptr || pid->kind != Kind::kPersistentId || offset == nullptr ||
        offset->kind != Kind::kInt || offset->i < 0) {
      return false;
    }
    const Value* tag = Item(pid->args, 0);
    const Value* type = Item(pid->args, 1);
    const Value* key = Item(pid->args, 2);
    const Value* location = Item(pid->args, 3);
    if (tag == nullptr || !tag->IsStr() || tag->s != "storage" || type == nullptr ||
        type->kind != Kind::kGlobal || key == nullptr || !key->IsStr()) {
      return false;
    }
    if (!StorageDtype(type->s, &t->dtype, &t->element_size)) t->dtype = "unknown";
    t->storage = key->s;
    if (location != nullptr && location->IsStr()) t->location = location->s;
    t->offset = offset->i;
    return IntList(Item(args, 2), &t->shape) && IntList(Item(args, 3), &t->stride) && Measure(t);
  }

  size_t max_tensors_;
  TensorScan* out_;
  int64_t visits_ = 0;
  int bad_ = 0;
};

}  // namespace

bool StorageDtype(std::string_view storage_class, std::string* dtype, int64_t* element_size) {
  for (const DtypeRow& row : kDtypes) {
    if (row.storage == storage_class) {
      *dtype = std::string(row.dtype);
      *element_size = row.size;
      return true;
    }
  }
  return false;
}

TensorScan CollectTensors(const pickle::Value* root, size_t max_tensors) {
  TensorScan scan;
  Collector collector(max_tensors, &scan);
  collector.Visit(root, "", 0);
  return scan;
}

}  // namespace mv::formats::torch
