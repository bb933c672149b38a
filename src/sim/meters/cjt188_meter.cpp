#include "sim/meters/cjt188_meter.hpp"

#include <algorithm>

#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

namespace c = protocol::cjt188;

const TimeZone& beijing() { return TimeZone::shanghai(); }

// Water carries heat at about 1.163 kWh per m³ and kelvin; district heating runs a 10 K spread.
constexpr std::int64_t kKwhPerM3 = 1163;  // per 100 m³ at 10 K: 11.63 kWh/m³ × 100

// Supply heat meters at a substation measure megawatt-hours.
bool heat_in_mwh(const Meter& meter) { return meter.kind == EnergyKind::Heat && meter.master; }

c::Reading reading(std::int64_t mantissa, int scale, Unit unit, std::uint8_t code) {
  return {Quantity(mantissa, scale, unit), code};
}

std::optional<c::Frame> ok_or_none(Result<c::Frame> f) {
  if (!f) return std::nullopt;
  return *f;
}

}  // namespace

c::MeterType cjt188_type(const Meter& meter) {
  switch (meter.kind) {
    case EnergyKind::Water:
      return c::TypeCode::ColdWater;
    case EnergyKind::Gas:
      return c::TypeCode::Gas;
    case EnergyKind::Heat:
      return c::TypeCode::HeatHeating;
    case EnergyKind::Electricity:
      break;
  }
  return c::TypeCode::Electricity;
}

std::int64_t Cjt188Responder::shown_register(const Meter& meter, const Cjt188MeterState& state,
                                             std::int64_t interval) {
  if (state.valve_closed) interval = std::min(interval, state.closed_interval);
  if (meter.fault == MeterFault::ValveClosed) interval = std::min(interval, book_.origin());
  std::int64_t raw = book_.at(meter.id, interval).total() - state.withheld;
  // L -> 0.01 m³, Wh -> 0.01 kWh; a substation heat meter counts in 0.01 MWh. Eight digits
  // wrap at 999999.99, as the register of a real meter rolls over.
  std::int64_t shown = heat_in_mwh(meter) ? raw / 10'000 : raw / 10;
  return shown % 100'000'000;
}

std::int64_t Cjt188Responder::settlement_interval(const Cjt188MeterState& state, UtcTime meter_now,
                                                  int months_back) const {
  CivilTime t = beijing().to_local(meter_now);
  // The settlement this month has happened once its day has begun.
  int back = months_back - (t.day >= state.settlement_day ? 1 : 0);
  t.month -= back;
  while (t.month < 1) t.month += 12, --t.year;
  t.day = std::min<int>(state.settlement_day, days_in_month(t.year, t.month));
  t.hour = t.minute = t.second = 0;
  return interval_of(beijing().from_local(t));
}

c::MeterStatus Cjt188Responder::status(const Meter& meter, const Cjt188MeterState& state) const {
  c::MeterStatus s;
  s.valve = state.valve_closed || meter.fault == MeterFault::ValveClosed ? c::ValveState::Closed
                                                                         : c::ValveState::Open;
  s.battery_low = meter.fault == MeterFault::BatteryLow;
  s.raw = c::encode_status(s);
  return s;
}

Result<c::Frame> Cjt188Responder::meter_data(const Meter& meter, Cjt188MeterState& state,
                                             const c::Frame& request, UtcTime now) {
  c::MeterIdentity me{cjt188_type(meter), meter.address};
  UtcTime clock{now.seconds + state.clock_offset_s};
  std::int64_t k = interval_of(now);
  std::int64_t current = shown_register(meter, state, k);
  std::int64_t settled = shown_register(meter, state, settlement_interval(state, clock, 1));
  if (meter.kind != EnergyKind::Heat) {
    c::WaterGasData d;
    d.current = reading(current, 2, Unit::m3, 0x2C);
    d.settlement = reading(settled, 2, Unit::m3, 0x2C);
    d.meter_time = beijing().to_local(clock);
    d.status = status(meter, state);
    return c::make_meter_data_reply(me, request, d);
  }
  std::int64_t wh =
      state.valve_closed ? 0 : book_.model().usage(meter, std::max(k - 1, book_.origin())).metered;
  std::int64_t power_w = wh * 4;
  bool flowing = power_w > 0;
  std::uint64_t h =
      hash_keys(book_.model().city().seed, meter.id, static_cast<std::uint64_t>(k), 0x48);
  std::int64_t supply = flowing ? 4500 + static_cast<std::int64_t>(h % 1000)
                                : 2400 + static_cast<std::int64_t>(h % 200);
  c::HeatData d;
  Unit heat_unit = heat_in_mwh(meter) ? Unit::MWh : Unit::kWh;
  std::uint8_t heat_code = heat_in_mwh(meter) ? 0x08 : 0x05;
  d.settlement_heat = reading(settled, 2, heat_unit, heat_code);
  d.current_heat = reading(current, 2, heat_unit, heat_code);
  d.power = reading(power_w / 10, 2, Unit::kW, 0x17);                         // 0.01 kW
  d.flow_rate = reading(power_w * 10000 / 11630, 4, Unit::m3_per_h, 0x35);    // m³/h, 4 decimals
  std::int64_t kwh_x100 = heat_in_mwh(meter) ? current * 1000 : current;
  d.cumulative_flow = reading(kwh_x100 * 100 / kKwhPerM3 % 100'000'000, 2, Unit::m3, 0x2C);
  d.supply_temperature = Quantity(supply, 2, Unit::degC);
  d.return_temperature = Quantity(flowing ? supply - 1000 : supply - 50, 2, Unit::degC);
  d.working_hours = Quantity(20000 + (k - book_.origin()) / 4, 0, Unit::Hour);
  d.meter_time = beijing().to_local(clock);
  d.status = status(meter, state);
  return c::make_heat_data_reply(me, request, d);
}

std::optional<c::Frame> Cjt188Responder::handle(const Meter& meter, Cjt188MeterState& state,
                                                const c::Frame& request, UtcTime now) {
  c::MeterIdentity me{cjt188_type(meter), meter.address};
  if (request.control.from_meter || !c::addressed_to(request, me)) return std::nullopt;
  auto req = c::parse_request(request);
  if (!req) return c::make_abnormal_reply(me, request, status(meter, state));
  const c::DataId* id = c::find_data_id(req->di);
  std::int64_t k = interval_of(now);

  if (std::holds_alternative<c::ReadAddressRequest>(req->body))
    return c::make_address_reply(me, request);
  if (std::holds_alternative<c::ReadRequest>(req->body) && id != nullptr) {
    UtcTime clock{now.seconds + state.clock_offset_s};
    switch (id->kind) {
      case c::DataKind::MeterData:
        return ok_or_none(meter_data(meter, state, request, now));
      case c::DataKind::History: {
        int back = req->di - c::kDiHistoryFirst + 1;
        std::int64_t v = shown_register(meter, state, settlement_interval(state, clock, back));
        bool heat = meter.kind == EnergyKind::Heat;
        Unit unit = heat_in_mwh(meter) ? Unit::MWh : heat ? Unit::kWh : Unit::m3;
        std::uint8_t code = heat_in_mwh(meter) ? 0x08 : heat ? 0x05 : 0x2C;
        return ok_or_none(c::make_history_reply(me, request, reading(v, 2, unit, code)));
      }
      case c::DataKind::SettlementDay:
        return ok_or_none(c::make_day_reply(me, request, state.settlement_day));
      default:
        break;
    }
  }
  if (const auto* t = std::get_if<c::WriteTimeRequest>(&req->body)) {
    state.clock_offset_s =
        static_cast<std::int32_t>(beijing().from_local(t->time).seconds - now.seconds);
    return c::make_write_ack(me, request);
  }
  if (const auto* day = std::get_if<c::WriteDayRequest>(&req->body);
      day && req->di == c::kDiWriteSettlementDay) {
    state.settlement_day = day->day;
    return c::make_write_ack(me, request);
  }
  if (const auto* v = std::get_if<c::ValveRequest>(&req->body)) {
    bool close = v->command == static_cast<std::uint8_t>(c::ValveCommand::Close);
    bool open = v->command == static_cast<std::uint8_t>(c::ValveCommand::Open);
    if (meter.fault == MeterFault::ValveClosed || (!open && !close)) {
      return c::make_abnormal_reply(me, request, status(meter, state), true);
    }
    if (close && !state.valve_closed) {
      state.valve_closed = true;
      state.closed_interval = k;
    } else if (open && state.valve_closed) {
      // Water that would have flowed while the valve was shut never reached the register.
      state.withheld +=
          book_.at(meter.id, k).total() - book_.at(meter.id, state.closed_interval).total();
      state.valve_closed = false;
      state.closed_interval = -1;
    }
    return c::make_write_ack(me, request, status(meter, state));
  }
  return c::make_abnormal_reply(me, request, status(meter, state), request.has_di);
}

}  // namespace omni::sim
