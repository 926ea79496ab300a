#include "tests/conformance/case_runner.h"

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/conformance/oip_client.h"

namespace mv::conformance {
namespace {

using nlohmann::json;

std::string Snippet(const std::string& body, size_t n = 400) {
  std::string s = body.substr(0, n);
  for (char& ch : s) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  return body.size() > n ? s + "..." : s;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out;
  for (int64_t d : shape) out += (out.empty() ? "" : ",") + std::to_string(d);
  return "[" + out + "]";
}

// "[x FP32 [-1,3], y INT64 [2]]" from the graph (expected) or from OIP metadata entries
// (actual). A graph tensor without a declared rank takes the rank the metadata reports.
std::string SpecList(const std::vector<IoSpec>& specs, const json& entries) {
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::vector<int64_t> shape = specs[i].shape;
    if (!specs[i].has_shape && i < entries.size() && entries[i].contains("shape") &&
        entries[i]["shape"].is_array()) {
      shape.assign(entries[i]["shape"].size(), -1);
    }
    out += (out.empty() ? "" : ", ") + specs[i].name + " " + specs[i].datatype + " " +
           ShapeText(shape);
  }
  return "[" + out + "]";
}

std::string SpecList(const json& entries) {
  std::string out;
  for (const json& e : entries) {
    std::vector<int64_t> shape;
    if (e.contains("shape") && e["shape"].is_array()) {
      for (const json& d : e["shape"])
        shape.push_back(d.is_number_integer() ? d.get<int64_t>() : -2);
    }
    out += (out.empty() ? "" : ", ") + e.value("name", std::string("?")) + " " +
           e.value("datatype", std::string("?")) + " " + ShapeText(shape);
  }
  return "[" + out + "]";
}

bool AllTensors(const NodeCase& c) {
  for (const auto* list : {&c.inputs, &c.outputs}) {
    for (const IoSpec& s : *list) {
      if (!s.is_tensor || s.datatype.empty()) return false;
    }
  }
  return true;
}

std::string Names(const std::vector<HostTensor>& ts) {
  std::string out;
  for (const HostTensor& t : ts) out += (out.empty() ? "" : ", ") + t.name;
  return "[" + out + "]";
}

std::string CompareAll(const std::vector<HostTensor>& want, const std::vector<HostTensor>& got,
                       const Tolerance& tol) {
  std::string diffs;
  if (got.size() != want.size()) {
    diffs = "\n  got outputs " + Names(got) + ", expected " + Names(want);
  }
  for (const HostTensor& w : want) {
    const HostTensor* have = nullptr;
    for (const HostTensor& t : got) {
      if (t.name == w.name) have = &t;
    }
    const std::string diff =
        have ? Compare(w, *have, tol) : "output '" + w.name + "' is missing from the answer";
    if (!diff.empty()) diffs += "\n  " + diff;
  }
  return diffs;
}

}  // namespace

CaseRunner::CaseRunner(int port, Tolerance tol, int read_timeout_s, const std::string& token)
    : cli_("127.0.0.1", port), tol_(tol) {
  if (!token.empty()) cli_.set_bearer_token_auth(token);
  cli_.set_keep_alive(true);
  cli_.set_tcp_nodelay(true);  // a body written after its headers must not wait for an ACK
  cli_.set_connection_timeout(10);
  cli_.set_read_timeout(read_timeout_s);
  cli_.set_write_timeout(read_timeout_s);
}

httplib::Client& CaseRunner::Conn() {
  // httplib 0.11 reuses a kept-alive socket without checking it: after the server's 5 s idle
  // timeout (slow sanitizer builds can be idle that long between requests) the next request
  // would fail to write. A connection idle for 2 s is closed here instead.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_request_ > std::chrono::seconds(2)) cli_.stop();
  last_request_ = now;
  return cli_;
}

CaseResult CaseRunner::Run(const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  CaseResult r;
  r.name = std::filesystem::path(dir).filename().string();
  auto done = [&]() {
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  auto c = LoadCase(dir);
  if (!c.ok()) {
    r.stage = "load";
    r.detail = c.status().message();
    return done();
  }
  try {
    int64_t version = 0;
    if (!Register(*c, r, version)) return done();
    const std::string base = "/v2/models/" + c->name + "/versions/" + std::to_string(version);
    if (!CheckMetadata(*c, base, r)) return done();
    for (const std::string& set : c->data_sets) {
      if (!RunDataSet(*c, base, set, r)) return done();
    }
    r.passed = true;
  } catch (const nlohmann::json::exception& e) {  // a JSON answer of an unexpected shape
    r.passed = false;
    if (r.stage.empty()) r.stage = "answer";
    r.detail = "a JSON answer of an unexpected shape: " + std::string(e.what());
  }
  return done();
}

bool CaseRunner::RequestFailed(const httplib::Result& res, int want, const std::string& stage,
                               const std::string& what, CaseResult& r) {
  r.stage = stage;
  if (!res) {
    r.transport_error = true;
    r.detail = what + ": no answer (" + httplib::to_string(res.error()) + ")";
  } else {
    r.http_status = res->status;
    r.detail = what + ": HTTP " + std::to_string(res->status) + " (want " + std::to_string(want) +
               "): " + Snippet(res->body);
  }
  return false;
}

bool CaseRunner::Register(const NodeCase& c, CaseResult& r, int64_t& version) {
  const json model = {{"name", c.name}, {"description", "ONNX backend node test"}};
  auto res = Conn().Post("/api/v1/models", model.dump(), "application/json");
  if (!res || res->status != 201) return RequestFailed(res, 201, "create", "create model", r);
  const httplib::MultipartFormDataItems items = {
      {"model.onnx", c.model_bytes, "model.onnx", "application/octet-stream"}};
  res = Conn().Post("/api/v1/models/" + c.name + "/versions", items);
  if (!res || res->status != 201) return RequestFailed(res, 201, "upload", "upload", r);
  const json v = json::parse(res->body, nullptr, false);
  r.stage = "upload";
  if (!v.is_object() || !v.contains("version") || !v["version"].is_number_integer()) {
    r.detail = "the upload answered 201 without a version number: " + Snippet(res->body);
    return false;
  }
  version = v["version"].get<int64_t>();
  const json* artifacts = v.contains("artifacts") ? &v["artifacts"] : nullptr;
  if (!artifacts || !artifacts->is_array() || artifacts->size() != 1 ||
      (*artifacts)[0].value("kind", std::string()) != "onnx") {
    r.detail = "model.onnx is not stored as one artifact of kind onnx: " + Snippet(res->body);
    return false;
  }
  r.stage.clear();
  return true;
}

bool CaseRunner::CheckMetadata(const NodeCase& c, const std::string& base, CaseResult& r) {
  if (!AllTensors(c)) return true;  // the data sets say why these cannot run
  auto res = Conn().Get(base);
  if (!res || res->status != 200) return RequestFailed(res, 200, "metadata", "GET " + base, r);
  const json m = json::parse(res->body, nullptr, false);
  r.stage = "metadata";
  if (!m.is_object() || m.value("platform", std::string()) != "onnxruntime_onnx" ||
      !m.contains("inputs") || !m["inputs"].is_array() || !m.contains("outputs") ||
      !m["outputs"].is_array()) {
    r.detail = "not OIP model metadata: " + Snippet(res->body);
    return false;
  }
  std::vector<IoSpec> required;
  for (const IoSpec& s : c.inputs) {
    if (!s.has_initializer) required.push_back(s);
  }
  const std::string want_in = SpecList(required, m["inputs"]);
  const std::string want_out = SpecList(c.outputs, m["outputs"]);
  const std::string got_in = SpecList(m["inputs"]), got_out = SpecList(m["outputs"]);
  if (got_in != want_in || got_out != want_out) {
    r.detail = "metadata lists inputs " + got_in + " outputs " + got_out + ", the graph " +
               want_in + " and " + want_out;
    return false;
  }
  r.stage.clear();
  return true;
}

bool CaseRunner::RunDataSet(const NodeCase& c, const std::string& base, const std::string& set,
                            CaseResult& r) {
  auto d = LoadDataSet(c, set);
  if (!d.ok()) {
    r.stage = "data";
    r.detail = d.status().message();
    return false;
  }
  if (!d->not_expressible.empty()) return ProbeNonTensor(base, *d, r);
  std::vector<std::string> names;
  for (const HostTensor& t : d->outputs) names.push_back(t.name);
  const std::string set_name = std::filesystem::path(set).filename().string();
  auto binary = Infer(base, EncodeBinaryRequest(d->inputs, names), "binary", r);
  if (!binary.ok()) return false;
  if (std::string diffs = CompareAll(d->outputs, *binary, tol_); !diffs.empty()) {
    r.stage = "compare";
    r.detail = "binary " + set_name + ":" + diffs;
    return false;
  }
  for (const auto* list : {&d->inputs, &d->outputs}) {
    for (const HostTensor& t : *list) {
      if (!JsonCanCarry(t)) return true;  // NaN, infinities or non-UTF-8 strings
    }
  }
  return JsonPass(base, d->inputs, *binary, set_name, r);
}

bool CaseRunner::ProbeNonTensor(const std::string& base, const DataSet& d, CaseResult& r) {
  r.stage = "non-tensor";
  r.detail = d.not_expressible;
  if (!d.inputs_complete) return false;
  // Not comparable, but the server must still answer the inputs it can be sent cleanly.
  const InferBody b = EncodeBinaryRequest(d.inputs, {});
  auto res = Conn().Post(base + "/infer", {{kHeaderLength, std::to_string(*b.header_length)}},
                         b.body, b.content_type.c_str());
  r.transport_error = !res;
  r.http_status = res ? res->status : 0;
  r.detail +=
      res ? "; infer answered HTTP " + std::to_string(res->status) + ": " + Snippet(res->body, 200)
          : "; infer got no answer (" + httplib::to_string(res.error()) + ")";
  return false;
}

bool CaseRunner::JsonPass(const std::string& base, const std::vector<HostTensor>& inputs,
                          const std::vector<HostTensor>& binary, const std::string& set_name,
                          CaseResult& r) {
  // JSON numbers are doubles: the JSON answer must hold the binary answer's values exactly.
  auto body = EncodeJsonRequest(inputs);
  if (!body.ok()) {
    r.stage = "request";
    r.detail = body.status().message();
    return false;
  }
  auto json_out = Infer(base, *body, "json", r);
  if (!json_out.ok()) return false;
  if (std::string diffs = CompareAll(binary, *json_out, Tolerance{0, 0}); !diffs.empty()) {
    r.stage = "compare";
    r.detail = "json " + set_name + " against the binary answer:" + diffs;
    return false;
  }
  r.json_checked = true;
  return true;
}

Result<std::vector<HostTensor>> CaseRunner::Infer(const std::string& base, const InferBody& body,
                                                  const std::string& pass, CaseResult& r) {
  httplib::Headers headers;
  if (body.header_length) headers.emplace(kHeaderLength, std::to_string(*body.header_length));
  auto res = Conn().Post(base + "/infer", headers, body.body, body.content_type.c_str());
  if (!res || res->status != 200) {
    RequestFailed(res, 200, "infer", pass + " infer", r);
    return Internal(r.detail);
  }
  auto got = DecodeInferResponse(res->body, res->get_header_value(kHeaderLength));
  if (!got.ok()) {
    r.stage = "decode";
    r.detail = pass + " response: " + got.status().message();
  }
  return got;
}

}  // namespace mv::conformance
