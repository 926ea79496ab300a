// One ONNX backend node test as Debian's libonnx-testdata ships it:
// <dir>/model.onnx and <dir>/test_data_set_N/{input,output}_K.pb, where input_K is the
// graph's K-th input and output_K its K-th output (as onnx.backend.test.runner reads them).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"
#include "tests/conformance/host_tensor.h"

namespace mv::conformance {

// A graph input or output as the model declares it.
struct IoSpec {
  std::string name;
  bool is_tensor = false;      // false: sequence, optional, map or sparse tensor
  std::string datatype;        // OIP datatype for tensors ("" when OIP has none)
  std::string type_text;       // "tensor(FP32)", "seq(tensor(FP32))", "optional(...)", ...
  bool has_shape = false;      // tensors: whether the graph declares a rank
  std::vector<int64_t> shape;  // the declared dims, -1 for a symbolic or unknown one
  // A graph input an initializer of the same name backs (IR < 4 graphs list every
  // initializer as an input): feeding it is optional, and OIP metadata lists only the
  // inputs a request must carry.
  bool has_initializer = false;
};

struct NodeCase {
  std::string name;  // the directory name, e.g. "test_abs"
  std::string dir;
  std::string model_bytes;
  std::vector<IoSpec> inputs;
  std::vector<IoSpec> outputs;
  std::vector<std::string> data_sets;  // test_data_set_* directories, sorted
};

struct DataSet {
  std::string dir;
  std::vector<HostTensor> inputs;   // named after the graph's inputs
  std::vector<HostTensor> outputs;  // named after the graph's outputs
  // Set when an input or output is not a tensor OIP can carry (a sequence, an optional, a
  // map): says which. `inputs_complete` tells whether every input could still be loaded.
  std::string not_expressible;
  bool inputs_complete = false;
};

// The test_* directories under `root`, sorted; empty when there are none or it is missing.
std::vector<std::string> ListCases(const std::string& root);

// Reads and parses <dir>/model.onnx and lists the data sets. InvalidArgument when the
// model does not parse or has no data set.
Result<NodeCase> LoadCase(const std::string& dir);

// Reads one data set; an input or output OIP cannot carry sets `not_expressible` (and
// stops there). InvalidArgument when a file does not parse or does not match the graph.
Result<DataSet> LoadDataSet(const NodeCase& c, const std::string& set_dir);

// The whole file; NotFound when it cannot be read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace mv::conformance
