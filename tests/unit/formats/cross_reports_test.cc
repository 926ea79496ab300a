// The environment snapshot and reference validation, computed from the inspections the
// real inspectors produce for the fixture files (as the server stores them), and the
// whole CrossArtifactChecker over an in-memory blob store.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "registry/formats/builtin.h"
#include "registry/formats/cross/cross_checker.h"
#include "registry/formats/cross/environment.h"
#include "registry/formats/cross/references.h"
#include "util/sha256.h"
#include "storage/fs/fs_blob_store.h"
#include "tests/fakes/memory_blob_reader.h"
#include "tests/unit/formats/cross_test_util.h"
#include "tests/unit/temp_dir.h"

namespace mv::formats::cross {
namespace {

using nlohmann::json;
using ::onnx::TensorProto;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Torch(const std::string& name) {
  return ReadFile(std::string(MV_TORCH_FIXTURES) + "/" + name);
}

std::string SafetensorsFile(const std::string& header, const std::string& data) {
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(header.size() >> (8 * i));
  return len + header + data;
}

// A version whose artifacts are inspected the way the server inspects uploads; the bytes
// are kept by digest for the checker's blob store.
class VersionBuilder {
 public:
  VersionBuilder() { RegisterBuiltinFormats(formats_); }

  VersionBuilder& Add(const std::string& name, const std::string& bytes) {
    mv::test::MemoryBlobReader reader(bytes);
    Result<InspectionRecord> r = formats_.InspectArtifact(reader, name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    Artifact a;
    a.name = name;
    a.sha256 = util::Sha256Hex(bytes);
    a.size = static_cast<int64_t>(bytes.size());
    a.kind = r.ok() ? r->kind : "other";
    if (r.ok()) a.inspection = *r;
    blobs_[a.sha256] = bytes;
    v_.artifacts.push_back(a);
    return *this;
  }
  VersionBuilder& Meta(const std::string& meta) {
    v_.meta_json = meta;
    return *this;
  }
  const Version& version() const { return v_; }
  const std::map<std::string, std::string>& blobs() const { return blobs_; }

 private:
  FormatRegistry formats_;
  Version v_;
  std::map<std::string, std::string> blobs_;
};

// A real blob store in a temp dir holding `blobs` (digest -> bytes).
class TestBlobs {
 public:
  explicit TestBlobs(const std::map<std::string, std::string>& blobs) {
    auto store = storage::FsBlobStore::Create(dir_.Join("blobs"));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    for (const auto& [sha, bytes] : blobs) Put(sha, bytes);
  }
  BlobStore& store() { return *store_; }

 private:
  void Put(const std::string& sha, const std::string& bytes) {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(bytes).ok());
    auto info = (*w)->Finish();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->sha256, sha);
    ASSERT_TRUE((*w)->Publish().ok());
  }

  mv::test::TempDir dir_;
  std::unique_ptr<storage::FsBlobStore> store_;
};

json ReportJson(const std::optional<VersionReport>& r) {
  EXPECT_TRUE(r.has_value());
  return r ? json::parse(r->report_json) : json();
}

TEST(EnvironmentReportTest, DetectedVersionsMergedWithMetaEnv) {
  VersionBuilder b;
  b.Add("model.onnx", Torch("mlp_state_dict.onnx"))
      .Add("traced.pt", Torch("traced.pt"))
      .Add("w.safetensors",
           SafetensorsFile(R"({"__metadata__":{"format":"pt","step":"9"},)"
                           R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                           std::string(4, '\0')))
      .Add("weights.pt", Torch("mlp_state_dict.pt"))
      .Add("notes.txt", "plain text")
      .Meta(R"({"env":{"python":"3.11.4","torch":"1.13.0","cuda":null,"detected":"mine"}})");
  std::optional<VersionReport> r = EnvironmentReport(b.version());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, "environment");
  EXPECT_EQ(r->status, "recorded");
  json j = ReportJson(r);
  EXPECT_EQ(j["python"], "3.11.4");  // the uploader's keys, as sent
  EXPECT_EQ(j["torch"], "1.13.0");
  EXPECT_TRUE(j["cuda"].is_null());
  const json& d = j["detected"];  // "detected" is the registry's, whatever meta said
  EXPECT_EQ(d["producers"], json::array({"pytorch 1.13.0"}));
  EXPECT_EQ(d["opsets"], json::parse(R"({"ai.onnx":[13]})"));
  EXPECT_EQ(d["onnx_ir_versions"], json::array({7}));
  EXPECT_EQ(d["artifacts"].size(), 4u);  // notes.txt records nothing
  EXPECT_EQ(d["artifacts"]["model.onnx"],
            json::parse(R"({"format":"onnx","ir_version":7,"opset_import":{"ai.onnx":13},)"
                        R"("producer_name":"pytorch","producer_version":"1.13.0"})"));
  EXPECT_EQ(d["artifacts"]["weights.pt"],
            json::parse(R"({"format":"torch-zip","serialization_version":"3",)"
                        R"("byteorder":"little","pickle_protocol":2})"));
  EXPECT_EQ(d["artifacts"]["traced.pt"]["format"], "torchscript");
  EXPECT_EQ(d["artifacts"]["traced.pt"]["producer_version"], "3");
  EXPECT_EQ(d["artifacts"]["w.safetensors"],
            json::parse(R"({"format":"safetensors","metadata":{"format":"pt","step":"9"}})"));
}

TEST(EnvironmentReportTest, OnlyWhenThereIsSomethingToSay) {
  VersionBuilder plain;
  plain.Add("notes.txt", "plain text");
  EXPECT_FALSE(EnvironmentReport(plain.version()).has_value());
  plain.Meta(R"({"env":"conda env export output"})");
  json j = ReportJson(EnvironmentReport(plain.version()));
  EXPECT_EQ(j["declared"], "conda env export output");  // not an object: kept whole
  EXPECT_TRUE(j["detected"]["artifacts"].empty());
  plain.Meta(R"({"env":{"blob":")" + std::string(300 * 1024, 'x') + R"("}})");
  j = ReportJson(EnvironmentReport(plain.version()));
  EXPECT_FALSE(j.contains("blob"));
  EXPECT_EQ(j["declared_omitted"], "meta.env is larger than 262144 bytes");
}

::onnx::TensorProto External(const std::string& location, const std::string& offset,
                             const std::string& length) {
  TensorProto t;
  t.set_name("w");
  t.set_data_type(TensorProto::FLOAT);
  t.add_dims(4);
  t.set_data_location(TensorProto::EXTERNAL);
  for (auto [k, v] : {std::pair<std::string, std::string>{"location", location},
                      {"offset", offset},
                      {"length", length}}) {
    auto* e = t.add_external_data();
    e->set_key(k);
    e->set_value(v);
  }
  return t;
}

TEST(ReferencesReportTest, ExternalDataMustBeAnArtifactLongEnough) {
  std::string model = test::ModelWith({External("w.bin", "0", "16")}).SerializeAsString();
  VersionBuilder ok;
  ok.Add("model.onnx", model).Add("w.bin", std::string(16, '\0'));
  std::optional<VersionReport> r = ReferencesReport(ok.version());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "passed");
  json j = ReportJson(r);
  EXPECT_EQ(j["checked"], 1);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["references"], json::parse(R"([{"artifact":"model.onnx","target":"w.bin",)"
                                         R"("via":"external-data","ok":true}])"));

  VersionBuilder dangling;
  dangling.Add("model.onnx", model);
  r = ReferencesReport(dangling.version());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "failed");
  j = ReportJson(r);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"], "dangling-reference");
  EXPECT_EQ(j["findings"][0]["level"], "error");
  EXPECT_EQ(j["findings"][0]["message"],
            "model.onnx (external-data) refers to 'w.bin', which is not an artifact of this "
            "version");

  VersionBuilder short_file;
  short_file.Add("model.onnx", model).Add("w.bin", std::string(10, '\0'));
  j = ReportJson(ReferencesReport(short_file.version()));
  EXPECT_EQ(j["findings"][0]["code"], "reference-out-of-range");
  EXPECT_EQ(j["findings"][0]["message"], "model.onnx reads 16 bytes of 'w.bin', which has 10");
}

TEST(ReferencesReportTest, ShardIndexesMustNameSafetensorsOfTheVersion) {
  std::string shard = SafetensorsFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                      std::string(4, '\0'));
  std::string index = R"({"weight_map":{"a":"model-1.safetensors","b":"model-2.safetensors",)"
                      R"("c":"notes.txt"}})";
  VersionBuilder b;
  b.Add("model.safetensors.index.json", index)
      .Add("model-1.safetensors", shard)
      .Add("notes.txt", "plain text");
  std::optional<VersionReport> r = ReferencesReport(b.version());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "failed");
  json j = ReportJson(r);
  EXPECT_EQ(j["checked"], 3);
  EXPECT_EQ(j["errors"], 2);
  std::vector<std::string> codes;
  for (const auto& f : j["findings"]) codes.push_back(f["code"]);
  EXPECT_EQ(codes, (std::vector<std::string>{"dangling-reference", "wrong-kind-reference"}));
}

TEST(ReferencesReportTest, NoReferencesNoReport) {
  VersionBuilder b;
  b.Add("model.onnx", Torch("mlp_state_dict.onnx")).Add("weights.pt", Torch("mlp_state_dict.pt"));
  EXPECT_FALSE(ReferencesReport(b.version()).has_value());
}

TEST(CrossCheckerTest, WeightsEnvironmentAndReferencesTogether) {
  VersionBuilder b;
  b.Add("model.onnx", Torch("mlp_state_dict.onnx")).Add("weights.pt", Torch("mlp_state_dict.pt"));
  TestBlobs blobs(b.blobs());
  std::vector<VersionReport> reports =
      CrossArtifactChecker().CheckVersion(b.version(), blobs.store());
  ASSERT_EQ(reports.size(), 2u);  // nothing references anything: no "references" report
  EXPECT_EQ(reports[0].kind, "weights");
  EXPECT_EQ(reports[0].status, "passed");
  json w = json::parse(reports[0].report_json);
  EXPECT_EQ(w["matched"], 4);
  EXPECT_EQ(w["torch_artifact"], "weights.pt");
  EXPECT_EQ(w["onnx_artifact"], "model.onnx");
  EXPECT_EQ(reports[1].kind, "environment");
}

TEST(CrossCheckerTest, UnreadableFilesMakeAnErrorReport) {
  VersionBuilder b;
  b.Add("model.onnx", Torch("mlp_state_dict.onnx")).Add("weights.pt", Torch("mlp_state_dict.pt"));
  std::map<std::string, std::string> blobs = b.blobs();
  blobs.erase(b.version().artifacts[1].sha256);  // weights.pt's bytes are gone
  TestBlobs store(blobs);
  std::optional<VersionReport> r = CrossArtifactChecker().WeightsReport(b.version(), store.store());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "error");
  std::string error = json::parse(r->report_json)["error"];
  EXPECT_EQ(error.rfind("weights.pt: ", 0), 0u) << error;
  // The small byte budget leaves every tensor uncompared: partial, not passed.
  DigestLimits tiny;
  tiny.max_total_bytes = 4;  // less than the smallest tensor (fc2.bias, 8 bytes)
  TestBlobs all(b.blobs());
  r = CrossArtifactChecker(tiny).WeightsReport(b.version(), all.store());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "partial");
  json j = json::parse(r->report_json);
  EXPECT_EQ(j["not_comparable"], 4);  // fc1.weight .. fc2.bias: the budget ran out
  EXPECT_EQ(j["matched"], 0);
}

}  // namespace
}  // namespace mv::formats::cross
