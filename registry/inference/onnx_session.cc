#include "registry/inference/onnx_session.h"

#include <onnxruntime_session_options_config_keys.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <utility>

#include "registry/inference/input_check.h"

namespace mv::inference {
namespace {

constexpr int64_t kMaxWarmBytes = int64_t{64} << 20;
constexpr int kMaxTypeDepth = 8;
constexpr size_t kMaxMessage = 600;

struct ElementName {
  ONNXTensorElementDataType onnx;
  std::optional<DType> dtype;
  const char* name;  // ONNX's name, for the types without a DType
};

constexpr ElementName kElements[] = {
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, DType::kBool, "BOOL"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, DType::kInt8, "INT8"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, DType::kInt16, "INT16"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, DType::kInt32, "INT32"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, DType::kInt64, "INT64"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, DType::kUint8, "UINT8"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, DType::kUint16, "UINT16"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, DType::kUint32, "UINT32"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, DType::kUint64, "UINT64"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, DType::kFloat16, "FLOAT16"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16, DType::kBFloat16, "BFLOAT16"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, DType::kFloat32, "FLOAT"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, DType::kFloat64, "DOUBLE"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, DType::kBytes, "STRING"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64, std::nullopt, "COMPLEX64"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128, std::nullopt, "COMPLEX128"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FN, std::nullopt, "FLOAT8E4M3FN"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FNUZ, std::nullopt, "FLOAT8E4M3FNUZ"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2, std::nullopt, "FLOAT8E5M2"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2FNUZ, std::nullopt, "FLOAT8E5M2FNUZ"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT4, std::nullopt, "UINT4"},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT4, std::nullopt, "INT4"},
};

std::optional<DType> ToDType(ONNXTensorElementDataType t) {
  for (const ElementName& e : kElements) {
    if (e.onnx == t) return e.dtype;
  }
  return std::nullopt;
}

ONNXTensorElementDataType ToOnnx(DType t) {
  for (const ElementName& e : kElements) {
    if (e.dtype == t) return e.onnx;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

std::string ElementTypeName(ONNXTensorElementDataType t) {
  if (std::optional<DType> d = ToDType(t)) return DTypeName(*d);
  for (const ElementName& e : kElements) {
    if (e.onnx == t) return e.name;
  }
  return "element type " + std::to_string(static_cast<int>(t));
}

std::string Truncated(const char* message) {
  std::string s = message;
  if (s.size() > kMaxMessage) s = s.substr(0, kMaxMessage) + "...";
  return s;
}

// What one declared input or output is. `kind` is "" for a tensor.
struct TypeSummary {
  std::string kind;
  std::string error;  // not representable: the element type has no DType
  TensorSpec spec;
};

// Describes `info` as "tensor(FP32)", "sequence<tensor(FP32)>", ...; the innermost tensor's
// element type, shape and dim names go to `spec`.
std::string Describe(Ort::ConstTypeInfo info, int depth, TypeSummary* out) {
  if (depth > kMaxTypeDepth) {
    out->error = "types nested too deeply";
    return "...";
  }
  switch (info.GetONNXType()) {
    case ONNX_TYPE_TENSOR: {
      Ort::ConstTensorTypeAndShapeInfo t = info.GetTensorTypeAndShapeInfo();
      const ONNXTensorElementDataType elem = t.GetElementType();
      if (std::optional<DType> d = ToDType(elem)) {
        out->spec.dtype = *d;
      } else {
        out->error = "element type " + ElementTypeName(elem) + " is not supported";
      }
      out->spec.shape = t.GetShape();
      out->spec.dim_names.clear();
      for (const char* n : t.GetSymbolicDimensions()) out->spec.dim_names.push_back(n ? n : "");
      out->spec.dim_names.resize(out->spec.shape.size());
      return "tensor(" + ElementTypeName(elem) + ")";
    }
    case ONNX_TYPE_SEQUENCE:
      return "sequence<" +
             Describe(info.GetSequenceTypeInfo().GetSequenceElementType().GetConst(), depth + 1,
                      out) +
             ">";
    case ONNX_TYPE_MAP: {
      Ort::ConstMapTypeInfo map = info.GetMapTypeInfo();
      const std::string key = ElementTypeName(map.GetMapKeyType());
      return "map<" + key + "," + Describe(map.GetMapValueType().GetConst(), depth + 1, out) + ">";
    }
    case ONNX_TYPE_OPTIONAL:
      return "optional<" +
             Describe(info.GetOptionalTypeInfo().GetOptionalElementType().GetConst(), depth + 1,
                      out) +
             ">";
    case ONNX_TYPE_SPARSETENSOR:
      out->error = "sparse tensors are not supported";
      return "sparse_tensor";
    default:
      out->error = "opaque and unknown types are not supported";
      return "opaque";
  }
}

Result<TypeSummary> Summarize(const std::string& role, const std::string& name,
                              Ort::ConstTypeInfo info) {
  TypeSummary s;
  s.spec.name = name;
  const std::string kind = Describe(info, 0, &s);
  if (!s.error.empty()) {
    return InvalidArgument("not supported: " + role + " \"" + name + "\" is " + kind + ": " +
                           s.error);
  }
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) {
    s.kind = kind;
    s.spec.shape.clear();  // a container has no tensor shape of its own
    s.spec.dim_names.clear();
  }
  return s;
}

Status FromOrt(const Ort::Exception& e, bool loading) {
  const OrtErrorCode code = e.GetOrtErrorCode();
  if (loading && code != ORT_ENGINE_ERROR && code != ORT_EP_FAIL) {
    return InvalidArgument("ONNX Runtime cannot load the model: " + Truncated(e.what()));
  }
  if (!loading && code == ORT_INVALID_ARGUMENT) {
    return InvalidArgument("ONNX Runtime refused the inputs: " + Truncated(e.what()));
  }
  return Internal("ONNX Runtime failed: " + Truncated(e.what()));
}

Ort::SessionOptions MakeOptions(const SessionConfig& config, bool external_in_memory) {
  Ort::SessionOptions o;
  o.SetIntraOpNumThreads(config.intra_op_threads);
  o.SetInterOpNumThreads(1);
  o.SetExecutionMode(ORT_SEQUENTIAL);
  o.SetGraphOptimizationLevel(config.optimized ? ORT_ENABLE_ALL : ORT_DISABLE_ALL);
  o.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, config.allow_spinning ? "1" : "0");
  o.AddConfigEntry(kOrtSessionOptionsConfigAllowInterOpSpinning, "0");
  // Models arrive as bytes from the blob store and their external data as buffers
  // (AddExternalInitializersFromFilesInMemory); ORT then refuses any location missing from
  // those buffers. Without buffers, a path inside an uploaded model must not reach the
  // filesystem either: ORT is pointed at a folder that does not exist. (Not with buffers:
  // ORT would check that the files exist in that folder.)
  if (!external_in_memory) {
    o.AddConfigEntry(kOrtSessionOptionsModelExternalInitializersFileFolderPath,
                     "/nonexistent/modelvault-external-data-is-not-supported");
  }
  return o;
}

// A view of `t` for ORT (no copy unless the bytes are misaligned for the element type; the
// copy is kept in `copies` until the run returns). String tensors are copied byte-exactly,
// embedded NULs included.
Ort::Value ToValue(const Tensor& t, const Ort::MemoryInfo& cpu,
                   std::vector<std::unique_ptr<uint64_t[]>>* copies) {
  if (t.dtype == DType::kBytes) {
    Ort::AllocatorWithDefaultOptions alloc;
    Ort::Value v = Ort::Value::CreateTensor(alloc, t.shape.data(), t.shape.size(),
                                            ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING);
    for (size_t i = 0; i < t.strings.size(); ++i) {
      const std::string& s = t.strings[i];
      char* dst = v.GetResizedStringTensorElementBuffer(i, s.size());
      if (!s.empty()) std::memcpy(dst, s.data(), s.size());
    }
    return v;
  }
  void* data = const_cast<char*>(t.data.data());  // ORT only reads input tensors
  if (reinterpret_cast<uintptr_t>(data) % DTypeSize(t.dtype) != 0) {
    copies->emplace_back(new uint64_t[t.data.size() / sizeof(uint64_t) + 1]);
    std::memcpy(copies->back().get(), t.data.data(), t.data.size());
    data = copies->back().get();
  }
  return Ort::Value::CreateTensor(cpu, data, t.data.size(), t.shape.data(), t.shape.size(),
                                  ToOnnx(t.dtype));
}

// Copies one output; `budget` is what max_output_bytes still allows.
Result<Tensor> FromValue(const std::string& name, const Ort::Value& v, int64_t* budget) {
  if (!v || !v.IsTensor()) {
    return InvalidArgument("not supported: output \"" + name + "\" is not a tensor");
  }
  Ort::TensorTypeAndShapeInfo info = v.GetTensorTypeAndShapeInfo();
  std::optional<DType> dtype = ToDType(info.GetElementType());
  if (!dtype) return Internal("output \"" + name + "\" has an unexpected element type");
  Tensor t;
  t.name = name;
  t.dtype = *dtype;
  t.shape = info.GetShape();
  const size_t count = info.GetElementCount();
  const size_t bytes = t.dtype == DType::kBytes
                           ? v.GetStringTensorDataLength() + count * sizeof(std::string)
                           : v.GetTensorSizeInBytes();
  if (static_cast<int64_t>(bytes) > *budget) {
    return ResourceExhausted("the outputs are larger than the limit of the engine");
  }
  *budget -= static_cast<int64_t>(bytes);
  if (t.dtype != DType::kBytes) {
    t.data.assign(static_cast<const char*>(v.GetTensorRawData()), bytes);
    return t;
  }
  if (count == 0) return t;
  std::string content(v.GetStringTensorDataLength(), '\0');
  std::vector<size_t> offsets(count);
  v.GetStringTensorContent(content.data(), content.size(), offsets.data(), count);
  t.strings.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t end = i + 1 < count ? offsets[i + 1] : content.size();
    t.strings.push_back(content.substr(offsets[i], end - offsets[i]));
  }
  return t;
}

}  // namespace

OnnxSession::OnnxSession(Ort::Session session, SessionConfig config)
    : session_(std::move(session)),
      config_(config),
      cpu_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {}

Result<std::unique_ptr<OnnxSession>> OnnxSession::Create(const Ort::Env& env,
                                                         const std::string& model,
                                                         const std::vector<ExternalFile>& external,
                                                         const SessionConfig& config) {
  try {
    Ort::SessionOptions options = MakeOptions(config, !external.empty());
    int64_t bytes = static_cast<int64_t>(model.size());
    if (!external.empty()) {
      std::vector<std::string> names;
      std::vector<char*> buffers;
      std::vector<size_t> lengths;
      for (const ExternalFile& f : external) {
        names.push_back(f.location);
        // ORT copies the initializers out of the buffers while the session is created.
        buffers.push_back(const_cast<char*>(f.bytes.data()));
        lengths.push_back(f.bytes.size());
        bytes += static_cast<int64_t>(f.bytes.size());
      }
      options.AddExternalInitializersFromFilesInMemory(names, buffers, lengths);
    }
    Ort::Session session(env, model.data(), model.size(), options);
    std::unique_ptr<OnnxSession> s(new OnnxSession(std::move(session), config));
    s->model_bytes_ = bytes;
    RETURN_IF_ERROR(s->ReadSignature());
    return s;
  } catch (const Ort::Exception& e) {
    return FromOrt(e, /*loading=*/true);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while loading the model");
  } catch (const std::exception& e) {
    return Internal(std::string("loading the model failed: ") + e.what());
  }
}

Status OnnxSession::ReadSignature() {
  Ort::AllocatorWithDefaultOptions alloc;
  for (size_t i = 0, n = session_.GetInputCount(); i < n; ++i) {
    const std::string name = session_.GetInputNameAllocated(i, alloc).get();
    Ort::TypeInfo info = session_.GetInputTypeInfo(i);
    ASSIGN_OR_RETURN(TypeSummary s, Summarize("input", name, info.GetConst()));
    signature_.inputs.push_back(std::move(s.spec));
    input_kinds_.push_back(std::move(s.kind));
  }
  for (size_t i = 0, n = session_.GetOutputCount(); i < n; ++i) {
    const std::string name = session_.GetOutputNameAllocated(i, alloc).get();
    Ort::TypeInfo info = session_.GetOutputTypeInfo(i);
    ASSIGN_OR_RETURN(TypeSummary s, Summarize("output", name, info.GetConst()));
    signature_.outputs.push_back(std::move(s.spec));
    output_kinds_.push_back(std::move(s.kind));
  }
  return Status::Ok();
}

Result<std::vector<Tensor>> OnnxSession::Run(const std::vector<Tensor>& inputs,
                                             const std::vector<std::string>& outputs) {
  RETURN_IF_ERROR(CheckInputs(signature_.inputs, input_kinds_, inputs));
  ASSIGN_OR_RETURN(std::vector<size_t> selected,
                   SelectOutputs(signature_.outputs, output_kinds_, outputs));
  return Execute(inputs, selected, /*quiet=*/false);
}

Result<std::vector<Tensor>> OnnxSession::Execute(const std::vector<Tensor>& inputs,
                                                 const std::vector<size_t>& outputs, bool quiet) {
  try {
    std::vector<std::unique_ptr<uint64_t[]>> copies;
    std::vector<Ort::Value> values;
    std::vector<const char*> input_names;
    values.reserve(inputs.size());
    for (const Tensor& t : inputs) {
      values.push_back(ToValue(t, cpu_, &copies));
      input_names.push_back(t.name.c_str());
    }
    std::vector<const char*> output_names;
    for (size_t i : outputs) output_names.push_back(signature_.outputs[i].name.c_str());
    Ort::RunOptions run_options{nullptr};
    if (quiet) {
      run_options = Ort::RunOptions();
      run_options.SetRunLogSeverityLevel(ORT_LOGGING_LEVEL_FATAL);
    }
    std::vector<Ort::Value> results =
        session_.Run(run_options, input_names.data(), values.data(), values.size(),
                     output_names.data(), output_names.size());
    std::vector<Tensor> out;
    int64_t budget = config_.max_output_bytes;
    for (size_t i = 0; i < results.size() && i < output_names.size(); ++i) {
      ASSIGN_OR_RETURN(Tensor t, FromValue(output_names[i], results[i], &budget));
      out.push_back(std::move(t));
    }
    return out;
  } catch (const Ort::Exception& e) {
    return FromOrt(e, /*loading=*/false);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while running the model");
  } catch (const std::exception& e) {
    return Internal(std::string("running the model failed: ") + e.what());
  }
}

Status OnnxSession::Warm() {
  std::vector<Tensor> inputs;
  int64_t total = 0;
  for (size_t i = 0; i < signature_.inputs.size(); ++i) {
    if (!input_kinds_[i].empty()) return Status::Ok();
    const TensorSpec& spec = signature_.inputs[i];
    Tensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    for (int64_t d : spec.shape) t.shape.push_back(d < 0 ? 1 : d);
    std::optional<int64_t> count = t.ElementCount();
    const auto size = static_cast<int64_t>(std::max<size_t>(DTypeSize(t.dtype), 1));
    if (!count || *count > (kMaxWarmBytes - total) / size) return Status::Ok();
    total += *count * size;
    if (t.dtype == DType::kBytes) {
      t.strings.assign(static_cast<size_t>(*count), "");
    } else {
      t.data.assign(static_cast<size_t>(*count * size), '\0');
    }
    inputs.push_back(std::move(t));
  }
  std::vector<size_t> outputs;
  for (size_t i = 0; i < output_kinds_.size(); ++i) {
    if (output_kinds_[i].empty()) outputs.push_back(i);
  }
  if (outputs.empty()) return Status::Ok();
  // Quiet: a warm-up that fails on zeros is expected for some models and not worth a log line.
  return Execute(inputs, outputs, /*quiet=*/true).status();
}

}  // namespace mv::inference
