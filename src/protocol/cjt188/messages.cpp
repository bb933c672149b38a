#include "protocol/cjt188/messages.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/bcd.hpp"

namespace omni::protocol::cjt188 {
namespace {

constexpr std::size_t kWaterGasBytes = 19;  // L = 16H minus DI and SER
constexpr std::size_t kHeatBytes = 43;      // L = 2EH minus DI and SER
constexpr std::size_t kPriceTableBytes = 15;

// Byte offsets inside the 901F data (after DI and SER).
namespace water {
constexpr std::size_t kCurrent = 0, kSettlement = 5, kTime = 10, kStatus = 17;
}
namespace heat {
constexpr std::size_t kSettlementHeat = 0, kCurrentHeat = 5, kPower = 10, kFlowRate = 15,
                      kCumulativeFlow = 20, kSupply = 25, kReturn = 28, kHours = 31, kTime = 34,
                      kStatus = 41;
}

// Which function's abnormal reply means what (function code D5..D0).
struct FailureRow {
  std::uint8_t function;
  Failure failure;
  std::string_view name;
};
constexpr FailureRow kFailures[] = {
    {0x01, Failure::ReadData, "read data failed"},
    {0x03, Failure::ReadAddress, "read address failed"},
    {0x04, Failure::WriteData, "write data failed"},
    {0x09, Failure::ReadKeyVersion, "read key version failed"},
    {0x15, Failure::WriteAddress, "write address failed"},
    {0x16, Failure::MotorSync, "motor-sync write failed"},
};

// ST valve bits: 00 open, 01 closed, 11 abnormal, 10 not defined.
constexpr ValveState kValveStates[] = {ValveState::Open, ValveState::Closed, ValveState::Reserved,
                                       ValveState::Abnormal};

std::uint8_t valve_bits(ValveState v) {
  switch (v) {
    case ValveState::Open:
      return 0;
    case ValveState::Closed:
      return 1;
    case ValveState::Reserved:
      return 2;
    case ValveState::Abnormal:
      return 3;
  }
  return 3;
}

std::span<const std::uint8_t, 5> five(std::span<const std::uint8_t> d, std::size_t at) {
  return d.subspan(at).first<5>();
}
std::span<std::uint8_t, 5> five(std::span<std::uint8_t> d, std::size_t at) {
  return d.subspan(at).first<5>();
}

Frame request_frame(MeterType type, const MeterAddress& address, std::uint8_t function,
                    std::uint16_t di, std::uint8_t ser, DiOrder order) {
  Frame f;
  f.type = type;
  f.address = address;
  f.control = {false, false, function};
  f.di = di;
  f.di_order = order;
  f.ser = ser;
  return f;
}

Frame reply_frame(const MeterIdentity& me, const Frame& request, bool abnormal) {
  Frame f;
  f.type = me.type;
  f.address = me.address;
  f.control = {true, abnormal, request.control.function};
  f.has_di = request.has_di;
  f.di = request.di;
  f.di_order = request.di_order;
  f.ser = request.ser;
  return f;
}

// Data area of a frame being built; sizes here are small and fixed, far below capacity().
std::span<std::uint8_t> claim(Frame& f, std::size_t n) {
  f.length = static_cast<std::uint8_t>(n);
  return {f.data.data(), n};
}

Status expect_reply(const Frame& f, std::uint8_t function, const char* what) {
  if (!f.control.from_meter || f.control.abnormal || f.control.function != function || !f.has_di) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 frame (C={:02X}) is not a normal {} reply",
                            f.control.encode(), what));
  }
  return ok();
}

Status need(const Frame& f, std::size_t bytes, const char* what) {
  if (f.length < bytes) {
    return fail(ErrorCode::Malformed,
                fmt::format("CJ/T 188 {} needs {} data bytes, got {}", what, bytes, f.length));
  }
  return ok();
}

Result<std::uint8_t> decode_day(std::uint8_t b) {
  auto d = from_bcd_byte(b);
  if (!d) return fail(ErrorCode::OutOfRange, fmt::format("CJ/T 188 day {:02X} is not BCD", b));
  return static_cast<std::uint8_t>(*d);
}

// Requests must name a real day of the month; replies are taken as sent.
Result<std::uint8_t> decode_request_day(std::uint8_t b) {
  auto d = decode_day(b);
  if (d && (*d < 1 || *d > 31)) {
    return fail(ErrorCode::OutOfRange, fmt::format("CJ/T 188 day {} is not 1..31", *d));
  }
  return d;
}

Result<std::uint8_t> encode_day(std::uint8_t day) {
  if (day < 1 || day > 31) {
    return fail(ErrorCode::OutOfRange, fmt::format("CJ/T 188 day {} is not 1..31", day));
  }
  return to_bcd_byte(day);
}

// p1 v1 p2 v2 p3, 3 BCD bytes each.
Result<PriceTable> decode_price_table(std::span<const std::uint8_t> d) {
  PriceTable t;
  for (std::size_t i = 0; i < 5; ++i) {
    auto v = bcd_decode(d.subspan(3 * i, 3), ByteOrder::LittleEndian);
    if (!v) return fail(ErrorCode::OutOfRange, "CJ/T 188 price table: " + v.error().detail);
    if (i % 2 == 0) {
      t.prices[i / 2] = Fen{static_cast<std::int64_t>(*v)};
    } else {
      t.step_volume[i / 2] = static_cast<std::uint32_t>(*v);
    }
  }
  return t;
}

Status encode_price_table(const PriceTable& t, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < 5; ++i) {
    std::int64_t v = i % 2 == 0 ? t.prices[i / 2].value : t.step_volume[i / 2];
    if (v < 0 || v > 999999) {
      return fail(ErrorCode::OutOfRange,
                  fmt::format("CJ/T 188 price table field {} = {} does not fit 6 digits", i, v));
    }
    OMNI_TRY(
        bcd_encode(static_cast<std::uint64_t>(v), out.subspan(3 * i, 3), ByteOrder::LittleEndian));
  }
  return ok();
}

bool all_aa(const MeterAddress& a) {
  return std::all_of(a.bytes().begin(), a.bytes().end(), [](std::uint8_t b) { return b == 0xAA; });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Shared value types

MeterStatus decode_status(std::uint8_t byte0, std::uint8_t byte1, StLayout layout) {
  MeterStatus s;
  s.raw = {byte0, byte1};
  if (layout == StLayout::Standard) {
    s.valve = kValveStates[byte0 & 0x03];
    s.battery_low = (byte0 & 0x04) != 0;
  } else {
    s.valve = kValveStates[(byte0 >> 6) & 0x03];
    s.battery_low = (byte0 & 0x20) != 0;
  }
  return s;
}

std::array<std::uint8_t, 2> encode_status(const MeterStatus& status) {
  auto raw = status.raw;
  raw[0] = static_cast<std::uint8_t>((raw[0] & ~0x07) | valve_bits(status.valve) |
                                     (status.battery_low ? 0x04 : 0));
  return raw;
}

std::optional<CivilTime> decode_time(std::span<const std::uint8_t, 7> b) {
  if (std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; })) return std::nullopt;
  unsigned v[7];
  for (std::size_t i = 0; i < 7; ++i) {
    auto d = from_bcd_byte(b[i]);
    if (!d) return std::nullopt;
    v[i] = *d;
  }
  auto t = CivilTime::make(static_cast<int>(v[6] * 100 + v[5]), static_cast<int>(v[4]),
                           static_cast<int>(v[3]), static_cast<int>(v[2]), static_cast<int>(v[1]),
                           static_cast<int>(v[0]));
  if (!t) return std::nullopt;
  return *t;
}

Status encode_time(const std::optional<CivilTime>& time, std::span<std::uint8_t, 7> out) {
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  if (!time) return ok();
  const CivilTime& t = *time;
  if (!CivilTime::make(t.year, t.month, t.day, t.hour, t.minute, t.second) || t.year < 0 ||
      t.year > 9999) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("CJ/T 188 cannot send the time {}-{}-{} {}:{}:{}", t.year, t.month,
                            t.day, t.hour, t.minute, t.second));
  }
  const int fields[7] = {t.second, t.minute, t.hour, t.day, t.month, t.year % 100, t.year / 100};
  for (std::size_t i = 0; i < 7; ++i) out[i] = to_bcd_byte(static_cast<unsigned>(fields[i]));
  return ok();
}

std::string_view failure_name(Failure failure) {
  for (const auto& r : kFailures) {
    if (r.failure == failure) return r.name;
  }
  return "vendor function failed";
}

// ---------------------------------------------------------------------------------------------
// Master side: requests

Frame make_read_data(MeterType type, const MeterAddress& address, std::uint16_t di,
                     std::uint8_t ser, DiOrder order) {
  return request_frame(type, address, static_cast<std::uint8_t>(Function::ReadData), di, ser,
                       order);
}

Frame make_read_address(MeterType type, std::uint8_t ser, DiOrder order) {
  static const MeterAddress kWildcard = *MeterAddress::from_digits("AAAAAAAAAAAAAA");
  return request_frame(type, kWildcard, static_cast<std::uint8_t>(Function::ReadAddress),
                       kDiReadAddress, ser, order);
}

Result<Frame> make_write_time(MeterType type, const MeterAddress& address, const CivilTime& time,
                              std::uint8_t ser, DiOrder order) {
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteData),
                          kDiWriteTime, ser, order);
  OMNI_TRY(encode_time(time, claim(f, 7).first<7>()));
  return f;
}

Frame make_valve_control(MeterType type, const MeterAddress& address, ValveCommand command,
                         std::uint8_t ser, DiOrder order) {
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteData),
                          kDiValveControl, ser, order);
  claim(f, 1)[0] = static_cast<std::uint8_t>(command);
  return f;
}

Result<Frame> make_write_price_table(MeterType type, const MeterAddress& address,
                                     const PriceTable& table, std::uint8_t ser, DiOrder order) {
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteData),
                          kDiWritePriceTable, ser, order);
  auto d = claim(f, kPriceTableBytes + 1);
  OMNI_TRY(encode_price_table(table, d));
  auto day = encode_day(table.start_day);
  if (!day) return fail(day.error());
  d[kPriceTableBytes] = *day;
  return f;
}

Result<Frame> make_write_settlement_day(MeterType type, const MeterAddress& address,
                                        std::uint8_t day, std::uint8_t ser, DiOrder order) {
  auto b = encode_day(day);
  if (!b) return fail(b.error());
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteData),
                          kDiWriteSettlementDay, ser, order);
  claim(f, 1)[0] = *b;
  return f;
}

Result<Frame> make_write_address(MeterType type, const MeterAddress& address,
                                 const MeterAddress& new_address, std::uint8_t ser, DiOrder order) {
  if (new_address.size() != kAddressBytes) {
    return fail(ErrorCode::Malformed,
                fmt::format("CJ/T 188 addresses have 7 bytes, not {}", new_address.size()));
  }
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteAddress),
                          kDiWriteAddress, ser, order);
  OMNI_TRY(new_address.to_wire(claim(f, kAddressBytes), ByteOrder::LittleEndian));
  return f;
}

Result<Frame> make_write_motor_sync(MeterType type, const MeterAddress& address,
                                    const Reading& base, std::uint8_t ser, DiOrder order) {
  Frame f = request_frame(type, address, static_cast<std::uint8_t>(Function::WriteMotorSync),
                          kDiMotorSync, ser, order);
  OMNI_TRY(encode_reading(base, 2, claim(f, 5).first<5>()));
  return f;
}

// ---------------------------------------------------------------------------------------------
// Master side: replies

Result<MeterData> parse_meter_data(const Frame& reply, StLayout layout) {
  OMNI_TRY(expect_reply(reply, static_cast<std::uint8_t>(Function::ReadData), "901F"));
  if (reply.di != kDiMeterData) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 reply carries DI {:04X}, not 901F", reply.di));
  }
  MeterFamily family = reply.type.family();
  bool is_heat =
      family == MeterFamily::Heat ||
      (family != MeterFamily::Water && family != MeterFamily::Gas && reply.length >= kHeatBytes);
  auto d = reply.payload();
  if (is_heat) {
    OMNI_TRY(need(reply, kHeatBytes, "heat-meter 901F reply"));
    HeatData h;
    h.settlement_heat = decode_reading(five(d, heat::kSettlementHeat), 2);
    h.current_heat = decode_reading(five(d, heat::kCurrentHeat), 2);
    h.power = decode_reading(five(d, heat::kPower), 2);
    h.flow_rate = decode_reading(five(d, heat::kFlowRate), 4);
    h.cumulative_flow = decode_reading(five(d, heat::kCumulativeFlow), 2);
    h.supply_temperature = decode_bcd_quantity(d.subspan(heat::kSupply, 3), 2, Unit::degC);
    h.return_temperature = decode_bcd_quantity(d.subspan(heat::kReturn, 3), 2, Unit::degC);
    h.working_hours = decode_bcd_quantity(d.subspan(heat::kHours, 3), 0, Unit::Hour);
    h.meter_time = decode_time(d.subspan(heat::kTime).first<7>());
    h.status = decode_status(d[heat::kStatus], d[heat::kStatus + 1], layout);
    return MeterData{h};
  }
  OMNI_TRY(need(reply, kWaterGasBytes, "water/gas-meter 901F reply"));
  WaterGasData w;
  w.current = decode_reading(five(d, water::kCurrent), 2);
  w.settlement = decode_reading(five(d, water::kSettlement), 2);
  w.meter_time = decode_time(d.subspan(water::kTime).first<7>());
  w.status = decode_status(d[water::kStatus], d[water::kStatus + 1], layout);
  return MeterData{w};
}

Result<HistoryValue> parse_history(const Frame& reply) {
  OMNI_TRY(expect_reply(reply, static_cast<std::uint8_t>(Function::ReadData), "D12x"));
  const DataId* id = find_data_id(reply.di);
  if (id == nullptr || id->kind != DataKind::History) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 reply carries DI {:04X}, not D120..D12B", reply.di));
  }
  OMNI_TRY(need(reply, 5, "settlement-day value"));
  return HistoryValue{reply.di - kDiHistoryFirst + 1, decode_reading(five(reply.payload(), 0), 2)};
}

Result<AddressReply> parse_address(const Frame& reply) {
  OMNI_TRY(expect_reply(reply, static_cast<std::uint8_t>(Function::ReadAddress), "read-address"));
  if (reply.di != kDiReadAddress) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 reply carries DI {:04X}, not 810A", reply.di));
  }
  AddressReply r{reply.type, reply.address, reply.ser};
  // Most meters answer with the address in the header only; some repeat it in the data.
  if (reply.length >= kAddressBytes) {
    auto echoed =
        MeterAddress::from_wire(reply.payload().first(kAddressBytes), ByteOrder::LittleEndian);
    if (echoed) r.address = *echoed;
  }
  return r;
}

Result<WriteAck> parse_write_ack(const Frame& reply, StLayout layout) {
  std::uint8_t fn = reply.control.function;
  bool write_function = fn == static_cast<std::uint8_t>(Function::WriteData) ||
                        fn == static_cast<std::uint8_t>(Function::WriteAddress) ||
                        fn == static_cast<std::uint8_t>(Function::WriteMotorSync) || fn >= 0x20;
  if (!write_function) {
    return fail(ErrorCode::Unsupported, fmt::format("CJ/T 188 function {:02X} is not a write", fn));
  }
  OMNI_TRY(expect_reply(reply, fn, "write"));
  WriteAck ack{fn, reply.di, reply.ser, std::nullopt};
  if (reply.length >= 2) ack.status = decode_status(reply.data[0], reply.data[1], layout);
  return ack;
}

Result<std::uint8_t> parse_day(const Frame& reply) {
  OMNI_TRY(expect_reply(reply, static_cast<std::uint8_t>(Function::ReadData), "8103/8104"));
  if (reply.di != kDiSettlementDay && reply.di != kDiReadingDay) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 reply carries DI {:04X}, not 8103/8104", reply.di));
  }
  OMNI_TRY(need(reply, 1, "day reply"));
  return decode_day(reply.data[0]);
}

Result<PriceTable> parse_price_table(const Frame& reply) {
  OMNI_TRY(expect_reply(reply, static_cast<std::uint8_t>(Function::ReadData), "8102"));
  if (reply.di != kDiPriceTable) {
    return fail(ErrorCode::Unsupported,
                fmt::format("CJ/T 188 reply carries DI {:04X}, not 8102", reply.di));
  }
  OMNI_TRY(need(reply, kPriceTableBytes, "price table"));
  return decode_price_table(reply.payload());
}

Result<AbnormalReply> parse_abnormal(const Frame& reply, StLayout layout) {
  if (!reply.control.from_meter || !reply.control.abnormal) {
    return fail(ErrorCode::Unsupported, "CJ/T 188 frame is not an abnormal reply");
  }
  OMNI_TRY(need(reply, 2, "abnormal reply ST"));
  AbnormalReply r;
  r.function = reply.control.function;
  r.failure = Failure::Vendor;
  for (const auto& row : kFailures) {
    if (row.function == r.function) r.failure = row.failure;
  }
  r.has_di = reply.has_di;
  r.di = reply.has_di ? reply.di : 0;
  r.ser = reply.ser;
  r.status = decode_status(reply.data[0], reply.data[1], layout);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Device side

bool addressed_to(const Frame& request, const MeterIdentity& me) {
  bool address_ok = request.address == me.address || all_aa(request.address);
  bool type_ok =
      request.type == me.type || request.type.raw == 0xAA ||
      (request.type.family() == me.type.family() && request.type.family() != MeterFamily::Unknown);
  return address_ok && type_ok;
}

Result<Request> parse_request(const Frame& frame) {
  if (frame.control.from_meter || !frame.has_di) {
    return fail(ErrorCode::Unsupported, "CJ/T 188 frame is a reply, not a request");
  }
  Request r{frame.type,     frame.address, frame.control.function, frame.di,
            frame.di_order, frame.ser,     OtherRequest{}};
  const DataId* id = find_data_id(frame.di);
  DataKind kind = id != nullptr ? id->kind : DataKind::Raw;
  auto d = frame.payload();
  switch (static_cast<Function>(frame.control.function)) {
    case Function::ReadData:
    case Function::ReadKeyVersion:
      r.body = ReadRequest{};
      return r;
    case Function::ReadAddress:
      if (kind == DataKind::Address) r.body = ReadAddressRequest{};
      return r;
    case Function::WriteAddress:
      if (kind != DataKind::WriteAddress) return r;
      {
        OMNI_TRY(need(frame, kAddressBytes, "write address"));
        auto a = MeterAddress::from_wire(d.first(kAddressBytes), ByteOrder::LittleEndian);
        if (!a) return fail(ErrorCode::OutOfRange, "CJ/T 188 new " + a.error().detail);
        r.body = WriteAddressRequest{*a};
      }
      return r;
    case Function::WriteMotorSync:
      if (kind != DataKind::MotorSync) return r;
      OMNI_TRY(need(frame, 5, "motor-sync value"));
      r.body = MotorSyncRequest{decode_reading(five(d, 0), 2)};
      return r;
    case Function::WriteData:
      break;
    default:
      return r;  // vendor functions: raw
  }
  switch (kind) {
    case DataKind::WriteTime: {
      OMNI_TRY(need(frame, 7, "write time"));
      auto t = decode_time(d.first<7>());
      if (!t) return fail(ErrorCode::OutOfRange, "CJ/T 188 write-time value is not a time");
      r.body = WriteTimeRequest{*t};
      return r;
    }
    case DataKind::ValveControl:
      OMNI_TRY(need(frame, 1, "valve control"));
      r.body = ValveRequest{d[0]};
      return r;
    case DataKind::PriceTable: {
      OMNI_TRY(need(frame, kPriceTableBytes + 1, "write price table"));
      auto t = decode_price_table(d);
      if (!t) return fail(t.error());
      auto day = decode_request_day(d[kPriceTableBytes]);
      if (!day) return fail(day.error());
      t->start_day = *day;
      r.body = WritePriceTableRequest{*t};
      return r;
    }
    case DataKind::SettlementDay:
    case DataKind::ReadingDay: {
      OMNI_TRY(need(frame, 1, "write day"));
      auto day = decode_request_day(d[0]);
      if (!day) return fail(day.error());
      r.body = WriteDayRequest{*day};
      return r;
    }
    default:
      return r;
  }
}

Result<Frame> make_meter_data_reply(const MeterIdentity& me, const Frame& request,
                                    const WaterGasData& data) {
  Frame f = reply_frame(me, request, false);
  auto d = claim(f, kWaterGasBytes);
  OMNI_TRY(encode_reading(data.current, 2, five(d, water::kCurrent)));
  OMNI_TRY(encode_reading(data.settlement, 2, five(d, water::kSettlement)));
  OMNI_TRY(encode_time(data.meter_time, d.subspan(water::kTime).first<7>()));
  auto st = encode_status(data.status);
  std::copy(st.begin(), st.end(), d.begin() + water::kStatus);
  return f;
}

Result<Frame> make_heat_data_reply(const MeterIdentity& me, const Frame& request,
                                   const HeatData& data) {
  Frame f = reply_frame(me, request, false);
  auto d = claim(f, kHeatBytes);
  OMNI_TRY(encode_reading(data.settlement_heat, 2, five(d, heat::kSettlementHeat)));
  OMNI_TRY(encode_reading(data.current_heat, 2, five(d, heat::kCurrentHeat)));
  OMNI_TRY(encode_reading(data.power, 2, five(d, heat::kPower)));
  OMNI_TRY(encode_reading(data.flow_rate, 4, five(d, heat::kFlowRate)));
  OMNI_TRY(encode_reading(data.cumulative_flow, 2, five(d, heat::kCumulativeFlow)));
  OMNI_TRY(
      encode_bcd_quantity(data.supply_temperature, 2, Unit::degC, d.subspan(heat::kSupply, 3)));
  OMNI_TRY(
      encode_bcd_quantity(data.return_temperature, 2, Unit::degC, d.subspan(heat::kReturn, 3)));
  OMNI_TRY(encode_bcd_quantity(data.working_hours, 0, Unit::Hour, d.subspan(heat::kHours, 3)));
  OMNI_TRY(encode_time(data.meter_time, d.subspan(heat::kTime).first<7>()));
  auto st = encode_status(data.status);
  std::copy(st.begin(), st.end(), d.begin() + heat::kStatus);
  return f;
}

Result<Frame> make_history_reply(const MeterIdentity& me, const Frame& request,
                                 const Reading& value) {
  Frame f = reply_frame(me, request, false);
  OMNI_TRY(encode_reading(value, 2, claim(f, 5).first<5>()));
  return f;
}

Result<Frame> make_day_reply(const MeterIdentity& me, const Frame& request, std::uint8_t day) {
  auto b = encode_day(day);
  if (!b) return fail(b.error());
  Frame f = reply_frame(me, request, false);
  claim(f, 1)[0] = *b;
  return f;
}

Result<Frame> make_price_table_reply(const MeterIdentity& me, const Frame& request,
                                     const PriceTable& table) {
  Frame f = reply_frame(me, request, false);
  OMNI_TRY(encode_price_table(table, claim(f, kPriceTableBytes)));
  return f;
}

Frame make_address_reply(const MeterIdentity& me, const Frame& request) {
  return reply_frame(me, request, false);
}

Frame make_write_ack(const MeterIdentity& me, const Frame& request,
                     const std::optional<MeterStatus>& status) {
  Frame f = reply_frame(me, request, false);
  if (status) {
    auto st = encode_status(*status);
    std::copy(st.begin(), st.end(), claim(f, 2).begin());
  }
  return f;
}

Frame make_abnormal_reply(const MeterIdentity& me, const Frame& request, const MeterStatus& status,
                          bool echo_di) {
  Frame f = reply_frame(me, request, true);
  f.has_di = echo_di && request.has_di;
  auto st = encode_status(status);
  std::copy(st.begin(), st.end(), claim(f, 2).begin());
  return f;
}

}  // namespace omni::protocol::cjt188
