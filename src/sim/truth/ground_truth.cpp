#include "sim/truth/ground_truth.hpp"

#include <fmt/format.h>
#include <fmt/os.h>

#include <cmath>

#include "sim/archive/archive.hpp"

namespace omni::sim {
namespace {

std::string_view kind_name(CommunityKind k) {
  switch (k) {
    case CommunityKind::Residential:
      return "residential";
    case CommunityKind::CommercialComplex:
      return "commercial_complex";
    case CommunityKind::EnterprisePark:
      return "enterprise_park";
    case CommunityKind::RuralVillage:
      return "rural_village";
  }
  return "unknown";
}

std::string_view method_name(ReadingMethod m) {
  switch (m) {
    case ReadingMethod::Direct:
      return "direct";
    case ReadingMethod::Pulse:
      return "pulse";
    case ReadingMethod::Camera:
      return "camera";
  }
  return "unknown";
}

std::string_view fault_name(MeterFault f) {
  switch (f) {
    case MeterFault::None:
      return "";
    case MeterFault::StuckRegister:
      return "stuck_register";
    case MeterFault::Rollover:
      return "rollover";
    case MeterFault::ReverseStep:
      return "reverse_step";
    case MeterFault::BatteryLow:
      return "battery_low";
    case MeterFault::ValveClosed:
      return "valve_closed";
    case MeterFault::ClockDrift:
      return "clock_drift";
  }
  return "unknown";
}

std::string labels_text(std::uint16_t labels) {
  static constexpr std::pair<Label, std::string_view> kNames[] = {
      {kVacant, "vacant"},        {kElderlyAlone, "elderly_alone"},
      {kWaterLeak, "water_leak"}, {kGasLeak, "gas_leak"},
      {kTheft, "theft"},          {kSpike, "spike"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (labels & bit) {
      if (!out.empty()) out += '|';
      out += name;
    }
  }
  return out;
}

std::string date_text(std::int64_t day) { return format_date(day); }

std::string iso_utc(std::int64_t seconds) {
  std::int64_t day = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  std::int64_t s = seconds - day * 86400;
  return fmt::format("{}T{:02}:{:02}:00Z", date_text(day), s / 3600, s / 60 % 60);
}

// Opens `dir/name`, writes through `body`, closes; fmt's file reports errors by exception,
// which this turns into an Io error naming the file.
template <class Body>
Status write_file(const std::filesystem::path& dir, std::string_view name, Body&& body) {
  auto path = dir / name;
  try {
    auto out = fmt::output_file(path.string());
    body(out);
    out.close();
  } catch (const std::exception& e) {
    return fail(ErrorCode::Io, fmt::format("{}: {}", path.string(), e.what()));
  }
  return ok();
}

}  // namespace

Status write_ground_truth(const ConsumptionModel& model, const TruthSpan& span,
                          const std::filesystem::path& dir) {
  if (span.step < 1 || span.to_interval < span.from_interval) {
    return fail(ErrorCode::OutOfRange, "ground truth span: step >= 1 and from <= to");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::Io, fmt::format("{}: {}", dir.string(), ec.message()));
  const City& city = model.city();

  OMNI_TRY(write_file(dir, "communities.csv", [&](auto& out) {
    out.print("id,district_code,district,kind,key_user,name,latitude,longitude\n");
    for (const auto& c : city.communities) {
      const District& d = beijing_districts()[c.district];
      out.print("{},{},{},{},{},{},{:.5f},{:.5f}\n", c.id, d.code, d.name_zh, kind_name(c.kind),
                c.key_user ? 1 : 0, c.name, c.latitude, c.longitude);
    }
  }));
  OMNI_TRY(write_file(dir, "buildings.csv", [&](auto& out) {
    out.print("id,community,floors,district_heating,heat_metered\n");
    for (const auto& b : city.buildings) {
      out.print("{},{},{},{},{}\n", b.id, b.community, b.floors, b.district_heating ? 1 : 0,
                b.heat_metered ? 1 : 0);
    }
  }));
  OMNI_TRY(write_file(dir, "users.csv", [&](auto& out) {
    out.print("id,building,industry,occupants,floor_area_m2,labels,theft_from,spike_from\n");
    for (const auto& u : city.users) {
      std::string theft = (u.labels & kTheft) ? date_text(model.label_start_day(u, kTheft)) : "";
      std::string spike = (u.labels & kSpike) ? date_text(model.label_start_day(u, kSpike)) : "";
      out.print("{},{},{},{},{},{},{},{}\n", u.id, u.building, industry_name(u.industry),
                u.occupants, u.size, labels_text(u.labels), theft, spike);
    }
  }));
  OMNI_TRY(write_file(dir, "meters.csv", [&](auto& out) {
    out.print("id,kind,protocol,method,fault,master,iot,owner,parent,address\n");
    for (const auto& m : city.meters) {
      out.print("{},{},{},{},{},{},{},{},{},{}\n", m.id, energy_kind_name(m.kind),
                protocol_name(m.protocol), method_name(m.method), fault_name(m.fault),
                m.master ? 1 : 0, m.iot ? 1 : 0, m.owner,
                m.parent == kNoMeter ? std::string() : std::to_string(m.parent),
                m.address.to_string());
    }
  }));
  OMNI_TRY(write_file(dir, "weather.csv", [&](auto& out) {
    out.print("hour_start_utc,temperature_c\n");
    for (std::int64_t k = span.from_interval - span.from_interval % 4; k < span.to_interval;
         k += 4) {
      double t = model.weather().temperature_c(interval_start(k) + 1800);
      out.print("{},{:.1f}\n", iso_utc(interval_start(k).seconds), t);
    }
  }));
  OMNI_TRY(write_file(dir, "usage.csv", [&](auto& out) {
    out.print("meter_id,interval_start_utc,actual,metered\n");
    for (const auto& m : city.meters) {
      for (std::int64_t k = span.from_interval; k < span.to_interval; k += span.step) {
        std::int64_t actual = 0, metered = 0;
        for (std::int64_t j = k; j < std::min(k + span.step, span.to_interval); ++j) {
          auto u = model.usage(m, j);
          actual += u.actual;
          metered += u.metered;
        }
        out.print("{},{},{},{}\n", m.id, interval_start(k).seconds, actual, metered);
      }
    }
  }));
  return write_file(dir, "incidents.csv", [&](auto& out) {
    out.print("user_id,date,inactive_from_hour\n");
    std::int64_t first_day = (span.from_interval * kIntervalSeconds + 8 * 3600) / 86400;
    std::int64_t last_day = (span.to_interval * kIntervalSeconds + 8 * 3600) / 86400;
    for (const auto& u : city.users) {
      for (std::int64_t day = first_day; (u.labels & kElderlyAlone) && day <= last_day; ++day) {
        int from = 0;
        if (model.elderly_incident(u, day, &from))
          out.print("{},{},{}\n", u.id, date_text(day), from);
      }
    }
  });
}

}  // namespace omni::sim
