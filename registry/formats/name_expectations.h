// What an artifact's name promises. Inspectors are chosen by the bytes; the name only adds
// an expectation: "weights.pt" that is a PNG, or "model.safetensors" that is a pickle, is
// an error finding (which blocks production), because a loader picked by that name would
// either fail or, worse, run the file as something it is not.
#pragma once

#include <string_view>

#include "registry/formats/artifact_format.h"

namespace mv::formats {

// The kinds a name's extension admits, comma-separated for messages ("" when the name
// promises nothing). Case-insensitive.
std::string_view ExpectedKinds(std::string_view name);

// Adds a "name-mismatch" error to `in` when `name` promises kinds that `in.kind` is not (a
// warning for ".bin" names other than torch's pytorch_model*.bin: raw tensors such as ONNX
// external data are called .bin too).
void CheckNameExpectation(std::string_view name, Inspection& in);

}  // namespace mv::formats
