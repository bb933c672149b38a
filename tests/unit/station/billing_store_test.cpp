// Bills stored at the station on both back ends: monthly bills with the year-to-date usage and
// the reset at the year's start, flagged bills (replacement, suspect fall), a back-dated tariff
// change that adds revisions and keeps the old ones, the exporter's C records (checked by the
// exchange validator), and the prepaid reconciliation. Amounts worked by hand in the comments.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exchange/batch.hpp"
#include "station/api/billing_api.hpp"
#include "station/billing/bill_store.hpp"
#include "station/export/exporter.hpp"
#include "station/store/archive_import.hpp"
#include "station/store/archive_store.hpp"
#include "station_db.hpp"

namespace omni::station {
namespace {

using testing::ArchiveFile;
using testing::code;

MeterAddress addr(std::string_view d) { return *MeterAddress::from_digits(d); }

UtcTime at(std::int64_t day, int hour = 0, int minute = 0) {
  return UtcTime{day * 86400 - 8 * 3600 + hour * 3600 + minute * 60};
}
std::int64_t day(int y, int m, int d) { return days_from_civil(y, m, d); }

std::string household(int room) { return fmt::format("1101000001{:02}", room - 100); }
std::string point(int room) {
  return code(1, 1, static_cast<std::uint16_t>(room), EnergyKind::Electricity).to_string();
}

// The Beijing residential electricity tiers, with a version 2 when `with_v2` (effective on
// `v2_from`, tier prices 0.5000 / 0.5500 / 0.8000).
TariffBook book(bool with_v2, std::string_view v2_from = "2026-11-01") {
  std::string text = R"([[tariff]]
id = "bj-residential-electricity"
unit = "kWh"
  [[tariff.version]]
  version = 1
  effective = "2012-07-01"
  basis = "year"
  thresholds = ["2880", "4800"]
  prices = ["0.4883", "0.5383", "0.7883"]
)";
  if (with_v2) {
    text += fmt::format(R"(  [[tariff.version]]
  version = 2
  effective = "{}"
  basis = "year"
  thresholds = ["2880", "4800"]
  prices = ["0.5000", "0.5500", "0.8000"]
)",
                        v2_from);
  }
  auto doc = config::Document::parse(text, "tariffs.toml");
  EXPECT_TRUE(doc.has_value());
  TariffBook b = read_tariffs(doc->root());
  EXPECT_TRUE(doc->finish().has_value()) << doc->finish().error().detail;
  return b;
}

class BillingStoreTest : public testing::StationDbTest {
 protected:
  void SetUp() override {
    StationDbTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = std::make_unique<ArchiveStore>(*db_);
    // Households 101..105 of building 1; 102 is removed (replaced) on 2026-11-15.
    ArchiveFile f;
    for (int room = 101; room <= 105; ++room) {
      f.add(ArchiveFile::electricity(static_cast<std::uint16_t>(room), household(room)));
    }
    f.row(1)["removed"] = "2026-11-15";
    auto r = import_archive(*db_, f.text(), ImportMode::Apply, at(day(2026, 1, 1)));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_TRUE(r->problems.empty()) << r->problems[0].to_string();
    auto c = store_->touch_concentrator(addr("110100000001"), {0});
    ASSERT_TRUE(c.has_value());
    std::vector<ArchiveRow> rows;
    for (int room = 101; room <= 105; ++room) {
      rows.push_back({addr(household(room)), static_cast<std::uint16_t>(room - 100), 2});
    }
    ASSERT_TRUE(store_->upsert_meters(*c, rows, {0}).has_value());
  }

  void save(int room, std::int64_t d, std::int64_t hundredths) {
    auto r = store_->save_daily({{addr(household(room)), d, hundredths, 2, "kWh"}}, at(d, 1));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
  }

  // November 2026 to January 2027: household 101 uses 3000 kWh in November, 100 in December and
  // 100 in January; 102 is replaced mid-November; 103's register falls; 104
  // uses 100 kWh a month; 105 like 104.
  void collect() {
    save(101, day(2026, 11, 1), 100000);
    save(101, day(2026, 12, 1), 400000);
    save(101, day(2027, 1, 1), 410000);
    save(101, day(2027, 2, 1), 420000);
    save(102, day(2026, 11, 1), 100000);
    save(102, day(2026, 12, 1), 110000);
    save(103, day(2026, 11, 1), 500000);
    save(103, day(2026, 11, 10), 100);
    save(103, day(2026, 12, 1), 10100);
    for (int room : {104, 105}) {
      save(room, day(2026, 11, 1), 0);
      save(room, day(2026, 12, 1), 10000);
    }
  }

  const StoredBill* find(const std::vector<StoredBill>& bills, int room) {
    for (const auto& b : bills) {
      if (b.point == point(room)) return &b;
    }
    return nullptr;
  }

  // Every C record the exporter sends now, each batch checked by the exchange validator.
  std::vector<exchange::CostRecord> export_costs(Exporter& e, UtcTime now) {
    std::vector<exchange::CostRecord> out;
    for (int i = 0; i < 100; ++i) {
      auto next = e.next(now);
      EXPECT_TRUE(next.has_value()) << next.error().to_string();
      if (!next || !*next) break;
      auto problems = exchange::validate_batch((*next)->text);
      EXPECT_TRUE(problems.empty()) << problems[0].message << "\n" << (*next)->text;
      auto b = exchange::read_batch((*next)->text);
      EXPECT_TRUE(b.has_value());
      if (b) out.insert(out.end(), b->costs.begin(), b->costs.end());
      EXPECT_TRUE(e.acknowledge((*next)->sequence, now).has_value());
    }
    return out;
  }

  std::unique_ptr<ArchiveStore> store_;
};

TEST_P(BillingStoreTest, MonthlyBillsSplitTiersWithTheYearToDateAndResetInJanuary) {
  collect();
  TariffBook b = book(false);
  BillStore bills(*db_, b);
  ASSERT_TRUE(bills.apply_tariffs(at(day(2026, 12, 1), 9)).has_value());
  auto nov = bills.compute_month(202611, at(day(2026, 12, 1), 9));
  ASSERT_TRUE(nov.has_value()) << nov.error().to_string();
  EXPECT_EQ(nov->points, 5);
  EXPECT_EQ(nov->issued, 5);
  EXPECT_EQ(nov->flagged, 2);
  auto list = bills.bills(202611);
  ASSERT_TRUE(list.has_value()) << list.error().to_string();
  ASSERT_EQ(list->size(), 5u);

  // 101, November, 3000 kWh, nothing before this year: tier 1 2880 × 0.4883 = 1406.304 ->
  // 140630 fen; tier 2 120 × 0.5383 = 64.596 -> 6460 fen; total 147090 fen.
  const StoredBill* b101 = find(*list, 101);
  ASSERT_NE(b101, nullptr);
  EXPECT_EQ(b101->flag, BillFlag::Ok);
  EXPECT_EQ(b101->usage.to_string(), "3000.00 kWh");
  EXPECT_EQ(b101->plan, "bj-residential-electricity");
  EXPECT_EQ(b101->plan_version, 1);
  ASSERT_EQ(b101->lines.size(), 2u);
  EXPECT_EQ(b101->lines[0].amount.value, 140630);
  EXPECT_EQ(b101->lines[1].usage.to_string(), "120.00 kWh");
  EXPECT_EQ(b101->lines[1].amount.value, 6460);
  EXPECT_EQ(b101->amount.value, 147090);
  // 102 replaced on the 15th, 103's register fell (not a wrap): flagged, no amount.
  EXPECT_EQ(find(*list, 102)->flag, BillFlag::Replaced);
  EXPECT_EQ(find(*list, 102)->amount.value, 0);
  EXPECT_EQ(find(*list, 103)->flag, BillFlag::RegisterFell);
  // 104: 100 kWh × 0.4883 = 48.83 yuan = 4883 fen.
  EXPECT_EQ(find(*list, 104)->amount.value, 4883);

  // December: 3000 before, 100 more, all in tier 2: 100 × 0.5383 = 53.83 -> 5383 fen.
  ASSERT_TRUE(bills.compute_month(202612, at(day(2027, 1, 1), 9)).has_value());
  auto dec = bills.bills(202612, point(101));
  ASSERT_TRUE(dec.has_value());
  ASSERT_EQ(dec->size(), 1u);
  EXPECT_EQ((*dec)[0].used_before.to_string(), "3000.00 kWh");
  EXPECT_EQ((*dec)[0].amount.value, 5383);
  // January 2027: the year starts again in tier 1: 100 × 0.4883 = 48.83 -> 4883 fen.
  ASSERT_TRUE(bills.compute_month(202701, at(day(2027, 2, 1), 9)).has_value());
  auto jan = bills.bills(202701, point(101));
  ASSERT_TRUE(jan.has_value());
  ASSERT_EQ(jan->size(), 1u);
  EXPECT_EQ((*jan)[0].used_before.mantissa(), 0);
  ASSERT_EQ((*jan)[0].lines.size(), 1u);
  EXPECT_EQ((*jan)[0].lines[0].tier, 0);
  EXPECT_EQ((*jan)[0].amount.value, 4883);

  // Computing a month again with nothing changed adds no revision.
  auto again = bills.compute_month(202611, at(day(2026, 12, 2)));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->issued, 0);
  EXPECT_EQ(again->unchanged, 5);
}

TEST_P(BillingStoreTest, BackDatedTariffChangeAddsRevisionsAndTheExporterSendsThem) {
  collect();
  TariffBook v1 = book(false);
  BillStore bills(*db_, v1);
  ASSERT_TRUE(bills.apply_tariffs(at(day(2026, 12, 1), 9)).has_value());
  ASSERT_TRUE(bills.compute_month(202611, at(day(2026, 12, 1), 9)).has_value());
  ASSERT_TRUE(bills.compute_month(202612, at(day(2027, 1, 1), 9)).has_value());

  Exporter e(*db_, "station-1", 1000);
  auto first = export_costs(e, at(day(2027, 1, 1), 10));
  // 101 and 104/105 in November, 101 in December; 102 and 103 are flagged, 104/105 have no
  // December value (flagged missing_end). Every C record: tiers add up to usage and amount.
  ASSERT_EQ(first.size(), 4u);
  const exchange::CostRecord* nov101 = nullptr;
  for (const auto& c : first) {
    if (c.code.to_string() == point(101) && c.period == 202611) nov101 = &c;
  }
  ASSERT_NE(nov101, nullptr);
  EXPECT_EQ(nov101->amount.value, 147090);
  ASSERT_EQ(nov101->tiers.size(), 2u);
  EXPECT_EQ(nov101->tiers[1].price.ten_thousandths_yuan, 5383);

  // Version 2 published late, back-dated to 2026-11-01: November and December are priced again.
  TariffBook v2 = book(true);
  BillStore rebilled(*db_, v2);
  auto r = rebilled.apply_tariffs(at(day(2027, 1, 20)));
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  // November: 101, 104, 105 change; the flagged 102, 103 stay as they were. December: 101
  // changes; 104, 105 (missing_end) and 102, 103 do not.
  EXPECT_EQ(r->issued, 4);
  auto revs = rebilled.revisions(point(101), 202611);
  ASSERT_TRUE(revs.has_value());
  ASSERT_EQ(revs->size(), 2u) << "the old revision is kept";
  EXPECT_EQ((*revs)[0].amount.value, 147090);
  EXPECT_EQ((*revs)[0].plan_version, 1);
  // Revision 2: 2880 × 0.5000 = 1440.00 -> 144000; 120 × 0.5500 = 66.00 -> 6600; total 150600.
  EXPECT_EQ((*revs)[1].revision, 2);
  EXPECT_EQ((*revs)[1].plan_version, 2);
  EXPECT_EQ((*revs)[1].amount.value, 150600);
  auto current = rebilled.bills(202611, point(101));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ((*current)[0].revision, 2);
  // December: 100 in tier 2 at 0.5500 = 55.00 -> 5500 fen.
  auto dec = rebilled.bills(202612, point(101));
  ASSERT_TRUE(dec.has_value());
  EXPECT_EQ((*dec)[0].amount.value, 5500);

  auto second = export_costs(e, at(day(2027, 1, 20), 1));
  ASSERT_EQ(second.size(), 4u);
  bool saw = false;
  for (const auto& c : second) {
    if (c.code.to_string() == point(101) && c.period == 202611) {
      EXPECT_EQ(c.amount.value, 150600);
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
  // Applying the same book again changes nothing.
  auto same = rebilled.apply_tariffs(at(day(2027, 1, 21)));
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->issued, 0);
  EXPECT_TRUE(export_costs(e, at(day(2027, 1, 21), 1)).empty());
}

TEST_P(BillingStoreTest, AVersionEffectiveAfterTheMonthLeavesItsBillsAlone) {
  collect();
  TariffBook v1 = book(false);
  BillStore bills(*db_, v1);
  ASSERT_TRUE(bills.apply_tariffs(at(day(2026, 12, 1))).has_value());
  ASSERT_TRUE(bills.compute_month(202611, at(day(2026, 12, 1), 9)).has_value());
  TariffBook v2 = book(true, "2026-11-02");  // in force from the 2nd: December's bills on
  BillStore later(*db_, v2);
  auto r = later.apply_tariffs(at(day(2026, 12, 5)));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->issued, 0);
  auto revs = later.revisions(point(101), 202611);
  ASSERT_TRUE(revs.has_value());
  EXPECT_EQ(revs->size(), 1u);
}

TEST_P(BillingStoreTest, PrepaidBalancesAreReconciledAndEveryMismatchListed) {
  collect();
  TariffBook v1 = book(false);
  BillStore bills(*db_, v1);
  ASSERT_TRUE(bills.compute_month(202611, at(day(2026, 12, 1), 9)).has_value());
  const std::int64_t nov1 = day(2026, 11, 1);
  const std::int64_t dec1 = day(2026, 12, 1);
  auto put = [&](int room, UtcTime t, std::int64_t balance, std::int64_t credit = 0) {
    ASSERT_TRUE(bills.record_balance(point(room), t, Fen{balance}, Fen{credit}, t).has_value());
  };
  // 101: 2000.00 yuan on Oct 31 23:30, 1000.00 loaded on Nov 15, at Nov 30 23:50
  // 200000 + 100000 − 147090 = 152910 fen left: matches the bill.
  put(101, at(nov1 - 1, 23, 30), 200000);
  put(101, at(nov1 + 14, 12), 250000, 100000);
  put(101, at(dec1 - 1, 23, 50), 152910);
  put(101, at(dec1 - 1, 23, 50), 152910);  // reported twice, stored once
  // 104: the meter took 4983 fen, the station bills 4883: 100 fen apart, within 100 tolerance.
  put(104, at(nov1 - 1, 23), 10000);
  put(104, at(dec1 - 1, 23), 5017);
  // 105: the meter took 5883, the station 4883: a mismatch of 1000 fen.
  put(105, at(nov1 - 1, 23), 10000);
  put(105, at(dec1 - 1, 23), 4117);
  // 102: flagged bill (replaced): listed as no_bill.
  put(102, at(nov1 - 1, 23), 10000);
  put(102, at(dec1 - 1, 23), 9000);
  // 103: no balance at the start of the month (its last one is two days older).
  put(103, at(nov1 - 2, 23), 10000);
  put(103, at(dec1 - 1, 23), 9000);

  auto m = bills.mismatches(202611, Fen{100});
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].point, point(102));
  EXPECT_EQ((*m)[0].reason, "no_bill");
  EXPECT_EQ((*m)[1].point, point(103));
  EXPECT_EQ((*m)[1].reason, "no_balance_at_start");
  EXPECT_EQ((*m)[2].point, point(105));
  EXPECT_EQ((*m)[2].reason, "amount_differs");
  EXPECT_EQ((*m)[2].station->value, 4883);
  EXPECT_EQ((*m)[2].meter->value, 5883);
  EXPECT_EQ(count("SELECT COUNT(*) FROM meter_balance WHERE point = '" + point(101) + "'"), 3);
  // With no tolerance, 104 is listed too.
  auto strict = bills.mismatches(202611, Fen{0});
  ASSERT_TRUE(strict.has_value());
  EXPECT_EQ(strict->size(), 4u);
}

TEST_P(BillingStoreTest, ApiListsTariffsBillsAndMismatches) {
  collect();
  TariffBook b = book(true);
  BillStore bills(*db_, b);
  ASSERT_TRUE(bills.compute_month(202611, at(day(2026, 12, 1), 9)).has_value());
  ASSERT_TRUE(bills
                  .record_balance(point(104), at(day(2026, 10, 31), 23), Fen{10000}, Fen{0},
                                  at(day(2026, 12, 1)))
                  .has_value());
  ASSERT_TRUE(bills
                  .record_balance(point(104), at(day(2026, 11, 30), 23), Fen{4000}, Fen{0},
                                  at(day(2026, 12, 1)))
                  .has_value());
  net::Router router;
  add_billing_routes(router, b, bills);
  auto get = [&](std::string path, std::map<std::string, std::string> query) {
    auto m = router.match("GET", path);
    EXPECT_NE(m.handler, nullptr) << path;
    net::Request r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    return (*m.handler)(r);
  };
  auto tariffs = get("/api/v1/tariffs", {});
  ASSERT_EQ(tariffs.status, 200);
  auto t = nlohmann::json::parse(tariffs.body);
  EXPECT_EQ(t["plans"][0]["versions"][1]["prices"][0], "0.5000");
  EXPECT_EQ(t["plans"][0]["versions"][1]["effective"], "2026-11-01");

  auto one = get("/api/v1/bills", {{"month", "2026-11"}, {"point", point(101)}});
  ASSERT_EQ(one.status, 200) << one.body;
  auto j = nlohmann::json::parse(one.body);
  ASSERT_EQ(j["bills"].size(), 1u);
  // Version 2 from 2026-11-01: 2880 × 0.50 + 120 × 0.55 = 1440.00 + 66.00 = 1506.00 yuan.
  EXPECT_EQ(j["bills"][0]["amount"], "1506.00");
  EXPECT_EQ(j["bills"][0]["plan_version"], 2);
  EXPECT_EQ(j["bills"][0]["lines"][1]["price"], "0.5500");
  auto all = get("/api/v1/bills", {{"month", "2026-11"}, {"format", "csv"}});
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("replaced"), std::string::npos);
  EXPECT_EQ(get("/api/v1/bills", {{"month", "2026-13"}}).status, 400);
  EXPECT_EQ(get("/api/v1/bills", {}).status, 400);

  // 104: the meter took 100.00 − 40.00 = 60.00 yuan, the bill is 100 × 0.50 = 50.00 yuan.
  auto mm = get("/api/v1/bills/mismatches", {{"month", "2026-11"}, {"tolerance_fen", "100"}});
  ASSERT_EQ(mm.status, 200) << mm.body;
  auto m = nlohmann::json::parse(mm.body);
  ASSERT_EQ(m["mismatches"].size(), 1u);
  EXPECT_EQ(m["mismatches"][0]["station"], "50.00");
  EXPECT_EQ(m["mismatches"][0]["meter"], "60.00");
  EXPECT_EQ(m["mismatches"][0]["difference_fen"], 1000);
  EXPECT_EQ(get("/api/v1/bills/mismatches", {{"month", "2026-11"}, {"tolerance_fen", "-1"}}).status,
            400);
}

INSTANTIATE_TEST_SUITE_P(Backends, BillingStoreTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         testing::backend_label);

}  // namespace
}  // namespace omni::station
