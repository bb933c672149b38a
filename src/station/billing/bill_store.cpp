#include "station/billing/bill_store.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "exchange/records.hpp"

namespace omni::station {
namespace {

using storage::Connection;

constexpr std::int64_t kDaySeconds = 86'400;

std::int64_t int_at(const storage::Row& r, std::size_t c) {
  return r.get<std::int64_t>(c).value_or(0);
}
std::string text_at(const storage::Row& r, std::size_t c) {
  return r.get<std::string>(c).value_or("");
}

std::int64_t beijing_day(std::int64_t utc_seconds) {
  CivilTime c = TimeZone::shanghai().to_local(UtcTime{utc_seconds});
  return days_from_civil(c.year, c.month, c.day);
}

UtcTime day_start(std::int64_t day) {
  CivilTime c;
  civil_from_days(day, c.year, c.month, c.day);
  return TimeZone::shanghai().from_local(c);
}

int month_of_day(std::int64_t day) {
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  return y * 100 + m;
}

Unit unit_or(std::string_view text, Unit fallback) {
  auto u = parse_unit(text);
  return u ? *u : fallback;
}

std::string ascii_unit(Unit u) { return std::string(unit_info(u).ascii_symbol); }

// What makes two computations of a bill the same bill: every figure that is stored or sent. A
// flagged bill has no price, so a tariff change alone does not give it a new revision.
std::string fingerprint(const std::string& plan, const TariffVersion* v, BillFlag flag,
                        const std::string& detail, const Quantity& usage, const Quantity& before,
                        const std::vector<BillLine>& lines) {
  const bool priced = v != nullptr && flag == BillFlag::Ok;
  std::string out =
      fmt::format("{}|{}|{}|{}|{}|{}", plan, priced ? v->digest_text() : "", bill_flag_name(flag),
                  detail, usage.to_string(), before.to_string());
  for (const auto& l : lines) {
    out += fmt::format("|{}:{}:{}:{}:{}", l.tier, l.period, l.usage.to_string(),
                       l.price.ten_thousandths_yuan, l.amount.value);
  }
  return out;
}

Status load_lines(Connection& c, StoredBill& b) {
  auto rows = c.query(
      "SELECT tier, period, usage_mantissa, usage_scale, price_e4, amount_fen FROM bill_line "
      "WHERE point = $1 AND month = $2 AND revision = $3 ORDER BY line",
      {b.point, b.month, b.revision});
  if (!rows) return fail(rows.error());
  for (const auto& r : rows->rows) {
    StoredBillLine l;
    l.tier = static_cast<int>(int_at(r, 0));
    l.period = text_at(r, 1);
    l.usage = Quantity(int_at(r, 2), static_cast<int>(int_at(r, 3)), b.usage.unit());
    l.price = Price{int_at(r, 4), b.usage.unit()};
    l.amount = Fen{int_at(r, 5)};
    b.lines.push_back(std::move(l));
  }
  return ok();
}

constexpr std::string_view kBillColumns =
    "point, month, revision, tariff_plan, plan_version, flag, detail, usage_mantissa, "
    "usage_scale, unit, before_mantissa, amount_fen, computed_at";

StoredBill bill_of(const storage::Row& r) {
  StoredBill b;
  b.point = text_at(r, 0);
  b.month = static_cast<int>(int_at(r, 1));
  b.revision = static_cast<int>(int_at(r, 2));
  b.plan = text_at(r, 3);
  b.plan_version = static_cast<int>(int_at(r, 4));
  std::string flag = text_at(r, 5);
  for (int f = 0; f <= static_cast<int>(BillFlag::NotInstalled); ++f) {
    if (bill_flag_name(static_cast<BillFlag>(f)) == flag) b.flag = static_cast<BillFlag>(f);
  }
  b.detail = text_at(r, 6);
  Unit unit = unit_or(text_at(r, 9), Unit::None);
  int scale = static_cast<int>(int_at(r, 8));
  b.usage = Quantity(int_at(r, 7), scale, unit);
  b.used_before = Quantity(int_at(r, 10), scale, unit);
  b.amount = Fen{int_at(r, 11)};
  b.computed_at = int_at(r, 12);
  return b;
}

}  // namespace

Result<BillRunSummary> BillStore::compute(Connection& c, int month, UtcTime now) {
  auto md = month_days(month);
  if (!md) return fail(md.error());
  BillRunSummary sum;
  auto points = c.query(
      "SELECT code, address, energy, customer, multiplier, installed, removed FROM point "
      "WHERE installed < $1 AND (removed IS NULL OR removed >= $2) ORDER BY code",
      {day_start(md->next).seconds, day_start(md->first).seconds});
  if (!points) return fail(points.error());
  for (const auto& p : points->rows) {
    const std::string code = text_at(p, 0);
    const std::int64_t installed_day = beijing_day(int_at(p, 5));
    std::optional<std::int64_t> removed_day;
    if (!p.is_null(6)) removed_day = beijing_day(int_at(p, 6));

    BillFlag flag = BillFlag::Ok;
    std::string detail;
    const TariffPlan* plan = nullptr;
    const TariffVersion* version = nullptr;
    auto energy = exchange::energy_from_digit(static_cast<char>('0' + int_at(p, 2)));
    if (energy) {
      plan = book_.find(*energy, static_cast<exchange::CustomerType>(int_at(p, 3)));
    }
    if (plan) version = plan->in_force(md->first);
    Unit unit = plan ? plan->unit : Unit::None;
    Quantity usage(0, 0, unit);
    Quantity before(0, 0, unit);
    std::vector<BillLine> lines;
    if (!version) {
      flag = BillFlag::NoTariff;
      detail = plan ? fmt::format("plan {} has no version in force on {}", plan->id,
                                  format_date(md->first))
                    : "no tariff plan for this energy and customer type";
    } else {
      auto rows = c.query(
          "SELECT r.day, r.value, r.scale, r.unit, r.quality FROM meter m "
          "JOIN reading_daily r ON r.meter_id = m.id "
          "WHERE m.address = $1 AND r.day >= $2 AND r.day <= $3",
          {text_at(p, 1), md->first, md->next});
      if (!rows) return fail(rows.error());
      std::vector<DailyValue> values;
      for (const auto& r : rows->rows) {
        values.push_back({int_at(r, 0), int_at(r, 1), static_cast<int>(int_at(r, 2)),
                          unit_or(text_at(r, 3), Unit::None), static_cast<int>(int_at(r, 4))});
      }
      MonthUsage mu =
          month_usage(values, md->first, md->next, int_at(p, 4), installed_day, removed_day);
      flag = mu.flag;
      detail = mu.detail;
      if (flag == BillFlag::Ok && !version->periods.empty()) {
        flag = BillFlag::NoTouRegisters;
        detail = "a time-of-use plan needs the meter's period registers, which are not collected";
      }
      if (flag == BillFlag::Ok) {
        if (version->basis == TierBasis::Year) {
          auto earlier = c.query(
              "SELECT usage_mantissa, usage_scale, unit FROM bill WHERE point = $1 "
              "AND is_current <> 0 AND flag = 'ok' AND month >= $2 AND month < $3",
              {code, md->year * 100 + 1, month});
          if (!earlier) return fail(earlier.error());
          for (const auto& r : earlier->rows) {
            auto added = before.add(Quantity(int_at(r, 0), static_cast<int>(int_at(r, 1)),
                                             unit_or(text_at(r, 2), unit)));
            if (!added) return fail(added.error());
            before = *added;
          }
        }
        auto priced = price_month(*plan, *version, {mu.usage}, before,
                                  effective_thresholds(*version, md->year, installed_day));
        if (!priced) {
          flag = BillFlag::UnitChanged;
          detail = fmt::format("the register's unit does not fit plan {}: {}", plan->id,
                               priced.error().detail);
        } else {
          lines = std::move(*priced);
          auto in_unit = mu.usage.unit() == unit
                             ? Result<Quantity>(mu.usage)
                             : mu.usage.converted(unit, mu.usage.scale() + 3, Rounding::HalfEven);
          if (!in_unit) return fail(in_unit.error());
          usage = *in_unit;
        }
      }
    }
    if (flag != BillFlag::Ok) {
      lines.clear();
      usage = Quantity(0, 0, unit);
      before = Quantity(0, 0, unit);
    }
    // Before and usage share the lines' scale in storage.
    int scale = std::max(usage.scale(), before.scale());
    for (const auto& l : lines) scale = std::max(scale, l.usage.scale());
    auto usage_s = usage.rescaled(scale, Rounding::HalfEven);
    auto before_s = before.rescaled(scale, Rounding::HalfEven);
    if (!usage_s) return fail(usage_s.error());
    if (!before_s) return fail(before_s.error());
    const Fen amount = total_of(lines);
    const std::string plan_id = plan ? plan->id : "";
    const std::string print =
        fingerprint(plan_id, version, flag, detail, *usage_s, *before_s, lines);

    ++sum.points;
    if (flag != BillFlag::Ok) ++sum.flagged;
    sum.amount += amount;
    auto current = c.query(
        "SELECT revision, fingerprint FROM bill WHERE point = $1 AND month = $2 "
        "AND is_current <> 0",
        {code, month});
    if (!current) return fail(current.error());
    std::int64_t revision = 1;
    if (!current->empty()) {
      if (text_at(current->at(0), 1) == print) {
        ++sum.unchanged;
        continue;
      }
      revision = int_at(current->at(0), 0) + 1;
      auto old = c.execute(
          "UPDATE bill SET is_current = 0 WHERE point = $1 AND month = $2 AND revision = $3",
          {code, month, revision - 1});
      if (!old) return fail(old.error());
    }
    // The export number, from the locked counter row (schema.cpp step 4).
    auto bumped = c.execute("UPDATE export_state SET value = value + 1 WHERE name = 'next_bill'");
    if (!bumped) return fail(bumped.error());
    auto seq = c.query("SELECT value - 1 FROM export_state WHERE name = 'next_bill'");
    if (!seq) return fail(seq.error());
    if (seq->empty()) return fail(ErrorCode::Internal, "export_state has no 'next_bill'");
    auto ins = c.execute(
        "INSERT INTO bill (point, month, revision, is_current, tariff_plan, plan_version, flag, "
        "detail, usage_mantissa, usage_scale, unit, before_mantissa, amount_fen, fingerprint, "
        "computed_at, export_seq) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15)",
        {code, month, revision, plan_id, version ? version->version : 0,
         std::string(bill_flag_name(flag)), detail, usage_s->mantissa(), scale, ascii_unit(unit),
         before_s->mantissa(), amount.value, print, now.seconds, int_at(seq->at(0), 0)});
    if (!ins) return fail(ins.error());
    std::vector<storage::Params> line_rows;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const BillLine& l = lines[i];
      auto u = l.usage.rescaled(scale, Rounding::HalfEven);
      if (!u) return fail(u.error());
      line_rows.push_back({code, month, revision, static_cast<std::int64_t>(i), l.tier,
                           l.period >= 0 ? version->periods[static_cast<std::size_t>(l.period)].name
                                         : std::string(),
                           u->mantissa(), scale, l.price.ten_thousandths_yuan, l.amount.value});
    }
    auto li = c.execute_batch(
        "INSERT INTO bill_line (point, month, revision, line, tier, period, usage_mantissa, "
        "usage_scale, price_e4, amount_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        line_rows);
    if (!li) return fail(li.error());
    ++sum.issued;
  }
  return sum;
}

Result<BillRunSummary> BillStore::compute_month(int month, UtcTime now) {
  OMNI_TRY(month_days(month));
  BillRunSummary sum;
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto s = compute(c, month, now);
    if (!s) return fail(s.error());
    sum = *s;
    return ok();
  }));
  return sum;
}

Result<BillRunSummary> BillStore::apply_tariffs(UtcTime now) {
  std::optional<std::int64_t> earliest;
  auto note = [&](std::int64_t day) { earliest = earliest ? std::min(*earliest, day) : day; };
  OMNI_TRY(db_.transaction([&](Connection& c) -> Status {
    auto rows = c.query("SELECT tariff_plan, version, effective_day, digest FROM tariff_version");
    if (!rows) return fail(rows.error());
    std::map<std::pair<std::string, std::int64_t>, std::pair<std::int64_t, std::string>> known;
    for (const auto& r : rows->rows) {
      known[{text_at(r, 0), int_at(r, 1)}] = {int_at(r, 2), text_at(r, 3)};
    }
    for (const auto& plan : book_.plans) {
      for (const auto& v : plan.versions) {
        const std::string digest = v.digest_text();
        auto it = known.find({plan.id, v.version});
        if (it != known.end()) {
          auto [day, old] = it->second;
          known.erase(it);
          if (old == digest) continue;
          note(std::min(day, v.effective_day));
          auto u = c.execute(
              "UPDATE tariff_version SET effective_day = $3, digest = $4, loaded_at = $5 "
              "WHERE tariff_plan = $1 AND version = $2",
              {plan.id, v.version, v.effective_day, digest, now.seconds});
          if (!u) return fail(u.error());
          continue;
        }
        note(v.effective_day);
        auto i = c.execute(
            "INSERT INTO tariff_version (tariff_plan, version, effective_day, digest, loaded_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            {plan.id, v.version, v.effective_day, digest, now.seconds});
        if (!i) return fail(i.error());
      }
    }
    // Versions no longer in the book: the bills they priced are priced again.
    for (const auto& [key, value] : known) {
      note(value.first);
      auto d = c.execute("DELETE FROM tariff_version WHERE tariff_plan = $1 AND version = $2",
                         {key.first, key.second});
      if (!d) return fail(d.error());
    }
    return ok();
  }));
  BillRunSummary total;
  if (!earliest) return total;
  auto months = db_.query("SELECT DISTINCT month FROM bill WHERE month >= $1 ORDER BY month",
                          {month_of_day(*earliest)});
  if (!months) return fail(months.error());
  for (const auto& r : months->rows) {
    auto s = compute_month(static_cast<int>(int_at(r, 0)), now);
    if (!s) return fail(s.error());
    total.points += s->points;
    total.issued += s->issued;
    total.unchanged += s->unchanged;
    total.flagged += s->flagged;
    total.amount += s->amount;
  }
  return total;
}

Result<std::vector<StoredBill>> BillStore::bills(int month, std::optional<std::string> point) {
  std::vector<StoredBill> out;
  OMNI_TRY(month_days(month));
  auto conn = db_.acquire(storage::Access::Read);
  if (!conn) return fail(conn.error());
  Connection& c = **conn;
  std::string sql =
      fmt::format("SELECT {} FROM bill WHERE month = $1 AND is_current <> 0", kBillColumns);
  auto rows = point ? c.query(sql + " AND point = $2 ORDER BY point", {month, *point})
                    : c.query(sql + " ORDER BY point", {month});
  if (!rows) return fail(rows.error());
  for (const auto& r : rows->rows) {
    StoredBill b = bill_of(r);
    OMNI_TRY(load_lines(c, b));
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::vector<StoredBill>> BillStore::revisions(const std::string& point, int month) {
  std::vector<StoredBill> out;
  auto conn = db_.acquire(storage::Access::Read);
  if (!conn) return fail(conn.error());
  Connection& c = **conn;
  auto rows = c.query(fmt::format("SELECT {} FROM bill WHERE point = $1 AND month = $2 "
                                  "ORDER BY revision",
                                  kBillColumns),
                      {point, month});
  if (!rows) return fail(rows.error());
  for (const auto& r : rows->rows) {
    StoredBill b = bill_of(r);
    OMNI_TRY(load_lines(c, b));
    out.push_back(std::move(b));
  }
  return out;
}

Status BillStore::record_balance(const std::string& point, UtcTime at, Fen balance, Fen credit,
                                 UtcTime now) {
  auto n = db_.execute(
      "INSERT INTO meter_balance (point, at, balance_fen, credit_fen, received_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (point, at) DO NOTHING",
      {point, at.seconds, balance.value, credit.value, now.seconds});
  if (!n) return fail(n.error());
  return ok();
}

Result<std::vector<BalanceMismatch>> BillStore::mismatches(int month, Fen tolerance) {
  auto md = month_days(month);
  if (!md) return fail(md.error());
  const std::int64_t t0 = day_start(md->first).seconds;
  const std::int64_t t1 = day_start(md->next).seconds;
  std::vector<BalanceMismatch> out;
  auto conn = db_.acquire(storage::Access::Read);
  if (!conn) return fail(conn.error());
  Connection& c = **conn;
  auto points =
      c.query("SELECT DISTINCT point FROM meter_balance WHERE at > $1 AND at <= $2 ORDER BY point",
              {t1 - kDaySeconds, t1});
  if (!points) return fail(points.error());
  // The last balance at or within a day before a bound.
  auto balance_at = [&](const std::string& point,
                        std::int64_t bound) -> Result<std::optional<std::pair<std::int64_t, Fen>>> {
    auto r = c.query(
        "SELECT at, balance_fen FROM meter_balance WHERE point = $1 AND at <= $2 AND at > $3 "
        "ORDER BY at DESC LIMIT 1",
        {point, bound, bound - kDaySeconds});
    if (!r) return fail(r.error());
    if (r->empty()) return std::optional<std::pair<std::int64_t, Fen>>{};
    return std::optional<std::pair<std::int64_t, Fen>>{
        std::pair{int_at(r->at(0), 0), Fen{int_at(r->at(0), 1)}}};
  };
  for (const auto& pr : points->rows) {
    BalanceMismatch m;
    m.point = text_at(pr, 0);
    m.month = month;
    auto bill = c.query(
        "SELECT amount_fen, flag FROM bill WHERE point = $1 AND month = $2 AND is_current <> 0",
        {m.point, month});
    if (!bill) return fail(bill.error());
    if (!bill->empty() && text_at(bill->at(0), 1) == "ok") m.station = Fen{int_at(bill->at(0), 0)};
    auto b0 = balance_at(m.point, t0);
    if (!b0) return fail(b0.error());
    auto b1 = balance_at(m.point, t1);
    if (!b1) return fail(b1.error());
    if (*b0 && *b1) {
      auto credits = c.query(
          "SELECT COALESCE(SUM(credit_fen), 0) FROM meter_balance WHERE point = $1 AND at > $2 "
          "AND at <= $3",
          {m.point, (*b0)->first, (*b1)->first});
      if (!credits) return fail(credits.error());
      m.meter = (*b0)->second - (*b1)->second + Fen{int_at(credits->at(0), 0)};
    }
    if (!*b0) {
      m.reason = "no_balance_at_start";
    } else if (!*b1) {
      m.reason = "no_balance_at_end";
    } else if (!m.station) {
      m.reason = "no_bill";
    } else {
      std::int64_t diff = m.meter->value - m.station->value;
      if ((diff < 0 ? -diff : diff) <= tolerance.value) continue;
      m.reason = "amount_differs";
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace omni::station
