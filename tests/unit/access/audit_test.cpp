// The hash-chained audit log on both back ends: append, search, verify, and tampering (an
// edited, deleted, reordered, inserted or truncated row) detected at the right row.
#include "access/audit.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "access_db.hpp"

namespace omni::access {
namespace {

using storage::Backend;

class AuditTest : public testing::AccessDbTest {
 protected:
  void SetUp() override {
    AccessDbTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<AuditLog>(*db_, clock_);
  }

  void append_n(int n) {
    for (int i = 1; i <= n; ++i) {
      clock_.advance(60);
      auto id = audit_->append({{},
                                i % 2 ? "zhangsan" : "lisi",
                                "10.0.0.1:4000",
                                i % 3 ? "login" : "alarms.acknowledge",
                                "obj:" + std::to_string(i),
                                i % 4 != 0,
                                "detail " + std::to_string(i)});
      ASSERT_TRUE(id.has_value()) << id.error().to_string();
      ASSERT_EQ(*id, i);
    }
  }

  AuditVerification verify() {
    auto v = audit_->verify();
    EXPECT_TRUE(v.has_value()) << v.error().to_string();
    return v ? *v : AuditVerification{};
  }

  void sql(std::string_view statement) {
    auto r = db_->execute(statement);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
  }

  FakeClock clock_{UtcTime{1'790'000'000}};
  std::unique_ptr<AuditLog> audit_;
};

TEST_P(AuditTest, EmptyAndIntactChainsVerify) {
  auto empty = verify();
  EXPECT_TRUE(empty.intact);
  EXPECT_EQ(empty.rows_checked, 0);
  append_n(10);
  auto v = verify();
  EXPECT_TRUE(v.intact) << v.reason << " at " << v.first_bad_id;
  EXPECT_EQ(v.rows_checked, 10);
}

TEST_P(AuditTest, RowsKeepEveryField) {
  append_n(3);
  auto rows = audit_->search({});
  ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 3u);
  const auto& newest = rows->at(0);
  EXPECT_EQ(newest.id, 3);
  EXPECT_EQ(newest.event.user, "zhangsan");
  EXPECT_EQ(newest.event.source, "10.0.0.1:4000");
  EXPECT_EQ(newest.event.event, "alarms.acknowledge");
  EXPECT_EQ(newest.event.object, "obj:3");
  EXPECT_TRUE(newest.event.success);
  EXPECT_EQ(newest.event.details, "detail 3");
  EXPECT_EQ(newest.event.at.seconds, 1'790'000'000 + 180);
  EXPECT_EQ(newest.hash, audit_link_hash(rows->at(1).hash, 3, newest.event));
}

TEST_P(AuditTest, SearchFilters) {
  append_n(12);
  auto lisi = audit_->search({.user = "lisi"});
  ASSERT_TRUE(lisi);
  EXPECT_EQ(lisi->size(), 6u);
  for (const auto& r : *lisi) EXPECT_EQ(r.event.user, "lisi");
  auto acks = audit_->search({.event = "alarms.acknowledge"});
  ASSERT_TRUE(acks);
  EXPECT_EQ(acks->size(), 4u);  // 3, 6, 9, 12
  auto window =
      audit_->search({.from = UtcTime{1'790'000'000 + 120}, .to = UtcTime{1'790'000'000 + 300}});
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 3u);  // rows 2, 3, 4
  EXPECT_EQ(window->front().id, 4);
  EXPECT_EQ(window->back().id, 2);
  auto limited = audit_->search({.limit = 2});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->size(), 2u);
}

TEST_P(AuditTest, EditedRowIsDetectedAtThatRow) {
  append_n(10);
  sql("UPDATE audit_log SET success = 1 WHERE id = 4");
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 4);
  EXPECT_EQ(v.reason, "hash mismatch");
}

TEST_P(AuditTest, EditWithRecomputedRowHashBreaksTheNextLink) {
  append_n(6);
  // The attacker fixes row 3's own hash but cannot fix the head or row 4 without rewriting
  // everything after it.
  auto rows = audit_->search({});
  ASSERT_TRUE(rows);
  AuditEvent e = rows->at(3).event;  // id 3 (newest first: 6, 5, 4, 3)
  ASSERT_EQ(rows->at(3).id, 3);
  e.details = "nothing happened";
  std::string forged = audit_link_hash(rows->at(4).hash, 3, e);
  auto r = db_->execute("UPDATE audit_log SET details = $1, hash = $2 WHERE id = 3",
                        {e.details, forged});
  ASSERT_TRUE(r);
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 4);
}

TEST_P(AuditTest, DeletedRowIsReportedMissing) {
  append_n(10);
  sql("DELETE FROM audit_log WHERE id = 7");
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 7);
  EXPECT_EQ(v.reason, "row missing");
}

TEST_P(AuditTest, TruncatedTailIsDetected) {
  append_n(10);
  sql("DELETE FROM audit_log WHERE id >= 9");
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 9);
}

TEST_P(AuditTest, ReorderedRowsAreDetected) {
  append_n(10);
  // Swap the contents of rows 5 and 6 (ids stay in place, as a reordering by time would).
  sql("UPDATE audit_log SET id = -5 WHERE id = 5");
  sql("UPDATE audit_log SET id = 5 WHERE id = 6");
  sql("UPDATE audit_log SET id = 6 WHERE id = -5");
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 5);
}

TEST_P(AuditTest, InsertedRowIsDetected) {
  append_n(5);
  sql("INSERT INTO audit_log (id, at, user_name, source, event, object, success, details, hash)"
      " VALUES (6, 1, 'x', 'x', 'login', '', 1, '', 'ab')");
  auto v = verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_id, 6);
  EXPECT_EQ(v.reason, "row beyond the chain head");
}

// Two writers on separate Database objects (two processes, as the station and `omnimeter
// ctl`) append concurrently: the chain stays linear, ids 1..N without gaps, and verifies.
TEST_P(AuditTest, ConcurrentWritersKeepOneChain) {
  auto second = storage::open_database(options());
  ASSERT_TRUE(second.has_value()) << second.error().to_string();
  AuditLog other(**second, clock_);
  constexpr int kEach = 40;
  std::vector<std::string> errors;
  std::mutex m;
  auto writer = [&](AuditLog& log, const char* who) {
    for (int i = 0; i < kEach; ++i) {
      auto r = log.append({{}, who, "local", "test", "", true, std::to_string(i)});
      if (!r) {
        std::lock_guard lock(m);
        errors.push_back(r.error().to_string());
      }
    }
  };
  std::thread a(writer, std::ref(*audit_), "a");
  std::thread b(writer, std::ref(other), "b");
  a.join();
  b.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  auto v = verify();
  EXPECT_TRUE(v.intact) << v.reason << " at " << v.first_bad_id;
  EXPECT_EQ(v.rows_checked, 2 * kEach);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 2 * kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::access
