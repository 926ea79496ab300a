#include "registry/formats/torch/torchscript.h"

#include <gtest/gtest.h>

#include <string>

#include "registry/formats/torch/torch_zip.h"
#include "tests/unit/formats/inspect_test_util.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::formats::torch {
namespace {

using test::HasCode;
using test::MakeZip;
using test::SummaryJson;
using test::TensorLines;
using test::TorchFixture;

TEST(TorchScriptTest, SniffsTorchScriptZips) {
  TorchScriptFormat f;
  std::string traced = TorchFixture("traced.pt");
  EXPECT_TRUE(f.Sniff(traced, static_cast<int64_t>(traced.size()), "t.pt"));
  std::string mlp = TorchFixture("mlp_state_dict.pt");
  EXPECT_FALSE(f.Sniff(mlp, static_cast<int64_t>(mlp.size()), "w.pt"));
}

TEST(TorchScriptTest, TracedModule) {
  Inspection in = test::InspectBytes(TorchScriptFormat(), TorchFixture("traced.pt"));
  EXPECT_EQ(in.kind, "torchscript");
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  EXPECT_FALSE(test::HasErrors(in));
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["format"], "torchscript");
  EXPECT_EQ(s["producer_version"], "3");
  EXPECT_EQ(s["root_type"], "__torch__.TinyMlp");
  EXPECT_EQ(s["methods"], nlohmann::json::parse(R"(["forward"])"));
  EXPECT_EQ(s["submodules"], nlohmann::json::parse(R"([
    {"name":"fc1","type":"__torch__.torch.nn.modules.linear.Linear"},
    {"name":"act","type":"__torch__.torch.nn.modules.activation.ReLU"},
    {"name":"fc2","type":"__torch__.torch.nn.modules.linear.___torch_mangle_0.Linear"}])"));
  EXPECT_EQ(TensorLines(s["tensors"]),
            (std::vector<std::string>{"fc1.weight float32 [8,4]", "fc1.bias float32 [8]",
                                      "fc2.weight float32 [2,8]", "fc2.bias float32 [2]"}));
  EXPECT_EQ(s["constants"]["tensor_count"], 0);
}

TEST(TorchScriptTest, ScriptedModuleWithTwoMethods) {
  Inspection in = test::InspectBytes(TorchScriptFormat(), TorchFixture("scripted.pt"));
  EXPECT_EQ(in.kind, "torchscript");
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["root_type"], "__torch__.Gate");
  EXPECT_EQ(s["methods"], nlohmann::json::parse(R"(["forward","scale"])"));
  EXPECT_EQ(
      s["submodules"],
      nlohmann::json::parse(
          R"([{"name":"proj","type":"__torch__.torch.nn.modules.linear.___torch_mangle_5.Linear"}])"));
  EXPECT_EQ(TensorLines(s["tensors"]),
            (std::vector<std::string>{"proj.weight float32 [3,3]", "proj.bias float32 [3]"}));
}

TEST(TorchScriptTest, TheStateDictInspectorHandsTorchScriptOver) {
  Inspection in = test::InspectBytes(TorchZipFormat(), TorchFixture("scripted.pt"));
  EXPECT_EQ(in.kind, "torchscript");
}

TEST(TorchScriptTest, NonTorchScriptGlobalsAreStillRefused) {
  std::string evil = "\x80\x02" + test::PickleGlobal("__torch__", "M") + ")\x81}" +
                     test::PickleStr("x") + test::PickleGlobal("builtins", "eval") +
                     test::PickleStr("1") + "\x85R" + "sb.";
  std::string zip = MakeZip({{"a/data.pkl", evil},
                             {"a/code/__torch__.py", "class M(Module):\n  def forward(self):\n"},
                             {
                                 "a/constants.pkl",
                                 "\x80\x02).",
                             },
                             {"a/version", "3"}});
  Inspection in = test::InspectBytes(TorchScriptFormat(), zip);
  EXPECT_EQ(in.kind, "torchscript");
  EXPECT_EQ(in.safety, Safety::kUnsafe);
  EXPECT_TRUE(HasCode(in.findings, "unsafe-global", "builtins.eval"));
  EXPECT_FALSE(HasCode(in.findings, "unsafe-global", "__torch__.M"));
}

TEST(TorchScriptTest, EveryPrefixOfARealFileIsHandled) {
  std::string traced = TorchFixture("scripted.pt");
  EXPECT_EQ(test::InspectEveryPrefix(TorchScriptFormat(), traced), static_cast<int>(traced.size()));
}

}  // namespace
}  // namespace mv::formats::torch
