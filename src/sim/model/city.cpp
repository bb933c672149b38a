#include "sim/model/city.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>

#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

// GB/T 2260 codes of Beijing's districts; residents from the 7th census (2020), ten-thousands;
// centre coordinates of each district's seat.
constexpr District kDistricts[] = {
    {"110101", "东城区", "Dongcheng", 70.9, 39.928, 116.416, true},
    {"110102", "西城区", "Xicheng", 110.6, 39.912, 116.366, true},
    {"110105", "朝阳区", "Chaoyang", 345.2, 39.921, 116.486, true},
    {"110106", "丰台区", "Fengtai", 201.9, 39.858, 116.287, true},
    {"110107", "石景山区", "Shijingshan", 56.8, 39.906, 116.223, true},
    {"110108", "海淀区", "Haidian", 313.3, 39.960, 116.298, true},
    {"110109", "门头沟区", "Mentougou", 39.3, 39.940, 116.102, false},
    {"110111", "房山区", "Fangshan", 131.3, 39.736, 116.139, false},
    {"110112", "通州区", "Tongzhou", 184.0, 39.902, 116.657, false},
    {"110113", "顺义区", "Shunyi", 132.4, 40.128, 116.654, false},
    {"110114", "昌平区", "Changping", 226.9, 40.218, 116.235, false},
    {"110115", "大兴区", "Daxing", 199.4, 39.729, 116.338, false},
    {"110116", "怀柔区", "Huairou", 44.1, 40.324, 116.637, false},
    {"110117", "平谷区", "Pinggu", 45.7, 40.144, 117.112, false},
    {"110118", "密云区", "Miyun", 52.8, 40.377, 116.843, false},
    {"110119", "延庆区", "Yanqing", 34.6, 40.465, 115.985, false},
};

constexpr std::string_view kNameStems[] = {
    "望京", "双井", "安贞", "和平", "育新", "金台", "华威", "百子湾", "阳光", "翠微",
    "紫竹", "清河", "天通", "荣丰", "远洋", "首开", "青年", "松榆",   "芳古", "永泰",
    "西山", "枫林", "锦绣", "丽泽", "长安", "新华", "朝阳", "万泉",   "龙泽", "北苑",
};
constexpr std::string_view kResidentialSuffixes[] = {"家园", "小区", "里",  "苑",
                                                     "花园", "嘉园", "新村"};

struct Builder {
  const CitySpec& spec;
  Rng rng;
  City city;

  std::uint32_t add_meter(EnergyKind kind, bool master, std::uint32_t owner, std::uint32_t parent,
                          std::uint32_t community, bool battery_powered) {
    Meter m{};
    m.id = static_cast<std::uint32_t>(city.meters.size());
    m.kind = kind;
    m.master = master;
    m.owner = owner;
    m.parent = parent;
    m.community = community;
    m.iot = !master && rng.chance(0.02);
    m.protocol = pick_protocol(kind, m.iot);
    m.method = pick_method(kind);
    m.fault = pick_fault(kind, battery_powered);
    m.address = make_address(m);
    city.meters.push_back(m);
    return m.id;
  }

  MeterProtocol pick_protocol(EnergyKind kind, bool iot) {
    if (kind == EnergyKind::Electricity) {
      if (iot) return MeterProtocol::Dlt698;
      return rng.chance(0.03) ? MeterProtocol::Dlt645_1997 : MeterProtocol::Dlt645_2007;
    }
    return rng.chance(0.45) ? MeterProtocol::Cjt188_2018 : MeterProtocol::Cjt188_2004;
  }

  ReadingMethod pick_method(EnergyKind kind) {
    if (kind == EnergyKind::Water) {
      double u = rng.uniform();
      return u < 0.70   ? ReadingMethod::Direct
             : u < 0.95 ? ReadingMethod::Pulse
                        : ReadingMethod::Camera;
    }
    if (kind == EnergyKind::Gas)
      return rng.chance(0.2) ? ReadingMethod::Pulse : ReadingMethod::Direct;
    return ReadingMethod::Direct;
  }

  MeterFault pick_fault(EnergyKind kind, bool battery_powered) {
    if (!rng.chance(0.006)) return MeterFault::None;
    std::array<MeterFault, 6> options = {MeterFault::StuckRegister, MeterFault::Rollover,
                                         MeterFault::ReverseStep,   MeterFault::ClockDrift,
                                         MeterFault::BatteryLow,    MeterFault::ValveClosed};
    std::size_t n = 4;
    if (battery_powered) n = 5;
    if (kind == EnergyKind::Water || kind == EnergyKind::Gas) n = 6;
    return options[rng.below(n)];
  }

  // Electricity (and DL/T 698.45 IoT) meters: 12 digits "11" + district + 8-digit serial.
  // CJ/T 188 meters: 14 digits, the first four the manufacturer code (A6 A5 on the wire).
  MeterAddress make_address(const Meter& m) {
    const auto& community = city.communities[m.community];
    std::string digits;
    if (m.kind == EnergyKind::Electricity) {
      digits = fmt::format("11{:02}{:08}", community.district, m.id);
    } else {
      static constexpr std::string_view kMaker[] = {"7833", "3300", "2500"};
      std::size_t k = m.kind == EnergyKind::Water ? 0 : m.kind == EnergyKind::Gas ? 1 : 2;
      digits = fmt::format("{}{:010}", kMaker[k], m.id);
    }
    return *MeterAddress::from_digits(digits);
  }

  std::uint8_t pick_district() {
    double total = 0;
    for (const auto& d : kDistricts) total += d.residents_10k;
    double x = rng.uniform() * total;
    for (std::size_t i = 0; i < std::size(kDistricts); ++i) {
      x -= kDistricts[i].residents_10k;
      if (x < 0) return static_cast<std::uint8_t>(i);
    }
    return static_cast<std::uint8_t>(std::size(kDistricts) - 1);
  }

  CommunityKind pick_kind(bool urban) {
    double u = rng.uniform();
    if (urban) {
      return u < 0.84   ? CommunityKind::Residential
             : u < 0.93 ? CommunityKind::CommercialComplex
             : u < 0.98 ? CommunityKind::EnterprisePark
                        : CommunityKind::RuralVillage;
    }
    return u < 0.70   ? CommunityKind::Residential
           : u < 0.76 ? CommunityKind::CommercialComplex
           : u < 0.84 ? CommunityKind::EnterprisePark
                      : CommunityKind::RuralVillage;
  }

  std::string community_name(const District& d, CommunityKind kind) {
    std::string_view stem = kNameStems[rng.below(std::size(kNameStems))];
    unsigned n = static_cast<unsigned>(rng.below(9)) + 1;
    switch (kind) {
      case CommunityKind::Residential:
        return fmt::format("{}{}{}{}", d.name_zh, stem,
                           kResidentialSuffixes[rng.below(std::size(kResidentialSuffixes))],
                           n > 5 ? fmt::format("{}区", n - 5) : "");
      case CommunityKind::CommercialComplex:
        return fmt::format("{}{}广场", d.name_zh, stem);
      case CommunityKind::EnterprisePark:
        return fmt::format("{}{}科技园", d.name_zh, stem);
      case CommunityKind::RuralVillage:
        return fmt::format("{}{}村", d.name_zh, stem);
    }
    return std::string(stem);
  }

  Industry pick_industry(CommunityKind kind) {
    static constexpr Industry kComplex[] = {Industry::Commerce, Industry::Commerce,
                                            Industry::Hospitality, Industry::Health,
                                            Industry::Commerce};
    static constexpr Industry kPark[] = {Industry::Industry,  Industry::Industry,
                                         Industry::Commerce,  Industry::Education,
                                         Industry::Transport, Industry::Government};
    if (kind == CommunityKind::CommercialComplex) return kComplex[rng.below(std::size(kComplex))];
    return kPark[rng.below(std::size(kPark))];
  }

  std::uint16_t household_labels(std::uint8_t& occupants) {
    std::uint16_t labels = 0;
    if (rng.chance(0.06)) {
      labels |= kVacant;
      occupants = 0;
    } else if (occupants == 1 && rng.chance(0.35)) {
      labels |= kElderlyAlone;
    }
    if (rng.chance(0.006)) labels |= kWaterLeak;
    if (rng.chance(0.0015)) labels |= kGasLeak;
    if (rng.chance(0.003)) labels |= kTheft;
    if (rng.chance(0.01)) labels |= kSpike;
    return labels;
  }

  bool full() const { return city.meters.size() >= spec.meters; }

  void add_user(Building& b, Community& c, std::uint32_t elec_master, std::uint32_t water_master,
                std::uint32_t gas_master, std::uint32_t heat_master) {
    User u{};
    u.id = static_cast<std::uint32_t>(city.users.size());
    u.building = b.id;
    bool household = c.kind == CommunityKind::Residential || c.kind == CommunityKind::RuralVillage;
    if (household) {
      static constexpr double kOccupants[] = {0.18, 0.33, 0.27, 0.14, 0.08};  // 1..5 persons
      double x = rng.uniform();
      u.occupants = 5;
      for (int i = 0; i < 5; ++i) {
        x -= kOccupants[i];
        if (x < 0) {
          u.occupants = static_cast<std::uint8_t>(i + 1);
          break;
        }
      }
      u.industry = Industry::Residential;
      u.labels = household_labels(u.occupants);
      u.size = static_cast<std::uint16_t>(45 + rng.below(100));
    } else {
      u.industry = pick_industry(c.kind);
      u.labels = static_cast<std::uint16_t>((rng.chance(0.005) ? kTheft : 0) |
                                            (rng.chance(0.02) ? kSpike : 0) |
                                            (rng.chance(0.01) ? kWaterLeak : 0));
      u.size = static_cast<std::uint16_t>(80 + rng.below(3000));
    }
    city.users.push_back(u);
    ++b.user_count;
    add_meter(EnergyKind::Electricity, false, u.id, elec_master, c.id, false);
    add_meter(EnergyKind::Water, false, u.id, water_master, c.id, true);
    bool has_gas = household
                       ? (c.kind == CommunityKind::Residential ? rng.chance(0.92) : rng.chance(0.4))
                       : u.industry == Industry::Hospitality || rng.chance(0.15);
    if (has_gas) add_meter(EnergyKind::Gas, false, u.id, gas_master, c.id, true);
    if (b.heat_metered) add_meter(EnergyKind::Heat, false, u.id, heat_master, c.id, true);
  }

  void add_building(Community& c, std::uint32_t water_master, std::uint32_t gas_master,
                    std::uint32_t heat_master) {
    Building b{};
    b.id = static_cast<std::uint32_t>(city.buildings.size());
    b.community = c.id;
    bool rural = c.kind == CommunityKind::RuralVillage;
    b.floors =
        static_cast<std::uint8_t>(rural                                  ? 1
                                  : c.kind == CommunityKind::Residential ? 6 + rng.below(23)
                                                                         : 2 + rng.below(10));
    b.district_heating = !rural && rng.chance(0.85);
    b.heat_metered = b.district_heating && c.kind == CommunityKind::Residential && rng.chance(0.3);
    b.first_user = static_cast<std::uint32_t>(city.users.size());
    std::uint32_t elec_master =
        add_meter(EnergyKind::Electricity, true, b.id, kNoMeter, c.id, false);
    std::uint32_t users = rural ? 1 + static_cast<std::uint32_t>(rng.below(2))
                          : c.kind == CommunityKind::Residential
                              ? b.floors * (1 + static_cast<std::uint32_t>(rng.below(3))) * 2
                              : 4 + static_cast<std::uint32_t>(rng.below(30));
    for (std::uint32_t i = 0; i < users && !full(); ++i) {
      add_user(b, c, elec_master, water_master, gas_master, heat_master);
    }
    city.buildings.push_back(b);
    ++c.building_count;
  }

  void add_community() {
    Community c{};
    c.id = static_cast<std::uint32_t>(city.communities.size());
    c.district = pick_district();
    const District& d = kDistricts[c.district];
    c.kind = pick_kind(d.urban);
    c.key_user = c.kind == CommunityKind::Residential ? rng.chance(0.05) : rng.chance(0.4);
    c.name = community_name(d, c.kind);
    c.latitude = d.latitude + rng.uniform(-0.04, 0.04);
    c.longitude = d.longitude + rng.uniform(-0.05, 0.05);
    c.first_building = static_cast<std::uint32_t>(city.buildings.size());
    city.communities.push_back(c);
    Community& cc = city.communities.back();
    // Community supply meters: water and gas at the gate, heat at the substation.
    std::uint32_t water_master = add_meter(EnergyKind::Water, true, c.id, kNoMeter, c.id, false);
    std::uint32_t gas_master = add_meter(EnergyKind::Gas, true, c.id, kNoMeter, c.id, false);
    std::uint32_t heat_master =
        cc.kind == CommunityKind::RuralVillage
            ? kNoMeter
            : add_meter(EnergyKind::Heat, true, c.id, kNoMeter, c.id, false);
    std::uint32_t buildings =
        cc.kind == CommunityKind::RuralVillage  ? 10 + static_cast<std::uint32_t>(rng.below(30))
        : cc.kind == CommunityKind::Residential ? 3 + static_cast<std::uint32_t>(rng.below(10))
                                                : 1 + static_cast<std::uint32_t>(rng.below(5));
    for (std::uint32_t i = 0; i < buildings && !full(); ++i) {
      add_building(city.communities.back(), water_master, gas_master, heat_master);
    }
  }
};

}  // namespace

std::span<const District> beijing_districts() { return kDistricts; }

std::string_view industry_name(Industry i) {
  switch (i) {
    case Industry::Residential:
      return "residential";
    case Industry::Industry:
      return "industry";
    case Industry::Commerce:
      return "commerce";
    case Industry::Education:
      return "education";
    case Industry::Health:
      return "health";
    case Industry::Transport:
      return "transport";
    case Industry::Government:
      return "government";
    case Industry::Hospitality:
      return "hospitality";
  }
  return "unknown";
}

std::size_t City::count(EnergyKind kind) const {
  return static_cast<std::size_t>(std::count_if(meters.begin(), meters.end(),
                                                [kind](const Meter& m) { return m.kind == kind; }));
}

City generate_city(const CitySpec& spec) {
  Builder b{spec, Rng(mix64(spec.seed)), {}};
  b.city.seed = spec.seed;
  b.city.meters.reserve(spec.meters + 64);
  b.city.users.reserve(spec.meters / 3 + 16);
  while (!b.full()) b.add_community();
  return std::move(b.city);
}

}  // namespace omni::sim
