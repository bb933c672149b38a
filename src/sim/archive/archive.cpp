#include "sim/archive/archive.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "core/check.hpp"
#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

// Two-character street names: 20 × 20 combinations, drawn per district in a seeded order so
// that neighbouring districts do not all start with the same name.
constexpr std::string_view kFirst[] = {"东", "西", "南", "北", "新", "安", "和", "永", "长", "光",
                                       "华", "金", "龙", "凤", "福", "广", "康", "泰", "兴", "德"};
constexpr std::string_view kSecond[] = {"华", "安", "平", "宁", "乐", "园", "城", "苑", "庄", "门",
                                        "桥", "湖", "山", "河", "林", "台", "坊", "营", "里", "源"};
constexpr std::uint64_t kNameCount = std::size(kFirst) * std::size(kSecond);  // 400
// Steps coprime with 400: walking k * step + offset (mod 400) visits every name once.
constexpr std::uint64_t kNameSteps[] = {7, 11, 13, 17, 19, 23, 29, 31, 37, 41};

constexpr std::uint64_t kStreetKey = 0x53545254;  // "STRT"
constexpr std::uint64_t kBuiltKey = 0x4255494C;   // "BUIL"

// Meters went in between 2008-01-01 and 2023-12-31, per community.
constexpr std::int64_t kFirstBuiltDay = 13879;  // 2008-01-01
constexpr std::int64_t kBuiltSpan = 5844;       // days to 2023-12-31

std::string street_name(std::uint64_t seed, std::uint8_t district, std::uint16_t number) {
  std::uint64_t h = hash_keys(seed, kStreetKey, district, 0xFFFF);
  std::uint64_t step = kNameSteps[h % std::size(kNameSteps)];
  std::uint64_t offset = (h >> 8) % kNameCount;
  std::uint64_t k = static_cast<std::uint64_t>(number - 1);
  std::uint64_t pick = (k % kNameCount * step + offset) % kNameCount;
  std::string name =
      fmt::format("{}{}", kFirst[pick / std::size(kSecond)], kSecond[pick % std::size(kSecond)]);
  // Past 400 streets in one district (not reached below ten million meters) the names repeat
  // with a number, which keeps them unique.
  if (k >= kNameCount) name += fmt::format("{}", k / kNameCount + 1);
  return name + "街道";
}

std::uint32_t district_code(std::uint8_t district) {
  std::string_view code = beijing_districts()[district].code;
  std::uint32_t v = 0;
  std::from_chars(code.data(), code.data() + code.size(), v);
  return v;
}

// Supply meters are the utility's own metering points: a non-residential customer in section D
// (电力、热力、燃气及水生产和供应业), so they never count among households.
constexpr char kSupplySection = 'D';

exchange::CustomerType customer_of(const City& city, const Meter& m) {
  if (m.master) return exchange::CustomerType::NonResidential;
  return city.users[m.owner].industry == Industry::Residential
             ? exchange::CustomerType::Residential
             : exchange::CustomerType::NonResidential;
}

}  // namespace

bool dials_station(const Meter& m) { return m.iot && m.protocol == MeterProtocol::Dlt698; }

ConcentratorPlan plan_concentrators(const City& city, std::uint32_t meters_per_concentrator,
                                    std::optional<EnergyKind> only) {
  OMNI_CHECK(meters_per_concentrator >= 1);
  auto planned = [&only](const Meter& m) {
    return !dials_station(m) && (!only || m.kind == *only);
  };
  ConcentratorPlan plan;
  plan.concentrator_of.assign(city.meters.size(), kNoConcentrator);
  std::vector<std::uint32_t> current;
  auto flush = [&] {
    if (current.empty()) return;
    auto id = static_cast<std::uint32_t>(plan.meters.size());
    for (std::uint32_t m : current) plan.concentrator_of[m] = id;
    plan.meters.push_back(std::move(current));
    current.clear();
  };
  std::uint32_t last_community = kNoMeter;
  for (const Meter& m : city.meters) {
    if (!planned(m)) continue;
    if (m.community != last_community) {
      // A community's meters are contiguous; start a new concentrator when it would not fit.
      std::size_t next_size = 0;
      for (std::uint32_t j = m.id;
           j < city.meters.size() && city.meters[j].community == m.community; ++j) {
        next_size += planned(city.meters[j]);
      }
      if (!current.empty() && current.size() + next_size > meters_per_concentrator) flush();
      last_community = m.community;
    }
    if (current.size() == meters_per_concentrator) flush();
    current.push_back(m.id);
  }
  flush();
  return plan;
}

MeterAddress concentrator_address(std::uint32_t id) {
  return *MeterAddress::from_digits(fmt::format("1199{:08}", id + 1));
}

Places assign_places(const City& city) {
  Places p;
  p.street_of.resize(city.communities.size());
  p.number_in_street.resize(city.communities.size());
  p.built_day.resize(city.communities.size());
  // The open (still filling) street of each district, as an index into p.streets.
  std::array<std::int64_t, 16> open;
  open.fill(-1);
  std::array<std::uint16_t, 16> count{};
  OMNI_CHECK(beijing_districts().size() <= open.size());
  for (const Community& c : city.communities) {
    std::int64_t& s = open[c.district];
    if (s < 0 || p.streets[static_cast<std::size_t>(s)].communities.size() >=
                     p.streets[static_cast<std::size_t>(s)].planned) {
      Street street;
      street.district = c.district;
      street.number = ++count[c.district];
      OMNI_CHECK(street.number <= 999);
      std::uint64_t h = hash_keys(city.seed, kStreetKey, c.district, street.number);
      street.planned = static_cast<std::uint16_t>(5 + h % 11);
      street.name = street_name(city.seed, c.district, street.number);
      s = static_cast<std::int64_t>(p.streets.size());
      p.streets.push_back(std::move(street));
    }
    Street& street = p.streets[static_cast<std::size_t>(s)];
    street.communities.push_back(c.id);
    p.street_of[c.id] = static_cast<std::uint32_t>(s);
    p.number_in_street[c.id] = static_cast<std::uint16_t>(street.communities.size());
    p.built_day[c.id] =
        kFirstBuiltDay + static_cast<std::int64_t>(hash_keys(city.seed, kBuiltKey, c.id) %
                                                   static_cast<std::uint64_t>(kBuiltSpan));
  }
  return p;
}

exchange::BaseCode base_code(const City& city, const Places& places, const Meter& meter) {
  const Community& c = city.communities[meter.community];
  exchange::BaseCode code;
  code.county = district_code(c.district);
  code.street = places.streets[places.street_of[c.id]].number;
  code.community = places.number_in_street[c.id];
  code.kind = meter.kind;
  code.sequence = 1;
  if (meter.master) {
    // A building's supply meter (owner = building) or the community's (owner = community).
    if (meter.kind == EnergyKind::Electricity) {
      code.building = static_cast<std::uint16_t>(meter.owner - c.first_building + 1);
    }
    return code;
  }
  const User& u = city.users[meter.owner];
  const Building& b = city.buildings[u.building];
  code.building = static_cast<std::uint16_t>(b.id - c.first_building + 1);
  std::uint32_t floors = std::max<std::uint32_t>(1, b.floors);
  std::uint32_t per_floor = (b.user_count + floors - 1) / floors;
  std::uint32_t i = u.id - b.first_user;
  std::uint32_t floor = i / per_floor + 1;
  std::uint32_t position = i % per_floor;
  if (c.kind == CommunityKind::Residential) {
    // Two households per floor and unit (一梯两户).
    code.unit = static_cast<std::uint8_t>(position / 2 + 1);
    code.room = static_cast<std::uint16_t>(floor * 100 + position % 2 + 1);
  } else {
    code.unit = 0;
    code.room = static_cast<std::uint16_t>(floor * 100 + position + 1);
  }
  OMNI_CHECK(position < 99 && floor < 100 && code.unit < 100);
  return code;
}

char industry_section(Industry industry) {
  switch (industry) {
    case Industry::Residential:
      return ' ';
    case Industry::Industry:
      return 'C';  // 制造业
    case Industry::Commerce:
      return 'F';  // 批发和零售业
    case Industry::Education:
      return 'P';  // 教育
    case Industry::Health:
      return 'Q';  // 卫生和社会工作
    case Industry::Transport:
      return 'G';  // 交通运输、仓储和邮政业
    case Industry::Government:
      return 'S';  // 公共管理、社会保障和社会组织
    case Industry::Hospitality:
      return 'H';  // 住宿和餐饮业
  }
  return ' ';
}

std::uint8_t meter_type_of(EnergyKind kind) {
  switch (kind) {
    case EnergyKind::Water:
      return 0x10;
    case EnergyKind::Heat:
      return 0x20;
    case EnergyKind::Gas:
      return 0x30;
    case EnergyKind::Electricity:
      return 0x40;
  }
  return 0x40;
}

std::string_view protocol_name(MeterProtocol p) {
  switch (p) {
    case MeterProtocol::Dlt645_2007:
      return "dlt645-2007";
    case MeterProtocol::Dlt645_1997:
      return "dlt645-1997";
    case MeterProtocol::Cjt188_2004:
      return "cjt188-2004";
    case MeterProtocol::Cjt188_2018:
      return "cjt188-2018";
    case MeterProtocol::Dlt698:
      return "dlt698";
  }
  return "unknown";
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string_view archive_csv_header() {
  return "base_code,address,energy,protocol,concentrator,parent_code,customer_type,industry,"
         "key_user,remote,meter_type,multiplier,installed,removed,district,street,community,"
         "latitude,longitude";
}

void write_archive_csv(const City& city, const ArchiveOptions& options,
                       const std::function<void(std::string_view)>& sink) {
  Places places = assign_places(city);
  ConcentratorPlan plan = plan_concentrators(
      city, options.meters_per_concentrator,
      options.utility_field ? options.energy : std::optional<EnergyKind>());
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "{}\r\n", archive_csv_header());
  for (const Meter& m : city.meters) {
    if (options.energy && m.kind != *options.energy) continue;
    const Community& c = city.communities[m.community];
    const District& d = beijing_districts()[c.district];
    const Street& street = places.streets[places.street_of[c.id]];
    std::string parent;
    if (m.parent != kNoMeter) parent = base_code(city, places, city.meters[m.parent]).to_string();
    std::string concentrator;
    if (plan.concentrator_of[m.id] != kNoConcentrator) {
      concentrator = concentrator_address(plan.concentrator_of[m.id]).to_string();
    }
    exchange::CustomerType customer = customer_of(city, m);
    char industry = m.master ? kSupplySection : industry_section(city.users[m.owner].industry);
    // Key users (重点用户) are the businesses of a community designated for close monitoring,
    // with the community's supply meters; households are not.
    bool key_user = c.key_user && industry != ' ';
    fmt::format_to(
        std::back_inserter(out),
        "{},{},{},{},{},{},{},{},{},true,0x{:02X},1,{},,{},{},{},{:.6f},{:.6f}\r\n",
        base_code(city, places, m).to_string(), m.address.to_string(), energy_kind_name(m.kind),
        protocol_name(m.protocol), concentrator, parent,
        customer == exchange::CustomerType::Residential ? "residential" : "non-residential",
        industry == ' ' ? std::string() : std::string(1, industry), key_user ? "true" : "false",
        meter_type_of(m.kind), format_date(places.built_day[c.id]), csv_field(d.name_zh),
        csv_field(street.name), csv_field(c.name), c.latitude, c.longitude);
    if (out.size() > (256u << 10)) {
      sink(std::string_view(out.data(), out.size()));
      out.clear();
    }
  }
  if (out.size() > 0) sink(std::string_view(out.data(), out.size()));
}

}  // namespace omni::sim
