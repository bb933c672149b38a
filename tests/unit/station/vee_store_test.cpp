// VEE through the archive store and the review queue, on SQLite and PostgreSQL: each rule queues
// its reason, a replaced device makes no false spike, gaps are estimated (and re-estimated) and
// the real value wins, operators' decisions are recorded in the edit history and the audit log,
// and the HTTP routes answer with the right codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "access/access_service.hpp"
#include "access/schema.hpp"
#include "core/clock.hpp"
#include "station/api/vee_api.hpp"
#include "station/store/archive_import.hpp"
#include "station/store/archive_store.hpp"
#include "station/vee/review.hpp"
#include "station_db.hpp"

namespace omni::station {
namespace {

using testing::ArchiveFile;

MeterAddress addr(std::string_view d) { return *MeterAddress::from_digits(d); }

// 2026-11-01, a Beijing day number.
const std::int64_t D = days_from_civil(2026, 11, 1);

class VeeStoreTest : public testing::StationDbTest {
 protected:
  void SetUp() override {
    StationDbTest::SetUp();
    if (HasFatalFailure()) return;
    auto applied = storage::migrate(*db_, "access", access::access_migrations());
    ASSERT_TRUE(applied.has_value()) << applied.error().to_string();
    store_ = std::make_unique<ArchiveStore>(*db_);
    auto c = store_->touch_concentrator(addr("110100000001"), {1000});
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    concentrator_ = *c;
  }

  void import(const ArchiveFile& file) {
    auto report = import_archive(*db_, file.text(), ImportMode::Apply, {1000});
    ASSERT_TRUE(report.has_value()) << report.error().to_string();
    ASSERT_TRUE(report->problems.empty()) << report->problems.front().to_string();
  }

  void meters(const std::vector<std::string>& addresses) {
    std::vector<ArchiveRow> rows;
    std::uint16_t serial = 1;
    for (const auto& a : addresses) rows.push_back({addr(a), serial++, 2});
    ASSERT_TRUE(store_->upsert_meters(concentrator_, rows, {1000}).has_value());
  }

  ArchiveStore::SaveResult save(const std::string& meter,
                                const std::vector<std::pair<std::int64_t, std::int64_t>>& values) {
    std::vector<DailyReading> readings;
    for (const auto& [day, value] : values) {
      readings.push_back({addr(meter), day, value, 2, "kWh", Quality::Measured});
    }
    auto saved = store_->save_daily(readings, {now_++});
    EXPECT_TRUE(saved.has_value()) << saved.error().to_string();
    return saved ? *saved : ArchiveStore::SaveResult{};
  }

  // A steady 10.00 kWh a day from `from` for `days` days, starting at `start`.
  void steady(const std::string& meter, std::int64_t from, int days, std::int64_t start) {
    std::vector<std::pair<std::int64_t, std::int64_t>> values;
    for (int i = 0; i < days; ++i) values.emplace_back(from + i, start + 1000 * i);
    auto saved = save(meter, values);
    ASSERT_EQ(saved.suspect, 0);
  }

  struct Stored {
    std::int64_t value = -1;
    Quality quality = Quality::Measured;
  };
  Stored stored(const std::string& meter, std::int64_t day) {
    auto rows = store_->meter_daily(addr(meter), day, day);
    if (!rows || rows->empty()) return {};
    return {rows->front().value, rows->front().quality};
  }
  std::string reason(const std::string& meter, std::int64_t day) {
    auto rows = db_->query(
        "SELECT i.reason FROM review_item i JOIN meter m ON m.id = i.meter_id "
        "WHERE m.address = $1 AND i.day = $2",
        {meter, day});
    if (!rows || rows->empty()) return "";
    return rows->at(0).get<std::string>(0).value_or("");
  }
  std::int64_t export_seq(const std::string& meter, std::int64_t day) {
    auto rows = db_->query(
        "SELECT r.export_seq FROM reading_daily r JOIN meter m ON m.id = r.meter_id "
        "WHERE m.address = $1 AND r.day = $2",
        {meter, day});
    if (!rows || rows->empty()) return -1;
    return rows->at(0).get<std::int64_t>(0).value_or(-1);
  }

  std::unique_ptr<ArchiveStore> store_;
  std::int64_t concentrator_ = 0;
  std::int64_t now_ = 1'790'000'000;
};

TEST_P(VeeStoreTest, EachRuleQueuesItsReasonAndSuspectValuesDoNotCascade) {
  ArchiveFile file;
  file.add(ArchiveFile::electricity(101, "110000000101"));
  import(file);
  meters({"110000000101", "110000000102", "110000000103", "110000000104"});

  // Range (the archive says: a household's electricity): 300 kWh in a day.
  steady("110000000101", D, 8, 100000);
  auto over = save("110000000101", {{D + 8, 107000 + 30000}});
  EXPECT_EQ(over.suspect, 1);
  EXPECT_EQ(over.inserted, 1);
  EXPECT_EQ(stored("110000000101", D + 8).quality, Quality::Suspect);
  EXPECT_EQ(reason("110000000101", D + 8), "over_range");
  // The next day is checked against the last good value, not the suspect one.
  auto next = save("110000000101", {{D + 9, 109000}});
  EXPECT_EQ(next.suspect, 0);
  EXPECT_EQ(stored("110000000101", D + 9).quality, Quality::Measured);

  // Rate (no archive row, so no range check): 150 kWh after a week of 10.
  steady("110000000102", D, 8, 100000);
  EXPECT_EQ(save("110000000102", {{D + 8, 107000 + 15000}}).suspect, 1);
  EXPECT_EQ(reason("110000000102", D + 8), "rate_jump");

  // Stuck: eight days at one value (seven days unchanged) while not vacant.
  std::vector<std::pair<std::int64_t, std::int64_t>> flat;
  for (int i = 0; i < 8; ++i) flat.emplace_back(D + i, 555500);
  EXPECT_EQ(save("110000000103", flat).suspect, 1);
  EXPECT_EQ(reason("110000000103", D + 7), "stuck");
  EXPECT_EQ(stored("110000000103", D + 6).quality, Quality::Measured);
  // A vacant flat's register may stand still.
  ASSERT_TRUE(store_->set_vacancy(addr("110000000104"), D, std::nullopt).has_value());
  EXPECT_EQ(save("110000000104", flat).suspect, 0);

  // Register fell (the rule that existed before keeps its behaviour, with a machine name).
  EXPECT_EQ(save("110000000104", {{D + 8, 555400}}).suspect, 1);
  EXPECT_EQ(reason("110000000104", D + 8), "register_fell");
  EXPECT_EQ(count("SELECT COUNT(*) FROM review_item WHERE state = 'open'"), 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM review_item WHERE detail = ''"), 0);
}

TEST_P(VeeStoreTest, AReplacedDeviceMakesNoFalseSpike) {
  // Room 102: the old meter (sequence 1) removed on 11-05, the new one (sequence 2) installed
  // the same day. Room 103: the same address re-installed on 11-08 after a bench test.
  ArchiveFile file;
  auto old_meter = ArchiveFile::electricity(102, "110000000201");
  old_meter["removed"] = "2026-11-05";
  file.add(old_meter);
  auto new_meter = ArchiveFile::electricity(102, "110000000202");
  auto seq2 = testing::code(1, 1, 102, EnergyKind::Electricity);
  seq2.sequence = 2;
  new_meter["base_code"] = seq2.to_string();
  new_meter["installed"] = "2026-11-05";
  file.add(new_meter);
  auto reinstalled = ArchiveFile::electricity(103, "110000000203");
  reinstalled["installed"] = "2026-11-08";
  file.add(reinstalled);
  import(file);
  meters({"110000000201", "110000000202", "110000000203"});

  steady("110000000201", D, 4, 8'000'000);  // 80000.00 kWh and counting
  // The new device starts near zero and then uses 10 kWh a day: no fall, no range, no rate.
  auto fresh = save("110000000202", {{D + 4, 1200}, {D + 5, 2200}, {D + 6, 3200}});
  EXPECT_EQ(fresh.suspect, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM review_item"), 0);

  // Bench-test values before the installation day are not a baseline: the installed register
  // at 12.00 is not a fall from 900.00, and days 11-05..11-07 are not estimated across it.
  auto bench = save("110000000203", {{D + 2, 90000}, {D + 3, 90000}, {D + 4, 90000}});
  EXPECT_EQ(bench.suspect, 0);
  auto installed = save("110000000203", {{D + 7, 1200}, {D + 8, 2200}});
  EXPECT_EQ(installed.suspect, 0);
  ASSERT_TRUE(store_->estimate_gaps(D, D + 8, {now_}).has_value());
  EXPECT_EQ(stored("110000000203", D + 7).quality, Quality::Measured);
  EXPECT_EQ(stored("110000000203", D + 5).value, -1) << "no estimate over an installation";
}

TEST_P(VeeStoreTest, GapsAreInterpolatedAndTheRealValueWins) {
  meters({"110000000301"});
  auto first = save("110000000301", {{D, 100000}, {D + 4, 100400}});
  EXPECT_EQ(first.inserted, 2);
  EXPECT_EQ(first.estimated, 0) << "the save path stores what it was given";
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_daily"), 2);
  auto made = store_->estimate_gaps(D, D + 7, {now_});
  ASSERT_TRUE(made.has_value()) << made.error().to_string();
  EXPECT_EQ(*made, 3);
  for (int k = 1; k <= 3; ++k) {
    EXPECT_EQ(stored("110000000301", D + k).value, 100000 + 100 * k);
    EXPECT_EQ(stored("110000000301", D + k).quality, Quality::Estimated);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_daily WHERE method = 'interpolated'"), 3);
  EXPECT_EQ(stored("110000000301", D + 5).value, -1) << "no extrapolation";
  EXPECT_EQ(*store_->estimate_gaps(D, D + 7, {now_}), 0) << "idempotent";

  // An estimate is not a reading: the missing-data alarm fires and success does not count it.
  auto raised = store_->supervise_daily(D + 2, {now_});
  ASSERT_TRUE(raised.has_value());
  EXPECT_EQ(*raised, 1);
  auto success = store_->daily_success(D + 2);
  ASSERT_TRUE(success.has_value());
  ASSERT_EQ(success->size(), 1u);
  EXPECT_EQ((*success)[0].read, 0);

  // The real value of D+2 arrives: it replaces the estimate, and both halves of the gap are
  // estimated again: 1000.00 → 1002.50 gives 1001.25; 1002.50 → 1004.00 gives 1003.25.
  const std::int64_t seq_before = export_seq("110000000301", D + 1);
  auto real = save("110000000301", {{D + 2, 100250}});
  EXPECT_EQ(real.inserted, 1);
  EXPECT_EQ(real.replaced_estimates, 1);
  EXPECT_EQ(real.estimated, 2);
  EXPECT_EQ(stored("110000000301", D + 2).value, 100250);
  EXPECT_EQ(stored("110000000301", D + 2).quality, Quality::Measured);
  EXPECT_EQ(stored("110000000301", D + 1).value, 100125);
  EXPECT_EQ(stored("110000000301", D + 3).value, 100325);
  EXPECT_EQ(stored("110000000301", D + 3).quality, Quality::Estimated);
  EXPECT_GT(export_seq("110000000301", D + 1), seq_before) << "the cloud hears of the change";
  ASSERT_TRUE(store_->supervise_daily(D + 2, {now_}).has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM alarm WHERE cleared_at IS NULL"), 0)
      << "the real value clears the alarm";
  // A real value stored again is a duplicate; the first one stands. An estimate offered by a
  // caller for a day that has one is a duplicate too.
  auto again = save("110000000301", {{D + 2, 100260}});
  EXPECT_EQ(again.duplicates, 1);
  EXPECT_EQ(stored("110000000301", D + 2).value, 100250);
  auto offered = store_->save_daily(
      {{addr("110000000301"), D + 3, 100390, 2, "kWh", Quality::Estimated}}, {now_});
  ASSERT_TRUE(offered.has_value());
  EXPECT_EQ(offered->duplicates, 1);

  // Rounding through the store: 1004.00 → 1004.10 over three days: 1004.03, 1004.07.
  save("110000000301", {{D + 10, 100400}, {D + 13, 100410}});
  ASSERT_TRUE(store_->estimate_gaps(D + 11, D + 12, {now_}).has_value());
  EXPECT_EQ(stored("110000000301", D + 11).value, 100403);
  EXPECT_EQ(stored("110000000301", D + 12).value, 100407);
  EXPECT_EQ(stored("110000000301", D + 6).value, -1) << "outside the range asked for";
  // A gap longer than max_gap_days (7) is left missing.
  save("110000000301", {{D + 30, 101000}});
  ASSERT_TRUE(store_->estimate_gaps(D + 14, D + 29, {now_}).has_value());
  EXPECT_EQ(stored("110000000301", D + 20).value, -1);
  // A suspect value is not a baseline: nothing is estimated towards it.
  EXPECT_EQ(save("110000000301", {{D + 33, 100000}}).suspect, 1);
  EXPECT_EQ(*store_->estimate_gaps(D + 31, D + 32, {now_}), 0);
}

TEST_P(VeeStoreTest, ValuesArrivingOutOfOrderAddNoRows) {
  // The exporter's guarantee (each reading sent once) rests on this: good values in any order
  // are stored as given, nothing is estimated on the way.
  meters({"110000000302"});
  save("110000000302", {{D + 10, 101000}, {D + 11, 101100}});
  for (int d = 0; d < 10; ++d) {
    auto saved = save("110000000302", {{D + d, 100000 + 100 * d}});
    EXPECT_EQ(saved.inserted, 1);
    EXPECT_EQ(saved.estimated, 0);
    EXPECT_EQ(saved.suspect, 0);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_daily"), 12);
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_daily WHERE quality <> 0"), 0);
}

TEST_P(VeeStoreTest, NoEstimateAcrossAReplacement) {
  ArchiveFile file;
  auto reinstalled = ArchiveFile::electricity(104, "110000000303");
  reinstalled["installed"] = "2026-11-05";
  file.add(reinstalled);
  import(file);
  meters({"110000000303"});
  save("110000000303", {{D + 1, 50000}, {D + 6, 1200}, {D + 8, 1400}});
  ASSERT_TRUE(store_->estimate_gaps(D, D + 10, {now_}).has_value());
  for (int d = 2; d <= 5; ++d) EXPECT_EQ(stored("110000000303", D + d).value, -1) << d;
  EXPECT_EQ(stored("110000000303", D + 7).value, 1300) << "after the installation it does";
}

class ReviewTest : public VeeStoreTest {
 protected:
  void SetUp() override {
    VeeStoreTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<access::AuditLog>(*db_, clock_);
    queue_ = std::make_unique<vee::ReviewQueue>(*db_, clock_, audit_.get());
    meters({"110000000401"});
    // Three falls in a row (each against the last good value 1000.00).
    auto saved =
        save("110000000401", {{D, 100000}, {D + 1, 99000}, {D + 2, 99100}, {D + 3, 99200}});
    ASSERT_EQ(saved.suspect, 3);
  }

  FakeClock clock_{UtcTime{1'790'100'000}};
  std::unique_ptr<access::AuditLog> audit_;
  std::unique_ptr<vee::ReviewQueue> queue_;
};

TEST_P(ReviewTest, DecisionsAreRecordedInTheEditHistoryAndTheAuditLog) {
  auto open = queue_->list(vee::ReviewState::Open, 10);
  ASSERT_TRUE(open.has_value()) << open.error().to_string();
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].reason, "register_fell");
  EXPECT_EQ((*open)[0].previous, 100000);

  const MeterAddress m = addr("110000000401");
  const std::int64_t seq = export_seq("110000000401", D + 2);
  auto accepted = queue_->resolve(m, D + 1, {.action = vee::Action::Accept, .user = "zhangsan"});
  ASSERT_TRUE(accepted.has_value()) << accepted.error().to_string();
  EXPECT_EQ(accepted->state, "accepted");
  EXPECT_EQ(accepted->resolved_by, "zhangsan");
  EXPECT_EQ(stored("110000000401", D + 1).quality, Quality::Edited);
  EXPECT_EQ(stored("110000000401", D + 1).value, 99000);

  clock_.advance(60);
  auto replaced = queue_->resolve(
      m, D + 2,
      {.action = vee::Action::Replace, .value = 100100, .reason = "misread", .user = "lisi"});
  ASSERT_TRUE(replaced.has_value()) << replaced.error().to_string();
  EXPECT_EQ(stored("110000000401", D + 2).value, 100100);
  EXPECT_EQ(stored("110000000401", D + 2).quality, Quality::Edited);
  EXPECT_EQ(replaced->received, 99100) << "the queued value is kept in the item";
  EXPECT_GT(export_seq("110000000401", D + 2), seq);

  clock_.advance(60);
  auto rejected = queue_->resolve(
      m, D + 3, {.action = vee::Action::Reject, .reason = "meter fault", .user = "lisi"});
  ASSERT_TRUE(rejected.has_value()) << rejected.error().to_string();
  EXPECT_EQ(rejected->state, "rejected");
  EXPECT_EQ(stored("110000000401", D + 3).quality, Quality::Suspect) << "excluded from usage";
  EXPECT_EQ(stored("110000000401", D + 3).value, 99200) << "but kept";

  // Deciding twice, an unknown item, malformed decisions.
  auto twice = queue_->resolve(m, D + 3, {.action = vee::Action::Accept});
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, ErrorCode::Duplicate);
  EXPECT_EQ(queue_->resolve(m, D + 9, {}).error().code, ErrorCode::NotFound);
  EXPECT_EQ(queue_->resolve(addr("119999999999"), D, {}).error().code, ErrorCode::NotFound);
  EXPECT_EQ(queue_->resolve(m, D + 1, {.action = vee::Action::Replace, .reason = "x"}).error().code,
            ErrorCode::Malformed);
  EXPECT_EQ(queue_->resolve(m, D + 1, {.action = vee::Action::Reject}).error().code,
            ErrorCode::Malformed);

  auto edits = queue_->edits(m);
  ASSERT_TRUE(edits.has_value()) << edits.error().to_string();
  ASSERT_EQ(edits->size(), 3u);
  EXPECT_EQ((*edits)[0].action, "accept");
  EXPECT_EQ((*edits)[0].user, "zhangsan");
  EXPECT_EQ((*edits)[0].old_quality, static_cast<int>(Quality::Suspect));
  EXPECT_EQ((*edits)[0].new_quality, static_cast<int>(Quality::Edited));
  EXPECT_EQ((*edits)[1].old_value, 99100);
  EXPECT_EQ((*edits)[1].new_value, 100100);
  EXPECT_EQ((*edits)[1].reason, "misread");
  EXPECT_EQ((*edits)[1].at, 1'790'100'060);
  EXPECT_EQ((*edits)[2].action, "reject");

  auto audited = audit_->search({.event = "readings.edit"});
  ASSERT_TRUE(audited.has_value());
  ASSERT_EQ(audited->size(), 3u);
  EXPECT_EQ(audited->front().event.user, "lisi");
  EXPECT_NE(audited->front().event.object.find("110000000401"), std::string::npos);
  EXPECT_TRUE(audit_->verify()->intact);

  EXPECT_EQ(queue_->list(vee::ReviewState::Open, 10)->size(), 0u);
  auto resolved = queue_->list(vee::ReviewState::Resolved, 10);
  ASSERT_EQ(resolved->size(), 3u);
  EXPECT_EQ((*resolved)[0].state, "rejected") << "latest first";
}

TEST_P(ReviewTest, WithoutAnAuditLogEditsAreStillRecorded) {
  vee::ReviewQueue plain(*db_, clock_, nullptr);
  ASSERT_TRUE(plain.resolve(addr("110000000401"), D + 1, {.action = vee::Action::Accept}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM reading_edit"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 0);
}

// --- HTTP ---

net::Response call(const net::Router& router, const std::string& method, const std::string& path,
                   std::map<std::string, std::string> query = {}, std::string body = {},
                   net::HeaderList headers = {}) {
  auto m = router.match(method, path);
  if (m.handler == nullptr) return net::Response::text(404, "no route");
  net::Request r;
  r.method = method;
  r.path = path;
  r.target = path;
  r.params = m.params;
  r.query = std::move(query);
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.peer = "127.0.0.1:5000";
  return (*m.handler)(r);
}

TEST_P(ReviewTest, HttpRoutesAnswerWithTheErrorSchema) {
  access::AccessOptions options;
  options.password.iterations = 1000;  // fast tests
  access::AccessService access(*db_, clock_, options);
  ASSERT_TRUE(access.add_user(
      {.name = "wangwu", .password = "Review-2026!x", .role = access::Role::Operator},
      {.name = "cli:root", .source = "local"}));
  auto session = access.login("wangwu", "Review-2026!x", "127.0.0.1:5000");
  ASSERT_TRUE(session.has_value()) << session.error().to_string();

  net::Router router;
  add_vee_routes(router, *queue_, &access);
  const std::string day1 = format_date(D + 1), day2 = format_date(D + 2);

  auto list = call(router, "GET", "/api/v1/review", {{"state", "open"}, {"limit", "2"}});
  ASSERT_EQ(list.status, 200) << list.body;
  auto j = nlohmann::json::parse(list.body);
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_EQ(j["items"][0]["reason"], "register_fell");
  EXPECT_EQ(j["items"][0]["value"], "990.00");
  EXPECT_EQ(j["items"][0]["previous"], "1000.00");
  EXPECT_EQ(call(router, "GET", "/api/v1/review", {{"state", "closed"}}).status, 400);
  EXPECT_EQ(call(router, "GET", "/api/v1/review", {{"limit", "0"}}).status, 400);

  const std::string item = "/api/v1/review/110000000401/" + day2;
  auto replaced =
      call(router, "POST", item, {}, R"({"action": "replace", "value": "1001", "reason": "photo"})",
           {{"Authorization", "Bearer " + session->token}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  auto r = nlohmann::json::parse(replaced.body);
  EXPECT_EQ(r["value"], "1001.00");
  EXPECT_EQ(r["quality"], "edited");
  EXPECT_EQ(r["resolved_by"], "wangwu") << "the token's user";
  EXPECT_EQ(call(router, "POST", item, {}, R"({"action": "accept"})").status, 409);

  const std::string item1 = "/api/v1/review/110000000401/" + day1;
  EXPECT_EQ(call(router, "POST", item1, {}, R"({"action": "approve"})").status, 400);
  EXPECT_EQ(call(router, "POST", item1, {}, "not json").status, 400);
  EXPECT_EQ(call(router, "POST", item1, {}, R"({"action": "replace", "reason": "x"})").status, 400);
  EXPECT_EQ(
      call(router, "POST", item1, {}, R"({"action": "replace", "value": "1.001", "reason": "x"})")
          .status,
      400)
      << "more decimals than the register";
  EXPECT_EQ(call(router, "POST", item1, {}, R"({"action": "accept", "value": "1"})").status, 400);
  EXPECT_EQ(
      call(router, "POST", "/api/v1/review/110000000401/2026-13-01", {}, R"({"action": "accept"})")
          .status,
      400);
  EXPECT_EQ(call(router, "POST", "/api/v1/review/110000000401/" + format_date(D + 20), {},
                 R"({"action": "accept"})")
                .status,
            404);
  auto accepted = call(router, "POST", item1, {}, R"({"action": "accept"})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(nlohmann::json::parse(accepted.body)["resolved_by"], "operator")
      << "no token: the station's default user";
  auto err = nlohmann::json::parse(call(router, "POST", item1, {}, R"({"action": "accept"})").body);
  EXPECT_EQ(err["code"], "conflict");

  auto edits = call(router, "GET", "/api/v1/meters/110000000401/edits");
  ASSERT_EQ(edits.status, 200) << edits.body;
  auto e = nlohmann::json::parse(edits.body);
  ASSERT_EQ(e["edits"].size(), 2u);
  EXPECT_EQ(e["edits"][1]["old_value"], "991.00");
  EXPECT_EQ(e["edits"][1]["new_value"], "1001.00");
  EXPECT_EQ(e["edits"][1]["user"], "wangwu");
  EXPECT_EQ(call(router, "GET", "/api/v1/meters/119999999999/edits").status, 404);
  EXPECT_EQ(call(router, "GET", "/api/v1/meters/abc/edits").status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, VeeStoreTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);
INSTANTIATE_TEST_SUITE_P(Backends, ReviewTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::station
