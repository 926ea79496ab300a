// The audit hash chain against the real server: an edited, a deleted and an inserted row
// are each found by GET /api/v1/audit/verify (the offline `modelvault audit verify` is
// driven by tests/security/security_cli_test.sh).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_conn.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

class AuditVerifyTest : public ServerTest {
 protected:
  // Six events: a model, two versions, two stages, an alias.
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(HasStatus(UploadVersion(cli(), "m", "", {{"a.bin", std::to_string(i)}}), 201));
    }
    for (int v : {1, 2}) {
      ASSERT_TRUE(HasStatus(
          cli().Post(VersionPath("m", v) + "/stage", R"({"stage":"staging"})", "application/json"),
          200));
    }
    ASSERT_TRUE(HasStatus(
        cli().Put(ModelPath("m") + "/aliases/c", R"({"version":1})", "application/json"), 200));
  }

  json Verify() {
    auto r = cli().Get("/api/v1/audit/verify");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  // What someone with the SQLite file (and sqlite3) can do: drop the append-only triggers
  // and change rows.
  void Tamper(const std::string& sql) {
    auto c = storage::Connection::Open(data_dir_ + "/modelvault.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    const std::string all =
        "DROP TRIGGER IF EXISTS audit_no_update; "
        "DROP TRIGGER IF EXISTS audit_no_delete; " +
        sql;
    Status st = (*c)->Exec(all.c_str());
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
};

TEST_F(AuditVerifyTest, AnIntactChainVerifies) {
  json r = Verify();
  EXPECT_EQ(r["intact"], true) << r.dump();
  EXPECT_EQ(r["rows"], 6);
  EXPECT_EQ(r["head_hash"].get<std::string>().size(), 64u);
}

TEST_F(AuditVerifyTest, AnEditedRowIsFound) {
  Tamper("UPDATE audit_events SET actor = 'somebody-else' WHERE id = 4;");
  json r = Verify();
  EXPECT_EQ(r["intact"], false);
  EXPECT_EQ(r["first_bad_id"], 4);
  EXPECT_EQ(r["problem"], "edited");
}

TEST_F(AuditVerifyTest, ADeletedRowIsFound) {
  Tamper("DELETE FROM audit_events WHERE id = 3;");
  json r = Verify();
  EXPECT_EQ(r["intact"], false);
  EXPECT_EQ(r["first_bad_id"], 4);
  EXPECT_EQ(r["problem"], "deleted");
}

TEST_F(AuditVerifyTest, AnInsertedRowIsFound) {
  // Make room after row 2 (ids are not part of the hash) and insert a forged event there.
  Tamper(
      "UPDATE audit_events SET id = id + 100 WHERE id > 2; "
      "INSERT INTO audit_events(id, at, actor, action, model, version, from_value, to_value, "
      "comment, request_id, prev_hash, hash) SELECT 3, at, 'admin', 'stage', 'm', 1, 'none', "
      "'production', '', '', hash, hash FROM audit_events WHERE id = 2;");
  json r = Verify();
  EXPECT_EQ(r["intact"], false);
  EXPECT_EQ(r["first_bad_id"], 3);
  EXPECT_EQ(r["problem"], "inserted");
}

TEST_F(AuditVerifyTest, ConcurrentWritersDoNotForkTheChain) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([this, t] {
      auto c = server_->NewClient();
      for (int i = 0; i < 10; ++i) {
        const std::string alias = "a" + std::to_string(t) + "-" + std::to_string(i);
        auto r =
            c->Put(ModelPath("m") + "/aliases/" + alias, R"({"version":2})", "application/json");
        EXPECT_TRUE(HasStatus(r, 200));
      }
    });
  }
  for (auto& w : writers) w.join();
  json r = Verify();
  EXPECT_EQ(r["intact"], true) << r.dump();
  EXPECT_EQ(r["rows"], 46);
}

TEST_F(AuditVerifyTest, RowsFromBeforeTheChainAreChainedOnOpen) {
  // A log written before migration 0008: no hashes. Reopening the store chains them.
  Tamper("UPDATE audit_events SET prev_hash = NULL, hash = NULL;");
  RestartServer();
  json r = Verify();
  EXPECT_EQ(r["intact"], true) << r.dump();
  EXPECT_EQ(r["rows"], 6);
}

}  // namespace
}  // namespace mv::itest
