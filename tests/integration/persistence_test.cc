// Persistence: stop the server, reopen both stores on the same data dir, serve again.
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class PersistenceTest : public ServerTest {};

TEST_F(PersistenceTest, VersionsAndBytesSurviveARestart) {
  const std::string bytes = RandomBytes(300 << 10, 99);
  const std::string draft_bytes = "half-done draft";
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "keep"), 201));
  auto up = UploadVersion(cli(), "keep", R"({"description":"v1","lineage":{"run":"r-1"}})",
                          {{"model.bin", bytes}});
  ASSERT_TRUE(HasStatus(up, 201));
  ASSERT_TRUE(
      HasStatus(cli().Post(VersionsPath("keep") + "?draft=true", "{}", "application/json"), 201));
  ASSERT_TRUE(HasStatus(
      cli().Put(ArtifactPath("keep", 2, "part.bin"), draft_bytes, "application/octet-stream"),
      201));
  auto before = cli().Get(VersionPath("keep", 1));
  ASSERT_TRUE(HasStatus(before, 200));

  // Debris a crash might leave in the temp dir is cleared when the blob store reopens.
  {
    std::ofstream debris(BlobTmpDir(data_dir_) + "/upload-crashed");
    debris << "partial";
  }
  ASSERT_EQ(FilesUnder(BlobTmpDir(data_dir_)).size(), 1u);

  RestartServer();
  ASSERT_FALSE(HasFatalFailure());

  auto after = cli().Get(VersionPath("keep", 1));
  ASSERT_TRUE(HasStatus(after, 200));
  EXPECT_EQ(BodyJson(after), BodyJson(before));
  EXPECT_EQ(BodyJson(after)["meta"]["lineage"]["run"], "r-1");
  auto dl = cli().Get(ArtifactPath("keep", 1, "model.bin"));
  ASSERT_TRUE(HasStatus(dl, 200));
  EXPECT_EQ(Sha256Hex(dl->body), Sha256Hex(bytes));
  EXPECT_EQ(dl->body, bytes);
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});

  auto model = cli().Get(ModelPath("keep"));
  ASSERT_TRUE(HasStatus(model, 200));
  EXPECT_EQ(BodyJson(model)["latest_version"], 1);
  EXPECT_EQ(BodyJson(model)["version_count"], 1);

  // The draft is still a draft, can be committed, and numbering carries on after it.
  auto draft = cli().Get(VersionPath("keep", 2));
  ASSERT_TRUE(HasStatus(draft, 200));
  EXPECT_EQ(BodyJson(draft)["state"], "draft");
  ASSERT_TRUE(
      HasStatus(cli().Post(VersionPath("keep", 2) + "/commit", "", "application/json"), 200));
  auto part = cli().Get(ArtifactPath("keep", 2, "part.bin"));
  ASSERT_TRUE(HasStatus(part, 200));
  EXPECT_EQ(part->body, draft_bytes);
  auto v3 = UploadVersion(cli(), "keep", "{}", {{"x.bin", "x"}});
  ASSERT_TRUE(HasStatus(v3, 201));
  EXPECT_EQ(BodyJson(v3)["version"], 3);
  EXPECT_TRUE(IsJsonError(CreateModel(cli(), "keep"), 409, "already_exists"));
}

}  // namespace
}  // namespace mv::itest
