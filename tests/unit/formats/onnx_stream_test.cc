#include "registry/formats/onnx/onnx_stream.h"

#include <gtest/gtest.h>

#include "registry/formats/onnx/onnx_format.h"
#include "registry/formats/onnx/onnx_summary.h"
#include "tests/unit/formats/inspect_test_util.h"

namespace mv::formats::onnx {
namespace {

// A model with one 1 MiB FLOAT initializer and a small one.
::onnx::ModelProto BigModel() {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("big");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  w->add_dims(512);
  w->add_dims(512);
  w->set_raw_data(std::string(512 * 512 * 4, '\x01'));
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(::onnx::TensorProto::INT64);
  b->add_dims(2);
  b->add_int64_data(7);
  b->add_int64_data(9);
  auto* n = g->add_node();
  n->set_op_type("Add");
  n->add_input("w");
  n->add_input("w");
  n->add_output("y");
  return m;
}

TEST(OnnxStreamTest, SkipsPayloadsAndKeepsTheRest) {
  std::string bytes = BigModel().SerializeAsString();
  mv::test::MemoryBlobReader reader(bytes);
  Result<StreamedModel> s = ReadModelStreaming(reader, 64 * 1024);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_LT(reader.bytes_read(), 64 * 1024);
  EXPECT_GT(s->skipped_payload_bytes, 1 << 20);
  EXPECT_EQ(s->skipped_fields, 0);
  const auto& g = s->model.graph();
  ASSERT_EQ(g.initializer_size(), 2);
  EXPECT_EQ(g.initializer(0).name(), "w");
  EXPECT_TRUE(g.initializer(0).raw_data().empty());
  EXPECT_EQ(g.initializer(1).int64_data_size(), 2);  // small payloads are kept
  EXPECT_EQ(s->model.producer_name(), "big");
  EXPECT_EQ(g.node_size(), 1);
}

TEST(OnnxStreamTest, LargeFilesAreInspectedWithinTheLimit) {
  ::onnx::ModelProto m = BigModel();
  mv::test::MemoryBlobReader reader(m.SerializeAsString());
  InspectLimits limits;
  limits.max_read_bytes = 64 * 1024;
  Result<Inspection> in = OnnxFormat().Inspect(reader, "big.onnx", limits);
  ASSERT_TRUE(in.ok());
  EXPECT_LT(reader.bytes_read(), 64 * 1024);
  EXPECT_EQ(test::Codes(*in),
            (std::vector<std::string>{"too-large-to-inspect-fully", "checker-skipped"}));
  EXPECT_EQ(in->findings[0].level, Finding::Level::kWarning);
  EXPECT_EQ(in->findings[1].message, "checker skipped: model too large");
  // Sizes come from dims and types, so the summary matches a whole read.
  std::string summary = in->summary.ToJson();
  EXPECT_NE(summary.find(R"("initializer_bytes":1048592)"), std::string::npos) << summary;
  EXPECT_NE(summary.find(R"("parameter_count":262146)"), std::string::npos) << summary;
}

TEST(OnnxStreamTest, BudgetDropsFieldsInsteadOfGrowing) {
  ::onnx::ModelProto m = BigModel();
  m.set_doc_string(std::string(10000, 'd'));
  mv::test::MemoryBlobReader reader(m.SerializeAsString());
  Result<StreamedModel> s = ReadModelStreaming(reader, 1000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->skipped_fields, 1);
  EXPECT_TRUE(s->model.doc_string().empty());
}

TEST(OnnxStreamTest, MalformedAndTruncated) {
  std::string bytes = BigModel().SerializeAsString();
  for (size_t n : {size_t{1}, size_t{5}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    mv::test::MemoryBlobReader reader(bytes.substr(0, n));
    Result<StreamedModel> s = ReadModelStreaming(reader, 1 << 20);
    EXPECT_EQ(s.status().code(), Code::kDataLoss) << n;
  }
  mv::test::MemoryBlobReader reader(std::string("\x0b\x01", 2));  // wire type 3 (group)
  EXPECT_EQ(ReadModelStreaming(reader, 1 << 20).status().code(), Code::kDataLoss);
}

TEST(OnnxSummaryTest, ElementCounts) {
  google::protobuf::RepeatedField<int64_t> dims;
  EXPECT_EQ(CheckedElements(dims), 1);
  dims.Add(1 << 20);
  dims.Add(1 << 20);
  EXPECT_EQ(CheckedElements(dims), int64_t{1} << 40);
  dims.Add(2);
  EXPECT_EQ(CheckedElements(dims), -1);
  dims.Set(2, -1);
  EXPECT_EQ(CheckedElements(dims), -1);
  EXPECT_EQ(ElementTypeName(::onnx::TensorProto::INT64), "INT64");
  EXPECT_EQ(ElementTypeName(99), "TYPE_99");
}

}  // namespace
}  // namespace mv::formats::onnx
