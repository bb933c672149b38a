#include "sim/meters/dlt645_meter.hpp"

#include <algorithm>
#include <cmath>

#include "protocol/dlt645/data_items.hpp"
#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

namespace d = protocol::dlt645;
using Bytes = std::vector<std::uint8_t>;

constexpr std::int64_t kRolloverStart = 99'995'000;  // 999950.00 kWh in 0.01 kWh
constexpr std::int64_t kRegisterModulus = 100'000'000;
constexpr std::int64_t kReverseStep = 5'000;  // 50.00 kWh
constexpr std::int64_t kDriftPerDay = 3;      // seconds

const TimeZone& beijing() { return TimeZone::shanghai(); }

// The day (since the origin) a meter's fault shows up, fixed per meter.
std::int64_t fault_day(const RegisterBook& book, const Meter& meter) {
  return static_cast<std::int64_t>(hash_keys(book.model().city().seed, 0x4641554Cull, meter.id) %
                                   60);
}

std::optional<d::Frame> reply_or_none(Result<d::Frame> f) {
  if (!f) return std::nullopt;
  return *f;
}

// Appends one value of `item` (Quantity in its unit) to `out`.
bool put_quantity(const d::DataItem& item, std::int64_t mantissa, int scale, Bytes& out) {
  std::uint8_t buf[8] = {};
  Quantity q(mantissa, scale, item.unit);
  if (!d::encode_quantity(item, q, buf)) return false;
  out.insert(out.end(), buf, buf + (item.format == d::ValueFormat::DemandTime ? 3 : item.bytes));
  return true;
}

void put_bcd_time5(const CivilTime& t, Bytes& out) {  // mm hh DD MM YY
  for (int v : {t.minute, t.hour, t.day, t.month, t.year % 100}) {
    out.push_back(to_bcd_byte(static_cast<unsigned>(v)));
  }
}

}  // namespace

Dlt645Responder::Dlt645Responder(RegisterBook& book, d::Password password)
    : book_(book), password_(password) {}

bool Dlt645Responder::password_ok(const d::Password& given) const { return given == password_; }

UtcTime Dlt645Responder::meter_clock(const Meter& meter, const Dlt645MeterState& state,
                                     UtcTime now) const {
  std::int64_t t = now.seconds + state.clock_offset_s;
  if (meter.fault == MeterFault::ClockDrift) {
    std::int64_t days = (interval_of(now) - book_.origin()) / kIntervalsPerDay;
    t += std::max<std::int64_t>(days, 0) * kDriftPerDay;
  }
  return {t};
}

std::array<std::int64_t, 5> Dlt645Responder::shown_registers(const Meter& meter,
                                                             const Dlt645MeterState& state,
                                                             std::int64_t interval) {
  std::int64_t fault_at = book_.origin() + fault_day(book_, meter) * kIntervalsPerDay;
  if (meter.fault == MeterFault::StuckRegister) interval = std::min(interval, fault_at);
  if (state.relay_open) interval = std::min(interval, state.opened_interval);
  Registers r = book_.at(meter.id, interval);
  std::array<std::int64_t, 5> wh{};
  for (std::size_t i = 0; i < 4; ++i) {
    wh[i + 1] = r.by_tariff[i] - state.cleared[i];
    wh[0] += wh[i + 1];
  }
  std::array<std::int64_t, 5> shown{};
  for (std::size_t i = 0; i < 5; ++i) {
    std::int64_t v = wh[i] / 10;
    // The faults act on the total and on the flat tariff, where most energy is counted.
    bool faulted = i == 0 || i == 3;
    if (faulted && meter.fault == MeterFault::Rollover) v += kRolloverStart;
    if (faulted && meter.fault == MeterFault::ReverseStep && interval >= fault_at) v -= kReverseStep;
    shown[i] = ((v % kRegisterModulus) + kRegisterModulus) % kRegisterModulus;
  }
  return shown;
}

std::optional<d::Frame> Dlt645Responder::handle(const Meter& meter, Dlt645MeterState& state,
                                                const d::Frame& request, UtcTime now) {
  auto req = d::parse_request(request);
  if (!req) {
    // A frame a meter cannot parse is dropped on a real bus; an unknown function gets the
    // abnormal reply so the master knows it was heard.
    if (req.error().code == ErrorCode::Unsupported &&
        d::addressed_to(request.address, meter.address) && !request.address.is_broadcast()) {
      return d::error_reply(meter.address, request.control.function, {d::ErrorWord::kOther});
    }
    return std::nullopt;
  }
  if (!d::addressed_to(req->address, meter.address)) return std::nullopt;
  bool broadcast = req->address.is_broadcast();
  bool v1997 = meter.protocol == MeterProtocol::Dlt645_1997;
  if (v1997 != (req->edition == d::Edition::V1997)) return std::nullopt;  // wrong dialect: silence

  switch (static_cast<d::Function>(req->function)) {
    case d::Function::BroadcastTime: {
      // A meter accepts a broadcast correction of at most five minutes (once a day in the field).
      std::int64_t wanted = beijing().from_local(req->time).seconds;
      std::int64_t shown = meter_clock(meter, state, now).seconds;
      if (std::llabs(wanted - shown) <= 300)
        state.clock_offset_s += static_cast<std::int32_t>(wanted - shown);
      return std::nullopt;
    }
    case d::Function::ReadData:
    case d::Function::ReadFollowUp:
      if (broadcast) return std::nullopt;
      return read(meter, state, *req, now);
    case d::Function::Read1997:
      if (broadcast) return std::nullopt;
      return read_1997(meter, state, *req, now);
    case d::Function::ReadAddress:
      if (!req->address.is_wildcard()) return std::nullopt;
      return d::read_address_reply(meter.address);
    case d::Function::WriteData:
      if (broadcast) return std::nullopt;
      return write(meter, state, *req, now);
    case d::Function::Freeze:
      return broadcast ? std::nullopt : reply_or_none(d::ack_reply(meter.address, req->function));
    case d::Function::ChangeBaud: {
      auto bps = d::baud_from_code(req->baud);
      if (!bps || *bps < 1200 || *bps > 9600) {
        return d::error_reply(meter.address, req->function, {d::ErrorWord::kBaudFixed});
      }
      state.baud_code = req->baud;
      return reply_or_none(d::ack_reply(meter.address, req->function, std::span(&req->baud, 1)));
    }
    case d::Function::ChangePassword:
    case d::Function::ClearDemand:
    case d::Function::ClearEvents:
      if (!password_ok(req->password)) {
        return d::error_reply(meter.address, req->function, {d::ErrorWord::kBadPassword});
      }
      return reply_or_none(d::ack_reply(meter.address, req->function));
    case d::Function::ClearMeter: {
      if (!password_ok(req->password)) {
        return d::error_reply(meter.address, req->function, {d::ErrorWord::kBadPassword});
      }
      Registers r = book_.at(meter.id, interval_of(now));
      state.cleared = r.by_tariff;
      return reply_or_none(d::ack_reply(meter.address, req->function));
    }
    case d::Function::RemoteControl:
      return remote_control(meter, state, *req, now);
    default:
      return d::error_reply(meter.address, req->function, {d::ErrorWord::kOther});
  }
}

std::optional<d::Frame> Dlt645Responder::read(const Meter& meter, Dlt645MeterState& state,
                                              const d::Request& req, UtcTime now) {
  const d::DataItem* item = d::find_item(req.di);
  if (item == nullptr) return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
  std::uint32_t di = req.di;
  std::uint8_t di3 = static_cast<std::uint8_t>(di >> 24), di2 = static_cast<std::uint8_t>(di >> 16);
  std::uint8_t di1 = static_cast<std::uint8_t>(di >> 8), di0 = static_cast<std::uint8_t>(di);
  std::int64_t k = interval_of(now);
  CivilTime clock = beijing().to_local(meter_clock(meter, state, now));
  Bytes value;
  bool ok = true;

  auto energy_at = [&](std::int64_t interval, Bytes& out, std::uint8_t tariff_sel, int share_pct) {
    auto regs = shown_registers(meter, state, interval);
    auto one = [&](std::int64_t v) { ok = ok && put_quantity(*item, v * share_pct / 100, 2, out); };
    if (tariff_sel == 0xFF) {
      for (auto v : regs) one(v);
    } else {
      one(regs[tariff_sel]);
    }
  };

  if (di3 == 0x00) {
    // Energy; DI0 = settlement day n back: 00:00 on the 1st of the month, n months ago.
    std::int64_t at = k;
    if (di0 > 0) {
      CivilTime first = clock;
      first.day = 1;
      first.hour = first.minute = first.second = 0;
      first.month -= di0 - 1;
      while (first.month < 1) {
        first.month += 12;
        --first.year;
      }
      at = interval_of(beijing().from_local(first));
    }
    int share = di2 <= 0x01 ? 100 : di2 == 0x02 ? 0 : di2 <= 0x04 ? 30 : 8;
    energy_at(at, value, di1, share);
  } else if (di3 == 0x01) {
    // Maximum demand of the day so far: the largest 15-minute average, with its time.
    std::int64_t day_start = interval_of(start_of_day(now, beijing()));
    std::int64_t best = 0, best_k = day_start;
    for (std::int64_t j = day_start; j < k; ++j) {
      std::int64_t used = book_.model().usage(meter, j).metered;
      if (used > best) best = used, best_k = j;
    }
    std::int64_t reverse = di2 == 0x02 ? 0 : 1;
    ok = put_quantity(*item, best * 4 * 10 * reverse, 4, value);  // Wh per 15 min -> 0.0001 kW
    put_bcd_time5(beijing().to_local(interval_start(best_k)), value);
  } else if (di3 == 0x02) {
    std::int64_t used = book_.model().usage(meter, std::max(k - 1, book_.origin())).metered;
    std::int64_t watts = state.relay_open ? 0 : used * 4;
    std::uint64_t h =
        hash_keys(book_.model().city().seed, meter.id, static_cast<std::uint64_t>(k), 0x56);
    std::int64_t volts_x10 = 2200 + static_cast<std::int64_t>(h % 130) - 60;  // 214.0 .. 226.9 V
    auto absent = [&](std::size_t n) { value.insert(value.end(), n, 0xFF); };
    switch (di2) {
      case 0x01:  // voltage, 0.1 V
        if (di1 == 0x01 || di1 == 0xFF) ok = put_quantity(*item, volts_x10, 1, value);
        if (di1 == 0xFF) absent(4);
        if (di1 == 0x02 || di1 == 0x03) absent(2);
        break;
      case 0x02:  // current, 0.001 A
        if (di1 == 0x01 || di1 == 0xFF)
          ok = put_quantity(*item, watts * 10000 / volts_x10, 3, value);
        if (di1 == 0xFF) absent(6);
        if (di1 == 0x02 || di1 == 0x03) absent(3);
        break;
      case 0x03:
      case 0x04:
      case 0x05: {  // power, 0.0001 kW
        std::int64_t p = di2 == 0x03 ? watts * 10 : di2 == 0x04 ? watts * 3 : watts * 105 / 10;
        for (int i = 0; i < item->count && ok; ++i)
          ok = put_quantity(*item, i <= 1 ? p : 0, 4, value);
        break;
      }
      case 0x06:  // power factor, 0.001
        ok = put_quantity(*item, 950 + static_cast<std::int64_t>(h % 40), 3, value);
        break;
      case 0x80:
        if (di0 == 0x02)
          ok = put_quantity(*item, 5000 + static_cast<std::int64_t>(h % 11) - 5, 2, value);
        else
          ok = put_quantity(*item, 0, 3, value);
        break;
      default:
        ok = false;
    }
  } else if (di == 0x03110000) {
    ok = put_quantity(*item, static_cast<std::int64_t>(hash_keys(meter.id, 0x5044) % 4), 0, value);
  } else if (item->format == d::ValueFormat::Date || item->format == d::ValueFormat::Time) {
    std::uint8_t buf[4] = {};
    ok = d::encode_civil_time(*item, clock, buf).has_value();
    value.insert(value.end(), buf, buf + item->bytes);
  } else if (item->format == d::ValueFormat::Digits) {
    std::uint8_t buf[6] = {};
    ok = meter.address.to_wire(buf, ByteOrder::LittleEndian).has_value();
    value.insert(value.end(), buf, buf + 6);
  } else if (di == 0x04000409) {
    ok = put_quantity(*item, 1200, 0, value);
  } else if (di2 == 0x00 && di1 == 0x05) {
    // Status words; word 3 bit 4 = relay open, bit 6 = keep-power (2007 appendix).
    std::uint16_t word = 0;
    if (di0 == 0x03)
      word =
          static_cast<std::uint16_t>((state.relay_open ? 0x10 : 0) | (state.keep_power ? 0x40 : 0));
    value = {static_cast<std::uint8_t>(word), static_cast<std::uint8_t>(word >> 8)};
  } else if (di3 == 0x05) {
    // Daily (and timed) freezes: the n-th previous midnight.
    CivilTime midnight = clock;
    midnight.hour = midnight.minute = midnight.second = 0;
    std::int64_t day = days_from_civil(midnight.year, midnight.month, midnight.day) - (di0 - 1);
    civil_from_days(day, midnight.year, midnight.month, midnight.day);
    std::int64_t at = interval_of(beijing().from_local(midnight));
    if (item->format == d::ValueFormat::DateTime) {
      put_bcd_time5(midnight, value);
    } else {
      energy_at(at, value, 0xFF, di1 == 0x02 ? 0 : 100);
    }
  } else {
    ok = false;
  }
  if (!ok) return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
  if (req.function == static_cast<std::uint8_t>(d::Function::ReadFollowUp)) {
    return reply_or_none(d::read_follow_up_reply(meter.address, di, value, req.seq, false));
  }
  return reply_or_none(d::read_reply(meter.address, di, value));
}

std::optional<d::Frame> Dlt645Responder::read_1997(const Meter& meter, Dlt645MeterState& state,
                                                   const d::Request& req, UtcTime now) {
  // 1997 identifiers map onto the same values as their 2007 equivalents.
  std::uint32_t di2007 = 0;
  switch (req.di) {
    case 0x9010:
      di2007 = 0x00010000;
      break;
    case 0x9011:
    case 0x9012:
    case 0x9013:
    case 0x9014:
      di2007 = 0x00010000 | static_cast<std::uint32_t>(req.di - 0x9010) << 8;
      break;
    case 0x901F:
      di2007 = 0x0001FF00;
      break;
    case 0xB611:
      di2007 = 0x02010100;
      break;
    case 0xC010:
      di2007 = 0x04000101;
      break;
    case 0xC011:
      di2007 = 0x04000102;
      break;
    case 0xC032:
      di2007 = 0x04000402;
      break;
    default:
      return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
  }
  d::Request as2007 = req;
  as2007.di = di2007;
  as2007.function = static_cast<std::uint8_t>(d::Function::ReadData);
  auto reply = read(meter, state, as2007, now);
  if (!reply) return std::nullopt;
  auto parsed = d::parse_reply(*reply);
  if (!parsed || parsed->error) {
    return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
  }
  Bytes value(parsed->data.begin(), parsed->data.end());
  if (req.di == 0xB611) {
    // 1997 voltage is XXX V: drop the decimal.
    auto v = d::decode_quantity(*d::find_item(0x02010100), value);
    if (!v) return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
    std::uint8_t buf[2];
    if (!d::encode_quantity(*d::find_item_1997(0xB611), Quantity(v->mantissa() / 10, 0, Unit::V),
                            buf)) {
      return d::error_reply(meter.address, req.function, {d::ErrorWord::kNoData});
    }
    value.assign(buf, buf + 2);
  }
  return reply_or_none(
      d::read_reply_1997(meter.address, static_cast<std::uint16_t>(req.di), value));
}

std::optional<d::Frame> Dlt645Responder::write(const Meter& meter, Dlt645MeterState& state,
                                               const d::Request& req, UtcTime now) {
  if (!password_ok(req.password)) {
    return d::error_reply(meter.address, req.function, {d::ErrorWord::kBadPassword});
  }
  const d::DataItem* item = d::find_item(req.di);
  if (item == nullptr || (req.di != 0x04000101 && req.di != 0x04000102) ||
      req.value.size() != item->bytes) {
    return d::error_reply(meter.address, req.function, {d::ErrorWord::kOther});
  }
  auto given = d::decode_civil_time(*item, req.value);
  if (!given) return d::error_reply(meter.address, req.function, {d::ErrorWord::kOther});
  CivilTime shown = beijing().to_local(meter_clock(meter, state, now));
  CivilTime wanted = shown;
  if (req.di == 0x04000101) {
    wanted.year = given->year, wanted.month = given->month, wanted.day = given->day;
  } else {
    wanted.hour = given->hour, wanted.minute = given->minute, wanted.second = given->second;
  }
  state.clock_offset_s += static_cast<std::int32_t>(beijing().from_local(wanted).seconds -
                                                    beijing().from_local(shown).seconds);
  return reply_or_none(d::ack_reply(meter.address, req.function));
}

std::optional<d::Frame> Dlt645Responder::remote_control(const Meter& meter, Dlt645MeterState& state,
                                                        const d::Request& req, UtcTime now) {
  if (!password_ok(req.password)) {
    return d::error_reply(meter.address, req.function, {d::ErrorWord::kBadPassword});
  }
  // A command past its deadline (meter clock) is refused: it may be a replay.
  if (beijing().from_local(req.time).seconds < meter_clock(meter, state, now).seconds) {
    return d::error_reply(meter.address, req.function, {d::ErrorWord::kOther});
  }
  switch (static_cast<d::ControlAction>(req.action)) {
    case d::ControlAction::Trip:
      if (state.keep_power)
        return d::error_reply(meter.address, req.function, {d::ErrorWord::kOther});
      if (!state.relay_open) {
        state.relay_open = true;
        state.opened_interval = interval_of(now);
      }
      break;
    case d::ControlAction::ClosePermitted:
    case d::ControlAction::CloseDirect:
      if (state.relay_open) {
        // What the household would have used while cut off never passed the meter.
        Registers cut = book_.at(meter.id, state.opened_interval);
        Registers back = book_.at(meter.id, interval_of(now));
        for (std::size_t i = 0; i < 4; ++i) state.cleared[i] += back.by_tariff[i] - cut.by_tariff[i];
        state.relay_open = false;
        state.opened_interval = -1;
      }
      break;
    case d::ControlAction::KeepPower:
      state.keep_power = true;
      break;
    case d::ControlAction::KeepPowerRelease:
      state.keep_power = false;
      break;
    case d::ControlAction::Alarm:
    case d::ControlAction::AlarmRelease:
      break;
    default:
      return d::error_reply(meter.address, req.function, {d::ErrorWord::kOther});
  }
  return reply_or_none(d::ack_reply(meter.address, req.function));
}

}  // namespace omni::sim
