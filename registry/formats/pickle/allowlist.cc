#include "registry/formats/pickle/allowlist.h"

#include <algorithm>
#include <iterator>

namespace mv::formats::pickle {
namespace {

constexpr std::string_view kAllowed[] = {
    // Protocols 0-2 name Python 3's builtins "__builtin__" (the unpickler maps it back).
    "__builtin__.bytearray",
    "__builtin__.frozenset",
    "__builtin__.set",
    "builtins.bytearray",
    "builtins.frozenset",
    "builtins.set",
    "collections.OrderedDict",
    "torch.BFloat16Storage",
    "torch.BoolStorage",
    "torch.ByteStorage",
    "torch.CharStorage",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.FloatStorage",
    "torch.HalfStorage",
    "torch.IntStorage",
    "torch.LongStorage",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.Size",
    "torch._tensor._rebuild_from_type_v2",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch.bfloat16",
    "torch.bool",
    "torch.cdouble",
    "torch.cfloat",
    "torch.complex128",
    "torch.complex32",
    "torch.complex64",
    "torch.device",
    "torch.double",
    "torch.float",
    "torch.float16",
    "torch.float32",
    "torch.float64",
    "torch.half",
    "torch.int",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.int8",
    "torch.long",
    "torch.nn.parameter.Parameter",
    "torch.per_channel_affine",
    "torch.per_channel_affine_float_qparams",
    "torch.per_channel_symmetric",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.qint32",
    "torch.qint8",
    "torch.quint4x2",
    "torch.quint8",
    "torch.serialization._get_layout",
    "torch.short",
    "torch.uint8",
};

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

bool IsAllowedGlobal(std::string_view name, AllowSet set) {
  if (std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed)) {
    return true;
  }
  // TorchScript pickles name the compiled classes of the module itself (__torch__.*), which
  // the TorchScript runtime defines from the code/ entries rather than importing, and a
  // few torch.jit helpers (restore_type_tag, build_intlist, ...).
  return set == AllowSet::kTorchScript &&
         (StartsWith(name, "__torch__.") || StartsWith(name, "torch.jit._pickle."));
}

}  // namespace mv::formats::pickle
