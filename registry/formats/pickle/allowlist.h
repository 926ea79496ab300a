// The globals a pickle may import and still be loadable without running foreign code: the
// same idea as torch.load(weights_only=True), kept deliberately narrower.
#pragma once

#include <string_view>

namespace mv::formats::pickle {

enum class AllowSet {
  kTorch,        // plain torch.save files: tensors, storages, OrderedDict, dtypes, ...
  kTorchScript,  // also "__torch__.*" (compiled module classes), "torch.jit._pickle.*" helpers
};

// Whether "module.name" is allowed. Allowed, with `kTorch`:
//   collections.OrderedDict
//   torch._utils._rebuild_tensor, _rebuild_tensor_v2, _rebuild_parameter,
//     _rebuild_parameter_with_state, _rebuild_qtensor
//   torch.nn.parameter.Parameter, torch._tensor._rebuild_from_type_v2
//   torch.<T>Storage for the typed storages (Float, Double, Half, BFloat16, Long, Int,
//     Short, Char, Byte, Bool, ComplexFloat, ComplexDouble, QInt8, QUInt8, QInt32, QUInt4x2)
//   torch.Size, torch.device, torch.serialization._get_layout
//   the dtypes torch.float16/32/64, half, float, double, bfloat16, complex32/64/128, cfloat,
//     cdouble, uint8, int8/16/32/64, short, int, long, bool, qint8, quint8, qint32, quint4x2
//   the qschemes torch.per_tensor_affine, per_channel_affine, per_tensor_symmetric,
//     per_channel_symmetric, per_channel_affine_float_qparams
//   builtins.set, builtins.frozenset, builtins.bytearray (also as __builtin__.*, the name
//     protocols 0-2 use)
// Everything else is refused, notably: torch.storage._load_from_bytes (it calls torch.load),
// _codecs.encode, builtins.getattr/eval/exec/__import__, sparse and subclass rebuilds that
// this walker does not interpret, and any module of the caller's own code.
bool IsAllowedGlobal(std::string_view name, AllowSet set);

}  // namespace mv::formats::pickle
