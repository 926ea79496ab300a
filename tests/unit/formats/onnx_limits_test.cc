// The ONNX inspector's bounds: item counts (nodes, initializers, inputs...) and declared
// tensor sizes, on both the whole-parse and the streamed path.
#include <gtest/gtest.h>

#include "onnx/onnx_pb.h"
#include "registry/formats/onnx/onnx_format.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::onnx {
namespace {

using test::FindCode;
using test::HasCode;

::onnx::ModelProto ReluChain(int nodes) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("chain");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("chain");
  for (int i = 0; i < nodes; ++i) {
    auto* n = g->add_node();
    n->set_op_type("Relu");
    n->add_input("v" + std::to_string(i));
    n->add_output("v" + std::to_string(i + 1));
  }
  return m;
}

TEST(OnnxLimitsTest, TooManyNodesIsAnErrorAndOnlyTheHeaderIsSummarized) {
  InspectLimits limits;
  limits.max_items = 5;
  Inspection at_limit = test::InspectBytes(OnnxFormat(), ReluChain(5).SerializeAsString(), limits);
  EXPECT_FALSE(HasCode(at_limit, "too-many-items"));
  Inspection over = test::InspectBytes(OnnxFormat(), ReluChain(6).SerializeAsString(), limits);
  const Finding* f = FindCode(over, "too-many-items");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Finding::Level::kError);
  EXPECT_EQ(f->message,
            "the model has 6 nodes, more than the 5 an inspection processes: not summarized or "
            "checked");
  EXPECT_EQ(over.summary.ToJson(),
            R"({"ir_version":8,"producer_name":"chain","producer_version":"","node_count":6,)"
            R"("initializer_count":0,"checker":"skipped"})");
  EXPECT_EQ(over.safety, Safety::kSafe);  // still ONNX: loading runs no code
}

TEST(OnnxLimitsTest, EveryRepeatedPartIsCounted) {
  InspectLimits limits;
  limits.max_items = 2;
  ::onnx::ModelProto m = ReluChain(1);
  for (int i = 0; i < 3; ++i) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name("c" + std::to_string(i));
    t->set_data_type(::onnx::TensorProto::FLOAT);
  }
  Inspection in = test::InspectBytes(OnnxFormat(), m.SerializeAsString(), limits);
  ASSERT_TRUE(HasCode(in, "too-many-items"));
  EXPECT_NE(FindCode(in, "too-many-items")->message.find("3 initializers"), std::string::npos);
  m = ReluChain(1);
  for (int i = 0; i < 3; ++i) m.mutable_graph()->add_value_info()->set_name("i");
  in = test::InspectBytes(OnnxFormat(), m.SerializeAsString(), limits);
  ASSERT_TRUE(HasCode(in, "too-many-items"));
  EXPECT_NE(FindCode(in, "too-many-items")->message.find("3 value_info"), std::string::npos);
}

TEST(OnnxLimitsTest, TooManyNodesOnTheStreamedPath) {
  InspectLimits limits;
  limits.max_items = 5;
  std::string bytes = ReluChain(50).SerializeAsString();
  limits.max_read_bytes = static_cast<int64_t>(bytes.size()) - 1;  // forces streaming
  Inspection in = test::InspectBytes(OnnxFormat(), bytes, limits);
  EXPECT_TRUE(HasCode(in, "too-large-to-inspect-fully"));
  EXPECT_TRUE(HasCode(in, "too-many-items"));
}

TEST(OnnxLimitsTest, TrillionElementTensorOnTheStreamedPathAllocatesNothing) {
  ::onnx::ModelProto m = ReluChain(1);
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("huge");
  t->set_data_type(::onnx::TensorProto::FLOAT);
  t->add_dims(1000000);
  t->add_dims(1000000);  // 10^12 elements declared, 64 payload bytes present
  t->set_raw_data(std::string(64, '\0'));
  auto* input = m.mutable_graph()->add_input();  // a 10^12-element input too
  input->set_name("v0");
  auto* shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
  input->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::FLOAT);
  shape->add_dim()->set_dim_value(1000000);
  shape->add_dim()->set_dim_value(1000000);
  shape->add_dim()->set_dim_value(1000000);  // 10^18: absurd
  std::string bytes = m.SerializeAsString();
  const std::vector<std::string> want = {
      "initializer 'huge' declares 4000000000000 bytes; the file has " +
          std::to_string(bytes.size()),
      "value 'v0' declares a negative or absurd shape"};
  auto absurd = [](const Inspection& in) {
    std::vector<std::string> messages;
    for (const Finding& f : in.findings) {
      if (f.code == "absurd-tensor-shape") messages.push_back(f.message);
    }
    return messages;
  };
  EXPECT_EQ(absurd(test::InspectBytes(OnnxFormat(), bytes)), want);  // parsed whole
  InspectLimits limits;
  limits.max_read_bytes = static_cast<int64_t>(bytes.size()) - 1;  // streamed
  Inspection streamed = test::InspectBytes(OnnxFormat(), bytes, limits);
  ASSERT_TRUE(HasCode(streamed, "too-large-to-inspect-fully"));
  EXPECT_NE(FindCode(streamed, "too-large-to-inspect-fully")
                ->message.find("66 bytes of tensor data not read"),
            std::string::npos);  // the 64 raw bytes (and their tag) were skipped, not held
  EXPECT_EQ(absurd(streamed), want);
}

}  // namespace
}  // namespace mv::formats::onnx
