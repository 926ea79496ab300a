// Runs one node test through a running modelvault: registers the model, uploads model.onnx
// as a version, checks the OIP model metadata, and infers every data set twice (binary
// tensor extension, then JSON where JSON can carry the values), comparing each answer with
// the data set's expected outputs.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

#include "tests/conformance/host_tensor.h"
#include "tests/conformance/node_case.h"
#include "tests/conformance/oip_client.h"

namespace mv::conformance {

struct CaseResult {
  std::string name;
  bool passed = false;
  std::string stage;    // where it failed: load, create, upload, metadata, non-tensor, infer...
  std::string detail;   // what went wrong (several lines for a diff)
  int http_status = 0;  // of the failing request, 0 when none
  bool transport_error = false;  // the request got no answer at all
  bool json_checked = false;     // the JSON pass ran (values JSON can carry)
  double seconds = 0;
};

class CaseRunner {
 public:
  // One runner per thread: it holds one keep-alive connection to 127.0.0.1:port, sending
  // `token` (when not empty) as Authorization: Bearer.
  CaseRunner(int port, Tolerance tol, int read_timeout_s, const std::string& token = "");

  // Runs the test in `dir`; the model is registered under the directory's name.
  CaseResult Run(const std::string& dir);

 private:
  bool Register(const NodeCase& c, CaseResult& r, int64_t& version);
  bool CheckMetadata(const NodeCase& c, const std::string& base, CaseResult& r);
  bool RunDataSet(const NodeCase& c, const std::string& base, const std::string& set_dir,
                  CaseResult& r);
  // A data set with a sequence/optional input or output: sends what it can and records the
  // answer in r. Always false.
  bool ProbeNonTensor(const std::string& base, const DataSet& d, CaseResult& r);
  // The JSON request for `inputs`; its answer must equal the binary answer exactly.
  bool JsonPass(const std::string& base, const std::vector<HostTensor>& inputs,
                const std::vector<HostTensor>& binary, const std::string& set_name, CaseResult& r);
  // POSTs one infer request and decodes the answer; on failure r says why.
  Result<std::vector<HostTensor>> Infer(const std::string& base, const InferBody& body,
                                        const std::string& pass, CaseResult& r);
  // Fills r with the failure of a request that did not answer `want`; false always.
  bool RequestFailed(const httplib::Result& res, int want, const std::string& stage,
                     const std::string& what, CaseResult& r);

  // The client, on a fresh connection when the last request was 2 s ago or more.
  httplib::Client& Conn();

  httplib::Client cli_;
  std::chrono::steady_clock::time_point last_request_;
  Tolerance tol_;
};

}  // namespace mv::conformance
