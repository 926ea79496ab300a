#include "registry/formats/onnx/onnx_format.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "onnx/onnx_pb.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::onnx {
namespace {

using test::Codes;
using test::FindCode;
using test::HasCode;
using test::InspectBytes;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(MV_FORMAT_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A one-node model: y = Relu(x), x of shape `dims` (dim_param when a dim is "N").
::onnx::ModelProto TinyModel(int64_t ir, int64_t opset) {
  ::onnx::ModelProto m;
  m.set_ir_version(ir);
  m.add_opset_import()->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  auto* n = g->add_node();
  n->set_op_type("Relu");
  n->add_input("x");
  n->add_output("y");
  for (const char* name : {"x", "y"}) {
    auto* v = std::string(name) == "x" ? g->add_input() : g->add_output();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(::onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    t->mutable_shape()->add_dim()->set_dim_value(8);
  }
  return m;
}

TEST(OnnxFormatTest, DynamicBatchFixture) {
  std::string file = Fixture("mlp_dynamic_batch.onnx");
  ASSERT_FALSE(file.empty());
  EXPECT_TRUE(OnnxFormat().Sniff(file, static_cast<int64_t>(file.size()), "m.bin"));
  Inspection in = InspectBytes(OnnxFormat(), file);
  EXPECT_EQ(in.kind, "onnx");
  EXPECT_EQ(in.safety, Safety::kSafe);
  EXPECT_TRUE(in.findings.empty()) << in.findings[0].message;
  EXPECT_EQ(in.summary.ToJson(),
            R"({"ir_version":8,"opset_import":{"ai.onnx":13},)"
            R"("producer_name":"modelvault-fixtures","producer_version":"1","domain":"",)"
            R"("model_version":0,"doc_string":"","doc_string_truncated":false,)"
            R"("metadata_props":{"task":"demo"},"graph":{"name":"mlp",)"
            R"("inputs":[{"name":"x","elem_type":"FLOAT","shape":["batch",4]}],)"
            R"("outputs":[{"name":"y","elem_type":"FLOAT","shape":["batch",3]}],)"
            R"("initializer_count":2,"initializer_bytes":60,)"
            R"("initializer_bytes_by_dtype":{"FLOAT":60},"parameter_count":15,)"
            R"("external_data":[],"node_count":2,"op_histogram":{"Gemm":1,"Relu":1}},)"
            R"("checker":"passed"})");
}

TEST(OnnxFormatTest, FixedBatchFixture) {
  Inspection in = InspectBytes(OnnxFormat(), Fixture("mlp_fixed_batch.onnx"));
  EXPECT_EQ(Codes(in), std::vector<std::string>{"fixed-batch-dim"});
  EXPECT_EQ(in.findings[0].level, Finding::Level::kWarning);
  EXPECT_EQ(in.findings[0].message,
            "input 'x' has a fixed first (batch) dimension of 1; export with dynamic axes to "
            "accept other batch sizes");
  EXPECT_NE(
      in.summary.ToJson().find(R"("inputs":[{"name":"x","elem_type":"FLOAT","shape":[1,4]}])"),
      std::string::npos);
}

TEST(OnnxFormatTest, AbsurdTensorIsAFindingNotAnAllocation) {
  ::onnx::ModelProto m = TinyModel(8, 13);
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("huge");
  t->set_data_type(::onnx::TensorProto::FLOAT);
  t->add_dims(1000000);
  t->add_dims(1000000);  // 10^12 elements, no data
  mv::test::MemoryBlobReader reader(m.SerializeAsString());
  Result<Inspection> in = OnnxFormat().Inspect(reader, "m.onnx", {});
  ASSERT_TRUE(in.ok());
  const Finding* f = FindCode(*in, "absurd-tensor-shape");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Finding::Level::kError);
  EXPECT_EQ(f->message, "initializer 'huge' declares 4000000000000 bytes; the file has " +
                            std::to_string(reader.size()));
  EXPECT_EQ(FindCode(*in, "checker-skipped")->message, "checker skipped: absurd tensor shape");
  EXPECT_LE(reader.bytes_read(), reader.size());

  // Beyond 2^40 elements a shape is absurd even with external data.
  t->set_data_location(::onnx::TensorProto::EXTERNAL);
  t->add_dims(2);
  auto* loc = t->add_external_data();
  loc->set_key("location");
  loc->set_value("w.bin");
  Inspection ext = InspectBytes(OnnxFormat(), m.SerializeAsString());
  ASSERT_TRUE(HasCode(ext, "absurd-tensor-shape"));
  EXPECT_EQ(FindCode(ext, "absurd-tensor-shape")->message,
            "initializer 'huge' declares a negative or absurd shape");
}

// Without a runtime validator (ONNX Runtime's is wired by main and tested in
// tests/exporters), a model above IR 8 is said to be unvalidated, never passed.
TEST(OnnxFormatTest, NewIrVersionSkipsTheCheckerAndSaysItIsNotValidated) {
  Inspection in = InspectBytes(OnnxFormat(), TinyModel(9, 19).SerializeAsString());
  EXPECT_EQ(Codes(in), (std::vector<std::string>{"checker-skipped", "not-validated"}));
  EXPECT_EQ(in.findings[0].message, "checker skipped: IR 9");
  EXPECT_EQ(in.findings[0].level, Finding::Level::kInfo);
  EXPECT_EQ(in.findings[1].level, Finding::Level::kWarning);
  EXPECT_NE(in.summary.ToJson().find(R"("validation":{"validator":"none")"), std::string::npos)
      << in.summary.ToJson();
}

TEST(OnnxFormatTest, OpsetAboveTheMaximum) {
  Inspection in = InspectBytes(OnnxFormat(), TinyModel(10, 22).SerializeAsString());
  EXPECT_EQ(Codes(in),
            (std::vector<std::string>{"opset-too-new", "checker-skipped", "not-validated"}));
}

TEST(OnnxFormatTest, CheckerFailuresAreFindings) {
  ::onnx::ModelProto m = TinyModel(8, 13);
  m.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOp");
  Inspection in = InspectBytes(OnnxFormat(), m.SerializeAsString());
  const Finding* f = FindCode(in, "checker-failed");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, Finding::Level::kError);
  EXPECT_NE(f->message.find("NoSuchOp"), std::string::npos) << f->message;
  EXPECT_EQ(in.safety, Safety::kSafe);
  m = TinyModel(8, 13);
  m.set_ir_version(0);
  in = InspectBytes(OnnxFormat(), m.SerializeAsString());
  EXPECT_TRUE(HasCode(in, "checker-failed"));
}

TEST(OnnxFormatTest, TrainingModeOps) {
  ::onnx::ModelProto m = TinyModel(8, 13);
  auto* g = m.mutable_graph();
  auto* d = g->add_node();
  d->set_op_type("Dropout");
  d->set_name("drop");
  for (const char* in : {"y", "ratio", "train"}) d->add_input(in);
  d->add_output("z");
  auto* bn = g->add_node();
  bn->set_op_type("BatchNormalization");
  bn->set_name("bn");
  for (const char* out : {"o", "mean", "var"}) bn->add_output(out);
  Inspection in = InspectBytes(OnnxFormat(), m.SerializeAsString());
  std::vector<std::string> codes = Codes(in);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "training-mode-op"), 2);
  EXPECT_EQ(FindCode(in, "training-mode-op")->message,
            "Dropout 'drop' may run in training mode (training_mode input 'train')");

  // training_mode bound to a constant false is inference mode.
  bn->mutable_output()->RemoveLast();
  bn->mutable_output()->RemoveLast();
  auto* f = g->add_initializer();
  f->set_name("train");
  f->set_data_type(::onnx::TensorProto::BOOL);
  f->set_raw_data(std::string(1, '\0'));
  in = InspectBytes(OnnxFormat(), m.SerializeAsString());
  EXPECT_FALSE(HasCode(in, "training-mode-op"));
}

TEST(OnnxFormatTest, ExternalDataIsListed) {
  ::onnx::ModelProto m = TinyModel(8, 13);
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(::onnx::TensorProto::FLOAT);
  t->add_dims(4);
  t->set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("weights.bin");
  e = t->add_external_data();
  e->set_key("offset");
  e->set_value("0");
  Inspection in = InspectBytes(OnnxFormat(), m.SerializeAsString());
  EXPECT_EQ(Codes(in), std::vector<std::string>{"checker-skipped"});
  EXPECT_NE(in.summary.ToJson().find(
                R"("external_data":[{"tensor":"w","location":"weights.bin","offset":"0"}])"),
            std::string::npos);
}

TEST(OnnxFormatTest, MalformedBytes) {
  for (std::string bad : {std::string("\x08\x07\x3a\xff\xff\xff\xff\x0f", 8), std::string(),
                          std::string("not a model")}) {
    Inspection in = InspectBytes(OnnxFormat(), bad);
    EXPECT_EQ(Codes(in), std::vector<std::string>{"malformed-onnx"});
    EXPECT_EQ(in.safety, Safety::kUnknown);
  }
}

TEST(OnnxFormatTest, EveryPrefixIsHandledWholeAndStreamed) {
  std::string file = Fixture("mlp_dynamic_batch.onnx");
  test::InspectEveryPrefix(OnnxFormat(), file);
  InspectLimits small;
  small.max_read_bytes = 16;
  test::InspectEveryPrefix(OnnxFormat(), file, small);
}

TEST(OnnxFormatTest, ReadErrorsAreReturned) {
  mv::test::MemoryBlobReader reader(Fixture("mlp_dynamic_batch.onnx"));
  reader.FailReadsFrom(0);
  EXPECT_FALSE(OnnxFormat().Inspect(reader, "m.onnx", {}).ok());
}

}  // namespace
}  // namespace mv::formats::onnx
