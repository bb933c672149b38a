#include "station/billing/tariff.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "exchange/batch.hpp"

namespace omni::station {
namespace {

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::optional<int> two_digits(std::string_view s) {
  if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return std::nullopt;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

// "HH:MM" as minutes from midnight; "24:00" is the end of the day.
std::optional<int> minute_of_day(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = two_digits(s.substr(0, 2));
  auto m = two_digits(s.substr(3, 2));
  if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) return std::nullopt;
  return *h * 60 + *m;
}

std::optional<std::pair<int, int>> parse_span(std::string_view s) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto a = minute_of_day(s.substr(0, dash));
  auto b = minute_of_day(s.substr(dash + 1));
  if (!a || !b || *a >= *b) return std::nullopt;
  return std::pair{*a, *b};
}

std::optional<TouPeriod> read_period(const config::Section& s, Unit unit) {
  TouPeriod p;
  p.name = s.require_string("name");
  bool good = !p.name.empty();
  auto price = Price::parse(s.require_string("price"), unit);
  if (!price) {
    s.reject("price", price.error().detail);
    good = false;
  } else {
    p.price = *price;
  }
  auto hours = s.get_string_list("hours");
  if (hours.empty()) {
    s.reject("hours", "must list at least one span \"HH:MM-HH:MM\"");
    good = false;
  }
  for (std::size_t i = 0; i < hours.size(); ++i) {
    auto span = parse_span(hours[i]);
    if (!span) {
      s.reject("hours", fmt::format("element {} \"{}\" is not \"HH:MM-HH:MM\" with start < end",
                                    i + 1, hours[i]));
      good = false;
      continue;
    }
    p.spans.push_back(*span);
  }
  if (!good) return std::nullopt;
  return p;
}

std::optional<TariffVersion> read_version(const config::Section& s, Unit unit) {
  TariffVersion v;
  bool good = true;
  v.version = static_cast<int>(s.get_int("version", 0, 1, 1'000'000));
  if (!s.has("version")) {
    s.reject("version", "missing required key");
    good = false;
  }
  auto date = parse_date(s.require_string("effective"));
  if (!date) {
    s.reject("effective", "must be a Beijing date YYYY-MM-DD");
    good = false;
  } else {
    v.effective_day = days_from_civil(date->year, date->month, date->day);
  }
  std::string basis = s.get_choice("basis", "none", {"none", "month", "year"});
  v.basis = basis == "year"    ? TierBasis::Year
            : basis == "month" ? TierBasis::Month
                               : TierBasis::None;
  v.source = s.get_string("source", "");

  auto thresholds = s.get_string_list("thresholds");
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    auto q = Quantity::parse(thresholds[i], unit);
    if (!q || q->mantissa() <= 0) {
      s.reject("thresholds",
               fmt::format("element {} \"{}\" is not a positive decimal", i + 1, thresholds[i]));
      good = false;
      continue;
    }
    if (!v.thresholds.empty() && *v.thresholds.back().compare_to(*q) >= 0) {
      s.reject("thresholds",
               fmt::format("element {} \"{}\" is not above the one before", i + 1, thresholds[i]));
      good = false;
    }
    v.thresholds.push_back(*q);
  }
  if (!v.thresholds.empty() && v.basis == TierBasis::None) {
    s.reject("basis", "thresholds need a basis: \"month\" or \"year\"");
    good = false;
  }
  auto prices = s.get_string_list("prices");
  for (std::size_t i = 0; i < prices.size(); ++i) {
    auto p = Price::parse(prices[i], unit);
    if (!p) {
      s.reject("prices", fmt::format("element {}: {}", i + 1, p.error().detail));
      good = false;
      continue;
    }
    v.tier_prices.push_back(*p);
  }
  if (good && v.tier_prices.size() != v.thresholds.size() + 1) {
    s.reject("prices", fmt::format("needs {} prices (one per tier: thresholds + 1), got {}",
                                   v.thresholds.size() + 1, v.tier_prices.size()));
    good = false;
  }

  // Periods must cover the day exactly once: a minute priced twice, or not at all, would make
  // the bill depend on the order of the table.
  std::vector<int> owner(24 * 60, -1);
  for (const auto& ps : s.array_of_tables("periods")) {
    auto p = read_period(ps, unit);
    if (!p) {
      good = false;
      continue;
    }
    for (auto [a, b] : p->spans) {
      for (int m = a; m < b; ++m) {
        if (owner[static_cast<std::size_t>(m)] >= 0) {
          ps.reject(
              "hours",
              fmt::format(
                  "{:02}:{:02} is already in period \"{}\"", m / 60, m % 60,
                  v.periods[static_cast<std::size_t>(owner[static_cast<std::size_t>(m)])].name));
          good = false;
          break;
        }
        owner[static_cast<std::size_t>(m)] = static_cast<int>(v.periods.size());
      }
    }
    v.periods.push_back(std::move(*p));
  }
  if (good && !v.periods.empty()) {
    auto gap = std::find(owner.begin(), owner.end(), -1);
    if (gap != owner.end()) {
      auto m = static_cast<int>(gap - owner.begin());
      s.reject("periods", fmt::format("{:02}:{:02} belongs to no period", m / 60, m % 60));
      good = false;
    }
  }
  if (good && v.tier_count() * v.period_count() > exchange::kMaxTiers) {
    s.reject("periods", fmt::format("{} tiers × {} periods make more than {} bill lines",
                                    v.tier_count(), v.period_count(), exchange::kMaxTiers));
    good = false;
  }
  if (!good) return std::nullopt;
  return v;
}

std::optional<TariffPlan> read_plan(const config::Section& s) {
  TariffPlan plan;
  bool good = true;
  plan.id = s.require_string("id");
  if (!plan.id.empty() && !valid_id(plan.id)) {
    s.reject("id", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
    good = false;
  }
  plan.name = s.get_string("name", plan.id);
  std::string energy =
      s.get_choice("energy", "electricity", {"electricity", "water", "gas", "heat"});
  plan.energy = energy == "water"  ? EnergyKind::Water
                : energy == "gas"  ? EnergyKind::Gas
                : energy == "heat" ? EnergyKind::Heat
                                   : EnergyKind::Electricity;
  std::string customer =
      s.get_choice("customer", "residential", {"residential", "non-residential"});
  plan.customer = customer == "residential" ? exchange::CustomerType::Residential
                                            : exchange::CustomerType::NonResidential;
  auto unit = parse_unit(s.require_string("unit"));
  if (!unit) {
    s.reject("unit", "must be a unit symbol such as \"kWh\", \"m3\" or \"GJ\"");
    return std::nullopt;
  }
  plan.unit = *unit;
  auto versions = s.array_of_tables("version");
  if (versions.empty()) {
    s.reject("version", "a plan needs at least one [[tariff.version]]");
    good = false;
  }
  for (const auto& vs : versions) {
    auto v = read_version(vs, plan.unit);
    if (!v) {
      good = false;
      continue;
    }
    for (const auto& other : plan.versions) {
      if (other.version == v->version) {
        vs.reject("version", fmt::format("version {} appears twice", v->version));
        good = false;
      }
      if (other.effective_day == v->effective_day) {
        vs.reject("effective", "two versions take effect on the same day");
        good = false;
      }
    }
    plan.versions.push_back(std::move(*v));
  }
  if (!good || plan.id.empty()) return std::nullopt;
  std::sort(plan.versions.begin(), plan.versions.end(),
            [](const TariffVersion& a, const TariffVersion& b) {
              return a.effective_day < b.effective_day;
            });
  return plan;
}

}  // namespace

std::string_view tier_basis_name(TierBasis b) {
  switch (b) {
    case TierBasis::Month:
      return "month";
    case TierBasis::Year:
      return "year";
    case TierBasis::None:
      break;
  }
  return "none";
}

Price TariffVersion::price(std::size_t tier, std::size_t period) const {
  Price base = periods.empty() ? tier_prices[0] : periods[period].price;
  base.ten_thousandths_yuan +=
      tier_prices[tier].ten_thousandths_yuan - tier_prices[0].ten_thousandths_yuan;
  return base;
}

std::string TariffVersion::digest_text() const {
  std::string out = fmt::format("v{} from {} basis {}", version, format_date(effective_day),
                                tier_basis_name(basis));
  for (const auto& t : thresholds) out += " t" + t.to_decimal_string();
  for (const auto& p : tier_prices) out += fmt::format(" p{}", p.ten_thousandths_yuan);
  for (const auto& p : periods) {
    out += fmt::format(" {}={}", p.name, p.price.ten_thousandths_yuan);
    for (auto [a, b] : p.spans) out += fmt::format(":{}-{}", a, b);
  }
  return out;
}

const TariffVersion* TariffPlan::in_force(std::int64_t day) const {
  const TariffVersion* found = nullptr;
  for (const auto& v : versions) {
    if (v.effective_day <= day) found = &v;
  }
  return found;
}

const TariffPlan* TariffBook::find(EnergyKind energy, exchange::CustomerType customer) const {
  for (const auto& p : plans) {
    if (p.energy == energy && p.customer == customer) return &p;
  }
  return nullptr;
}

TariffBook read_tariffs(config::Section root) {
  TariffBook book;
  for (const auto& s : root.array_of_tables("tariff")) {
    auto plan = read_plan(s);
    if (!plan) continue;
    bool clash = false;
    for (const auto& other : book.plans) {
      if (other.id == plan->id) {
        s.reject("id", fmt::format("plan \"{}\" appears twice", plan->id));
        clash = true;
      } else if (other.energy == plan->energy && other.customer == plan->customer) {
        s.reject("customer",
                 fmt::format("plan \"{}\" already covers this energy and customer", other.id));
        clash = true;
      }
    }
    if (!clash) book.plans.push_back(std::move(*plan));
  }
  return book;
}

Result<TariffBook> load_tariff_file(const std::filesystem::path& file) {
  auto doc = config::Document::load(file);
  if (!doc) return fail(doc.error());
  TariffBook book = read_tariffs(doc->root());
  OMNI_TRY(doc->finish());
  return book;
}

}  // namespace omni::station
