#include "api/oip_codec.h"

#include <charconv>
#include <set>

#include "api/oip_data.h"
#include "api/oip_json_cursor.h"
#include "api/oip_json_data.h"

namespace mv::api::oip {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameBytes = 1024;

// The object at obj[key], or null when absent. InvalidArgument when present and not an
// object.
Result<const json*> OptionalObject(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return InvalidArgument(where + ": \"" + key + "\" must be an object");
  return &*it;
}

Result<std::string> TensorName(const json& obj, const char* what) {
  auto it = obj.find("name");
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return InvalidArgument(std::string("every ") + what + " needs a non-empty string \"name\"");
  }
  const std::string& name = it->get_ref<const std::string&>();
  if (name.size() > kMaxNameBytes) {
    return InvalidArgument(std::string(what) + " name longer than " +
                           std::to_string(kMaxNameBytes) + " bytes");
  }
  return name;
}

Status RefuseSharedMemory(const json* params, const std::string& where) {
  if (params &&
      (params->contains("shared_memory_region") || params->contains("shared_memory_byte_size"))) {
    return InvalidArgument(where + ": shared memory is not supported; send the data inline");
  }
  return Status::Ok();
}

// The shape and its element count. InvalidArgument naming the input for anything but an
// array of at most max_rank integers >= 0 whose product fits.
Result<int64_t> DecodeShape(const json& in, Tensor& t, const OipLimits& limits) {
  auto it = in.find("shape");
  if (it == in.end() || !it->is_array()) {
    return InvalidArgument("input \"" + t.name + "\" needs a \"shape\" array");
  }
  if (it->size() > limits.max_rank) {
    return InvalidArgument("input \"" + t.name + "\" has more than " +
                           std::to_string(limits.max_rank) + " dims");
  }
  int64_t count = 1;
  bool zero = false, overflow = false;
  for (const json& d : *it) {
    if (!d.is_number_integer() || (!d.is_number_unsigned() && d.get<int64_t>() < 0) ||
        (d.is_number_unsigned() && d.get<uint64_t>() > uint64_t{INT64_MAX})) {
      return InvalidArgument("input \"" + t.name + "\": every dim of \"shape\" must be an integer >= 0");
    }
    const int64_t dim = d.get<int64_t>();
    t.shape.push_back(dim);
    if (dim == 0) {
      zero = true;
    } else if (!overflow && count > INT64_MAX / dim) {
      overflow = true;
    } else if (!overflow) {
      count *= dim;
    }
  }
  if (zero) return int64_t{0};
  if (overflow) {
    return InvalidArgument("input \"" + t.name + "\": shape has more elements than fit in 64 bits");
  }
  return count;
}

struct Budget {
  int64_t elements = 0;
  int64_t bytes = 0;
};

Status Spend(Budget& b, const Tensor& t, int64_t count, const OipLimits& limits) {
  const int64_t item = t.dtype == DType::kBytes ? 1 : static_cast<int64_t>(DTypeSize(t.dtype));
  b.elements += count;
  if (b.elements > limits.max_elements || count > (limits.max_tensor_bytes - b.bytes) / item) {
    return ResourceExhausted("input \"" + t.name + "\" takes the request over the limit of " +
                             std::to_string(limits.max_elements) + " elements or " +
                             std::to_string(limits.max_tensor_bytes) + " bytes");
  }
  b.bytes += count * item;
  return Status::Ok();
}

// The binary bytes not yet claimed by an input.
struct BinaryCursor {
  std::string_view rest;
  bool present = false;  // the request had Inference-Header-Content-Length
};

// An input object as read from the text: its members but "data" as a document, and its
// data, read while walking when its datatype and shape came first (as clients write them).
struct InputText {
  json obj = json::object();
  std::optional<size_t> data_at;  // offset of the "data" value
  int data_depth = 0;
  std::optional<JsonData> data;  // read with `read_as`'s datatype and shape
  Tensor read_as;
};

// The datatype and shape `obj` names, when both are valid.
std::optional<std::pair<Tensor, int64_t>> KnownLayout(const json& obj, const OipLimits& limits) {
  auto dt = obj.find("datatype");
  if (dt == obj.end() || !dt->is_string()) return std::nullopt;
  std::optional<DType> dtype = DTypeFromName(dt->get_ref<const std::string&>());
  if (!dtype) return std::nullopt;
  Tensor t;
  t.dtype = *dtype;
  if (auto name = obj.find("name"); name != obj.end() && name->is_string()) {
    t.name = name->get<std::string>();
  }
  Result<int64_t> count = DecodeShape(obj, t, limits);
  if (!count.ok()) return std::nullopt;
  return std::make_pair(std::move(t), *count);
}

Result<InputText> ReadInput(JsonCursor& c, const OipLimits& limits) {
  InputText in;
  if (c.Peek() != '{') {
    RETURN_IF_ERROR(c.Skip().status());
    return InvalidArgument("every input must be a JSON object");
  }
  RETURN_IF_ERROR(c.Members([&](const std::string& key) -> Status {
    if (key != "data") {
      ASSIGN_OR_RETURN(in.obj[key], c.Piece());
      return Status::Ok();
    }
    c.Peek();
    in.data_at = c.offset();
    in.data_depth = c.depth();
    in.data.reset();
    if (auto layout = KnownLayout(in.obj, limits)) {
      in.read_as = std::move(layout->first);
      ASSIGN_OR_RETURN(in.data, ReadJsonData(c, in.read_as, layout->second));
      return Status::Ok();
    }
    return c.Skip().status();
  }));
  return in;
}

Result<Tensor> DecodeInput(InputText& text_in, std::string_view text, BinaryCursor& bin,
                           Budget& budget, const OipLimits& limits) {
  const json& in = text_in.obj;
  Tensor t;
  ASSIGN_OR_RETURN(t.name, TensorName(in, "input"));
  auto dt = in.find("datatype");
  if (dt == in.end() || !dt->is_string()) {
    return InvalidArgument("input \"" + t.name + "\" needs a string \"datatype\"");
  }
  std::optional<DType> dtype = DTypeFromName(dt->get_ref<const std::string&>());
  if (!dtype) {
    return InvalidArgument("input \"" + t.name + "\": unknown datatype " + dt->dump() +
                           "; expected BOOL, INT8..INT64, UINT8..UINT64, FP16, BF16, FP32, "
                           "FP64 or BYTES");
  }
  t.dtype = *dtype;
  ASSIGN_OR_RETURN(int64_t count, DecodeShape(in, t, limits));
  ASSIGN_OR_RETURN(const json* params, OptionalObject(in, "parameters", "input \"" + t.name + "\""));
  RETURN_IF_ERROR(RefuseSharedMemory(params, "input \"" + t.name + "\""));
  const json* size =
      params && params->contains("binary_data_size") ? &(*params)["binary_data_size"] : nullptr;
  if (size) {
    if (text_in.data_at) {
      return InvalidArgument("input \"" + t.name + "\" has both \"data\" and binary_data_size");
    }
    if (!bin.present) {
      return InvalidArgument("input \"" + t.name + "\" has binary_data_size but the request has " +
                             "no " + kHeaderLengthHeader + " header");
    }
    if (!size->is_number_unsigned() || size->get<uint64_t>() > bin.rest.size()) {
      return InvalidArgument("input \"" + t.name + "\": binary_data_size " + size->dump() +
                             " is not a byte count within the " + std::to_string(bin.rest.size()) +
                             " bytes left in the body");
    }
    const auto n = static_cast<size_t>(size->get<uint64_t>());
    RETURN_IF_ERROR(DecodeBinaryData(bin.rest.substr(0, n), count, t));
    bin.rest.remove_prefix(n);
    RETURN_IF_ERROR(Spend(budget, t, count, limits));
    return t;
  }
  if (!text_in.data_at) return InvalidArgument("input \"" + t.name + "\" has no \"data\"");
  if (!text_in.data || text_in.read_as.name != t.name || text_in.read_as.dtype != t.dtype ||
      text_in.read_as.shape != t.shape) {
    // The datatype or shape came after the data: read it again, now knowing them.
    JsonCursor again(text, limits);
    again.Seek(*text_in.data_at, text_in.data_depth);
    ASSIGN_OR_RETURN(text_in.data, ReadJsonData(again, t, count));
  }
  JsonData& data = *text_in.data;
  RETURN_IF_ERROR(data.shape_error);
  if (data.given != count) {
    return InvalidArgument("input \"" + t.name + "\" has " + std::to_string(data.given) +
                           " elements, its shape needs " + std::to_string(count));
  }
  RETURN_IF_ERROR(Spend(budget, t, count, limits));
  RETURN_IF_ERROR(data.element_error);
  t.data = std::move(data.bytes);
  t.strings = std::move(data.strings);
  return t;
}

Result<std::vector<RequestedOutput>> DecodeOutputs(const json& req, const OipLimits& limits) {
  std::vector<RequestedOutput> out;
  auto it = req.find("outputs");
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidArgument("\"outputs\" must be an array");
  if (it->size() > limits.max_tensors) {
    return ResourceExhausted("more than " + std::to_string(limits.max_tensors) + " outputs");
  }
  std::set<std::string> seen;
  for (const json& o : *it) {
    if (!o.is_object()) return InvalidArgument("every output must be a JSON object");
    RequestedOutput r;
    ASSIGN_OR_RETURN(r.name, TensorName(o, "output"));
    if (!seen.insert(r.name).second)
      return InvalidArgument("output \"" + r.name + "\" is requested twice");
    const std::string where = "output \"" + r.name + "\"";
    ASSIGN_OR_RETURN(const json* params, OptionalObject(o, "parameters", where));
    RETURN_IF_ERROR(RefuseSharedMemory(params, where));
    if (params && params->contains("classification")) {
      return InvalidArgument(where + ": the classification extension is not supported");
    }
    if (params && params->contains("binary_data")) {
      const json& b = (*params)["binary_data"];
      if (!b.is_boolean()) return InvalidArgument(where + ": binary_data must be true or false");
      r.binary = b.get<bool>();
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status DecodeHead(const json& req, InferRequest& out) {
  if (auto id = req.find("id"); id != req.end() && !id->is_null()) {
    if (!id->is_string()) return InvalidArgument("\"id\" must be a string");
    out.id = id->get<std::string>();
  }
  ASSIGN_OR_RETURN(const json* params, OptionalObject(req, "parameters", "the request"));
  if (params && params->contains("binary_data_output")) {
    const json& b = (*params)["binary_data_output"];
    if (!b.is_boolean()) return InvalidArgument("binary_data_output must be true or false");
    out.binary_data_output = b.get<bool>();
  }
  return Status::Ok();
}

// The request object read from the text: "inputs" (when an array) as InputTexts, every
// other member as a document.
struct RequestText {
  json head = json::object();
  std::optional<std::vector<InputText>> inputs;
};

Result<RequestText> ReadRequest(std::string_view text, const OipLimits& limits) {
  if (text.size() > limits.max_json_bytes) {
    return ResourceExhausted("the request JSON is larger than " +
                             std::to_string(limits.max_json_bytes) + " bytes");
  }
  JsonCursor c(text, limits);
  RequestText req;
  if (c.Peek() != '{') {
    RETURN_IF_ERROR(c.Skip().status());
    RETURN_IF_ERROR(c.ExpectEnd());
    return InvalidArgument("the request body must be a JSON object");
  }
  RETURN_IF_ERROR(c.Members([&](const std::string& key) -> Status {
    if (key != "inputs" || c.Peek() != '[') {
      if (key == "inputs") req.inputs.reset();
      ASSIGN_OR_RETURN(req.head[key], c.Piece());
      return Status::Ok();
    }
    req.head.erase(key);
    req.inputs.emplace();
    return c.Elements([&](int64_t i) -> Status {
      if (static_cast<size_t>(i) >= limits.max_tensors) {
        return ResourceExhausted("more than " + std::to_string(limits.max_tensors) + " inputs");
      }
      ASSIGN_OR_RETURN(InputText in, ReadInput(c, limits));
      req.inputs->push_back(std::move(in));
      return Status::Ok();
    });
  }));
  RETURN_IF_ERROR(c.ExpectEnd());
  return req;
}

std::string Quoted(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

void AppendShape(const std::vector<int64_t>& shape, std::string& out) {
  out.push_back('[');
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(shape[i]);
  }
  out.push_back(']');
}

}  // namespace

std::vector<std::string> InferRequest::OutputNames() const {
  std::vector<std::string> names;
  for (const RequestedOutput& o : outputs) names.push_back(o.name);
  return names;
}

bool InferRequest::WantsBinary(const std::string& output) const {
  for (const RequestedOutput& o : outputs) {
    if (o.name == output && o.binary) return *o.binary;
  }
  return binary_data_output;
}

Result<std::optional<size_t>> ParseHeaderLength(const std::string& value, size_t body_size) {
  if (value.empty()) return std::optional<size_t>();
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n > body_size) {
    return InvalidArgument(std::string(kHeaderLengthHeader) + " must be a byte count within the " +
                           std::to_string(body_size) + "-byte body");
  }
  return std::optional<size_t>(n);
}

Result<InferRequest> DecodeInferRequest(std::string_view body, std::optional<size_t> json_length,
                                        const OipLimits& limits) {
  if (json_length && *json_length > body.size()) {
    return InvalidArgument(std::string(kHeaderLengthHeader) + " is past the end of the body");
  }
  const std::string_view text = body.substr(0, json_length.value_or(body.size()));
  ASSIGN_OR_RETURN(RequestText req, ReadRequest(text, limits));
  InferRequest out;
  RETURN_IF_ERROR(DecodeHead(req.head, out));
  // An empty array is fine: a model may take no inputs (ONNX's test_constant); the
  // signature check names any input a model does need.
  if (!req.inputs) return InvalidArgument("the request needs an \"inputs\" array");
  BinaryCursor bin{json_length ? body.substr(*json_length) : std::string_view(),
                   json_length.has_value()};
  Budget budget;
  std::set<std::string> names;
  for (InputText& in : *req.inputs) {
    ASSIGN_OR_RETURN(Tensor t, DecodeInput(in, text, bin, budget, limits));
    if (!names.insert(t.name).second)
      return InvalidArgument("input \"" + t.name + "\" is given twice");
    out.inputs.push_back(std::move(t));
  }
  if (!bin.rest.empty()) {
    return InvalidArgument(std::to_string(bin.rest.size()) +
                           " bytes follow the binary tensor data of the inputs");
  }
  ASSIGN_OR_RETURN(out.outputs, DecodeOutputs(req.head, limits));
  return out;
}

Result<EncodedResponse> EncodeInferResponse(const ResponseHead& head,
                                            const std::vector<Tensor>& outputs,
                                            const std::vector<bool>& binary) {
  std::string out = "{\"model_name\":" + Quoted(head.model_name) +
                    ",\"model_version\":" + Quoted(head.model_version);
  if (head.id) out += ",\"id\":" + Quoted(*head.id);
  out += ",\"outputs\":[";
  bool any_binary = false;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    out += (i > 0 ? ",{\"name\":" : "{\"name\":") + Quoted(t.name) + ",\"datatype\":\"" +
           DTypeName(t.dtype) + "\",\"shape\":";
    AppendShape(t.shape, out);
    if (i < binary.size() && binary[i]) {
      any_binary = true;
      out += ",\"parameters\":{\"binary_data_size\":" + std::to_string(BinarySize(t)) + "}}";
    } else {
      out += ",\"data\":";
      RETURN_IF_ERROR(AppendJsonData(t, out));
      out.push_back('}');
    }
  }
  out += "]}";
  EncodedResponse r;
  if (any_binary) {
    r.json_length = out.size();
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (i < binary.size() && binary[i]) RETURN_IF_ERROR(AppendBinaryData(outputs[i], out));
    }
  }
  r.body = std::move(out);
  return r;
}

json ModelMetadataJson(const std::string& name, const std::vector<std::string>& versions,
                       const ModelSignature& sig) {
  auto specs = [](const std::vector<TensorSpec>& list) {
    json arr = json::array();
    for (const TensorSpec& s : list) {
      arr.push_back({{"name", s.name}, {"datatype", DTypeName(s.dtype)}, {"shape", s.shape}});
    }
    return arr;
  };
  return {{"name", name},
          {"versions", versions},
          {"platform", "onnxruntime_onnx"},
          {"inputs", specs(sig.inputs)},
          {"outputs", specs(sig.outputs)}};
}

}  // namespace mv::api::oip
