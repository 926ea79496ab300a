// The audit hash chain: canonical bytes, and verification naming the first edited,
// inserted or deleted row (on an in-memory log).
#include "registry/audit_chain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv {
namespace {

// The log as a vector, read in pages like a store would.
class VectorChain final : public AuditChainReader {
 public:
  Result<std::vector<ChainedAuditEvent>> ReadAuditChain(int64_t after_id, int limit) override {
    std::vector<ChainedAuditEvent> out;
    for (const ChainedAuditEvent& e : rows) {
      if (e.event.id > after_id && static_cast<int>(out.size()) < limit) out.push_back(e);
    }
    return out;
  }
  std::vector<ChainedAuditEvent> rows;
};

AuditEvent Event(int64_t id, const std::string& comment) {
  AuditEvent e;
  e.id = id;
  e.at_ms = 1000 + id;
  e.actor = "admin";
  e.action = "stage";
  e.model = "m";
  e.version = id;
  e.from = "none";
  e.to = "staging";
  e.comment = comment;
  e.request_id = "req-" + std::to_string(id);
  return e;
}

ChainedAuditEvent Chained(const AuditEvent& e, const std::string& prev) {
  return ChainedAuditEvent{e, prev, AuditChainHash(prev, e)};
}

VectorChain Build(int n) {
  VectorChain c;
  std::string prev = kAuditGenesisHash;
  for (int i = 1; i <= n; ++i) {
    c.rows.push_back(Chained(Event(i, "row " + std::to_string(i)), prev));
    prev = c.rows.back().hash;
  }
  return c;
}

AuditChainReport Verify(VectorChain& c) {
  auto r = VerifyAuditChain(c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : AuditChainReport{};
}

TEST(AuditChainTest, CanonicalBytesAreUnambiguous) {
  AuditEvent a = Event(1, "x;comment=1:y");
  AuditEvent b = a;
  b.comment = "x";
  b.request_id = "comment=1:y;" + a.request_id;
  EXPECT_NE(AuditCanonical(a), AuditCanonical(b));
  AuditEvent no_version = a;
  no_version.version.reset();
  EXPECT_NE(AuditCanonical(a), AuditCanonical(no_version));
  EXPECT_NE(AuditChainHash(kAuditGenesisHash, a), AuditChainHash(std::string(64, '1'), a));
}

TEST(AuditChainTest, AnIntactChainVerifies) {
  VectorChain empty;
  AuditChainReport r = Verify(empty);
  EXPECT_TRUE(r.intact);
  EXPECT_EQ(r.head_hash, kAuditGenesisHash);
  VectorChain c = Build(2500);  // more than one page
  r = Verify(c);
  EXPECT_TRUE(r.intact) << r.message;
  EXPECT_EQ(r.rows, 2500);
  EXPECT_EQ(r.head_hash, c.rows.back().hash);
}

TEST(AuditChainTest, AnEditedRowIsNamed) {
  VectorChain c = Build(10);
  c.rows[4].event.actor = "mallory";
  AuditChainReport r = Verify(c);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_id, 5);
  EXPECT_EQ(r.problem, "edited");
  EXPECT_EQ(r.rows, 4);
}

TEST(AuditChainTest, AnEditedRowWithARecomputedHashBreaksTheNextLink) {
  VectorChain c = Build(10);
  c.rows[4].event.actor = "mallory";
  c.rows[4].hash = AuditChainHash(c.rows[4].prev_hash, c.rows[4].event);
  AuditChainReport r = Verify(c);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_id, 6);
}

TEST(AuditChainTest, ADeletedRowIsNamedByTheRowAfterTheGap) {
  VectorChain c = Build(10);
  c.rows.erase(c.rows.begin() + 3);  // id 4
  AuditChainReport r = Verify(c);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_bad_id, 5);
  EXPECT_EQ(r.problem, "deleted");
  VectorChain first = Build(3);
  first.rows.erase(first.rows.begin());
  EXPECT_EQ(Verify(first).problem, "deleted");
}

TEST(AuditChainTest, AnInsertedRowIsNamedWithOrWithoutAValidHash) {
  for (bool valid_hash : {false, true}) {
    VectorChain c = Build(10);
    // Renumber to make room, as an attacker must: ids are not hashed.
    for (size_t i = 3; i < c.rows.size(); ++i) c.rows[i].event.id += 1;
    ChainedAuditEvent forged = Chained(Event(4, "forged"), c.rows[2].hash);
    if (!valid_hash) forged.hash = std::string(64, 'f');
    c.rows.insert(c.rows.begin() + 3, forged);
    AuditChainReport r = Verify(c);
    EXPECT_FALSE(r.intact);
    EXPECT_EQ(r.first_bad_id, 4) << valid_hash;
    EXPECT_EQ(r.problem, "inserted") << valid_hash << ": " << r.message;
  }
}

}  // namespace
}  // namespace mv
