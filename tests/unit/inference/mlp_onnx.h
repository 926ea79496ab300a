// An MLP made at test time with onnx's protobuf classes: x FP32 ["batch", in] -> Gemm -> Relu
// -> Gemm -> Relu -> Gemm -> y ["batch", out], seeded weights in (-0.5, 0.5). The shape of
// the inference bench's MLP (64-256-256-10) by default, small enough to build per test.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace mv::inference::test {

struct MlpShape {
  int64_t in = 64, hidden = 256, out = 10;
  // A fixed first dim instead of "batch" (0: dynamic), as an export that forgot
  // dynamic_axes writes it.
  int64_t fixed_batch = 0;
};

inline void MlpValueInfo(::onnx::ValueInfoProto* v, const std::string& name, int64_t batch,
                         int64_t width) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(::onnx::TensorProto::FLOAT);
  auto* d0 = t->mutable_shape()->add_dim();
  if (batch > 0) {
    d0->set_dim_value(batch);
  } else {
    d0->set_dim_param("batch");
  }
  t->mutable_shape()->add_dim()->set_dim_value(width);
}

inline void MlpLayer(::onnx::GraphProto* g, std::mt19937& rng, int layer, int64_t in, int64_t out,
                     const std::string& x, const std::string& y, bool relu) {
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  const std::string w = "w" + std::to_string(layer), b = "b" + std::to_string(layer);
  for (const auto& [name, dims] :
       std::vector<std::pair<std::string, std::vector<int64_t>>>{{w, {out, in}}, {b, {out}}}) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; ++i) t->add_float_data(u(rng));
  }
  auto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->add_input(x);
  gemm->add_input(w);
  gemm->add_input(b);
  gemm->add_output(relu ? y + "_pre" : y);
  auto* trans_b = gemm->add_attribute();
  trans_b->set_name("transB");
  trans_b->set_type(::onnx::AttributeProto::INT);
  trans_b->set_i(1);
  if (!relu) return;
  auto* r = g->add_node();
  r->set_op_type("Relu");
  r->add_input(y + "_pre");
  r->add_output(y);
}

// The serialized model.
inline std::string MlpOnnx(const MlpShape& s = {}, uint32_t seed = 20261207) {
  std::mt19937 rng(seed);
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("modelvault-tests");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("mlp");
  MlpValueInfo(g->add_input(), "x", s.fixed_batch, s.in);
  MlpValueInfo(g->add_output(), "y", s.fixed_batch, s.out);
  MlpLayer(g, rng, 1, s.in, s.hidden, "x", "h1", true);
  MlpLayer(g, rng, 2, s.hidden, s.hidden, "h1", "h2", true);
  MlpLayer(g, rng, 3, s.hidden, s.out, "h2", "y", false);
  return m.SerializeAsString();
}

// Row `row` of a seeded input batch: `width` floats in (-2, 2).
inline std::vector<float> MlpRow(int64_t width, uint32_t row) {
  std::mt19937 rng(1000 + row);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> v(static_cast<size_t>(width));
  for (float& f : v) f = u(rng);
  return v;
}

}  // namespace mv::inference::test
