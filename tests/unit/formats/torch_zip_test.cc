#include "registry/formats/torch/torch_zip.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/formats/inspect_test_util.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::formats::torch {
namespace {

using namespace std::string_literals;
using test::HasCode;
using test::MakeZip;
using test::SummaryJson;
using test::TensorLines;
using test::TorchFixture;

TEST(TorchZipTest, SniffsTorchSaveZipsOnly) {
  TorchZipFormat f;
  std::string mlp = TorchFixture("mlp_state_dict.pt");
  EXPECT_TRUE(f.Sniff(mlp, static_cast<int64_t>(mlp.size()), "w.pt"));
  std::string traced = TorchFixture("traced.pt");
  EXPECT_FALSE(f.Sniff(traced, static_cast<int64_t>(traced.size()), "t.pt"));
  std::string other = MakeZip({{"dir/readme.txt", "hi"}});
  EXPECT_FALSE(f.Sniff(other, static_cast<int64_t>(other.size()), "x.zip"));
}

TEST(TorchZipTest, MlpStateDictListsEveryTensorExactly) {
  Inspection in = test::InspectBytes(TorchZipFormat(), TorchFixture("mlp_state_dict.pt"));
  EXPECT_EQ(in.kind, "torch-state-dict");
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  EXPECT_FALSE(test::HasErrors(in));
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["format"], "torch-zip");
  EXPECT_EQ(s["top"], "mlp_state_dict");
  EXPECT_EQ(s["tensors"], nlohmann::json::parse(R"([
    {"name":"fc1.weight","dtype":"float32","shape":[8,4],"stride":[4,1],"offset":0,
     "bytes":128,"storage":"0"},
    {"name":"fc1.bias","dtype":"float32","shape":[8],"stride":[1],"offset":0,"bytes":32,
     "storage":"1"},
    {"name":"fc2.weight","dtype":"float32","shape":[2,8],"stride":[8,1],"offset":0,
     "bytes":64,"storage":"2"},
    {"name":"fc2.bias","dtype":"float32","shape":[2],"stride":[1],"offset":0,"bytes":8,
     "storage":"3"}])"));
  EXPECT_EQ(s["tensor_count"], 4);
  EXPECT_EQ(s["total_bytes"], 232);
  EXPECT_EQ(s["byteorder"], "little");
  EXPECT_EQ(s["version"], "3");
  EXPECT_EQ(s["pickle_protocol"], 2);
  for (const auto& g : s["globals"]) EXPECT_TRUE(g["allowed"].get<bool>()) << g.dump();
}

TEST(TorchZipTest, CheckpointNamesNestedStateByKeyPath) {
  Inspection in = test::InspectBytes(TorchZipFormat(), TorchFixture("checkpoint.pt"));
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  EXPECT_FALSE(test::HasErrors(in));
  nlohmann::json s = SummaryJson(in);
  std::vector<std::string> expected = {
      "model_state.fc1.weight float32 [8,4]",
      "model_state.fc1.bias float32 [8]",
      "model_state.fc2.weight float32 [2,8]",
      "model_state.fc2.bias float32 [2]",
  };
  for (int p = 0; p < 4; ++p) {
    const char* shapes[] = {"[8,4]", "[8]", "[2,8]", "[2]"};
    std::string prefix = "optimizer_state.state." + std::to_string(p) + ".";
    expected.push_back(prefix + "step float32 []");
    expected.push_back(prefix + "exp_avg float32 " + shapes[p]);
    expected.push_back(prefix + "exp_avg_sq float32 " + shapes[p]);
  }
  EXPECT_EQ(TensorLines(s["tensors"]), expected);
  EXPECT_EQ(s["tensor_count"], 16);
}

TEST(TorchZipTest, MaliciousDataPklIsUnsafeWhateverTheTopFolder) {
  std::string evil =
      "\x80\x02" + test::PickleGlobal("os", "system") + test::PickleStr("id") + "\x85R.";
  std::string zip = MakeZip({{"innocent_name/data.pkl", evil}, {"innocent_name/version", "3\n"}});
  Inspection in = test::InspectBytes(TorchZipFormat(), zip);
  EXPECT_EQ(in.kind, "torch-state-dict");
  EXPECT_EQ(in.safety, Safety::kUnsafe);
  EXPECT_TRUE(HasCode(in.findings, "unsafe-global", "os.system imported at offset 2"));
  EXPECT_NE(in.verdict.find("os.system"), std::string::npos) << in.verdict;
  EXPECT_EQ(SummaryJson(in)["top"], "innocent_name");
}

TEST(TorchZipTest, StorageMissingAndTooSmall) {
  std::string pkl = test::StateDictPickle("w", "0", 100);
  Inspection small = test::InspectBytes(
      TorchZipFormat(), MakeZip({{"m/data.pkl", pkl}, {"m/data/0", std::string(16, '\0')}}));
  EXPECT_TRUE(HasCode(small.findings, "storage-too-small", "reaches 400 bytes of data/0"));
  Inspection missing = test::InspectBytes(TorchZipFormat(), MakeZip({{"m/data.pkl", pkl}}));
  EXPECT_TRUE(HasCode(missing.findings, "storage-missing", "data/0"));
  Inspection fine = test::InspectBytes(
      TorchZipFormat(), MakeZip({{"m/data.pkl", pkl}, {"m/data/0", std::string(400, '\0')}}));
  EXPECT_FALSE(test::HasErrors(fine));
  EXPECT_EQ(fine.safety, Safety::kSafe);
}

TEST(TorchZipTest, DuplicateDataPklIsAnError) {
  std::string pkl = test::StateDictPickle("w", "0", 1);
  Inspection in = test::InspectBytes(
      TorchZipFormat(), MakeZip({{"m/data.pkl", pkl}, {"m/data/0", "abcd"}, {"m/data.pkl", pkl}}));
  EXPECT_TRUE(HasCode(in.findings, "duplicate-entry", "m/data.pkl"));
}

TEST(TorchZipTest, NotAZipOrNoDataPklIsUnsafe) {
  Inspection garbage = test::InspectBytes(TorchZipFormat(), "PK\x03\x04garbage"s);
  EXPECT_EQ(garbage.safety, Safety::kUnsafe);
  EXPECT_TRUE(HasCode(garbage.findings, "malformed-zip"));
  Inspection empty = test::InspectBytes(TorchZipFormat(), MakeZip({{"m/version", "3"}}));
  EXPECT_TRUE(HasCode(empty.findings, "missing-data-pkl"));
  EXPECT_EQ(empty.safety, Safety::kUnsafe);
}

TEST(TorchZipTest, OversizedDataPklIsNotTrusted) {
  InspectLimits limits;
  limits.max_read_bytes = 64;
  Inspection in = test::InspectBytes(TorchZipFormat(), TorchFixture("mlp_state_dict.pt"), limits);
  EXPECT_TRUE(HasCode(in.findings, "entry-too-large", "data.pkl"));
  EXPECT_EQ(in.safety, Safety::kUnsafe);
}

TEST(TorchZipTest, EveryPrefixOfARealFileIsHandled) {
  std::string mlp = TorchFixture("mlp_state_dict.pt");
  EXPECT_EQ(test::InspectEveryPrefix(TorchZipFormat(), mlp), static_cast<int>(mlp.size()));
}

TEST(TorchZipTest, TruncatedDataPklInsideAValidZipIsUnsafe) {
  std::string pkl = test::StateDictPickle("w", "0", 1);
  for (size_t n = 0; n < pkl.size(); n += 7) {
    Inspection in = test::InspectBytes(
        TorchZipFormat(), MakeZip({{"m/data.pkl", pkl.substr(0, n)}, {"m/data/0", "abcd"}}));
    EXPECT_EQ(in.safety, Safety::kUnsafe) << n;
    EXPECT_TRUE(HasCode(in.findings, "malformed-pickle")) << n;
  }
}

}  // namespace
}  // namespace mv::formats::torch
