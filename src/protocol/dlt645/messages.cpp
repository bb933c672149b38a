#include "protocol/dlt645/messages.hpp"

#include <fmt/format.h>

#include "core/bcd.hpp"
#include "protocol/dlt645/data_items.hpp"

namespace omni::protocol::dlt645 {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint8_t fn(Function f) { return static_cast<std::uint8_t>(f); }

// 03H is both 1997 "re-read" and 2007 "security authentication"; neither is read here, so
// it counts as 2007.
bool is_1997_function(std::uint8_t f) {
  switch (f) {
    case 0x01: case 0x02: case 0x04: case 0x0A: case 0x0C: case 0x0F: case 0x10: return true;
    default: return false;
  }
}

Frame request(const MeterAddress& to, Function f) {
  Frame frame;
  frame.address = to;
  frame.control.function = fn(f);
  return frame;
}

// Builders below only append a bounded number of bytes (at most 16) to an empty frame, so
// the append cannot fail; variable-length data goes through Result-returning builders.
void put(Frame& frame, Bytes bytes) { (void)frame.append(bytes); }

void put_u32(Frame& frame, std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v >> 16),
                             static_cast<std::uint8_t>(v >> 24)};
  put(frame, b);
}

void put_u16(Frame& frame, std::uint16_t v) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
  put(frame, b);
}

void put_password(Frame& frame, const Password& pw) {
  const std::uint8_t b[4] = {pw.level, pw.code[0], pw.code[1], pw.code[2]};
  put(frame, b);
}

void put_credentials(Frame& frame, const Password& pw, const OperatorCode& op) {
  put_password(frame, pw);
  put(frame, op);
}

std::uint32_t get_u32(Bytes b) {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

std::uint16_t get_u16(Bytes b) { return static_cast<std::uint16_t>(b[0] | b[1] << 8); }

Password get_password(Bytes b) { return {b[0], {b[1], b[2], b[3]}}; }

// ss mm hh DD MM YY, the layout of broadcast time and of the remote-control deadline.
Status put_time6(Frame& frame, const CivilTime& t) {
  if (t.year < 2000 || t.year > 2099) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("DL/T 645 carries years 2000..2099, not {}", t.year));
  }
  const unsigned fields[6] = {unsigned(t.second), unsigned(t.minute), unsigned(t.hour),
                              unsigned(t.day),    unsigned(t.month),  unsigned(t.year - 2000)};
  std::uint8_t b[6];
  for (int i = 0; i < 6; ++i) b[i] = to_bcd_byte(fields[i]);
  put(frame, b);
  return ok();
}

Result<CivilTime> get_time6(Bytes b) {
  int f[6];
  for (int i = 0; i < 6; ++i) {
    auto v = from_bcd_byte(b[i]);
    if (!v) return fail(ErrorCode::Malformed, fmt::format("time byte {:02X} is not BCD", b[i]));
    f[i] = static_cast<int>(*v);
  }
  auto t = CivilTime::make(2000 + f[5], f[4], f[3], f[2], f[1], f[0]);
  if (!t) return fail(ErrorCode::Malformed, t.error().detail);
  return t;
}

Status need(Bytes data, std::size_t at_least, const char* what) {
  if (data.size() >= at_least) return ok();
  return fail(ErrorCode::Malformed, fmt::format("DL/T 645 {}: {} data bytes, needs {}", what,
                                                data.size(), at_least));
}

Status exactly(Bytes data, std::size_t size, const char* what) {
  if (data.size() == size) return ok();
  return fail(ErrorCode::Malformed,
              fmt::format("DL/T 645 {}: {} data bytes, must be {}", what, data.size(), size));
}

Result<Frame> reply_with(const MeterAddress& own, std::uint8_t function, bool more, Bytes a,
                         Bytes b = {}, Bytes c = {}) {
  Frame frame;
  frame.address = own;
  frame.control = {true, false, more, function};
  OMNI_TRY(frame.append(a));
  OMNI_TRY(frame.append(b));
  OMNI_TRY(frame.append(c));
  return frame;
}

std::array<std::uint8_t, 4> le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

}  // namespace

std::string ErrorWord::names() const {
  static constexpr const char* kNames[8] = {"other",          "no_data",
                                            "bad_password",   "baud_fixed",
                                            "too_many_zones", "too_many_periods",
                                            "too_many_tariffs", "reserved"};
  if (bits == 0) return "none";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if ((bits >> i) & 1) {
      if (!out.empty()) out += '|';
      out += kNames[i];
    }
  }
  return out;
}

ErrorCode ErrorWord::code() const {
  if (bits & kNoData) return ErrorCode::NotFound;
  if (bits & kBadPassword) return ErrorCode::Unauthorized;
  if (bits & (kTooManyZones | kTooManyPeriods | kTooManyTariffs)) return ErrorCode::OutOfRange;
  return ErrorCode::Unsupported;
}

const char* control_action_name(std::uint8_t n1) {
  switch (static_cast<ControlAction>(n1)) {
    case ControlAction::Trip: return "trip";
    case ControlAction::ClosePermitted: return "close_permitted";
    case ControlAction::CloseDirect: return "close_direct";
    case ControlAction::Alarm: return "alarm";
    case ControlAction::AlarmRelease: return "alarm_release";
    case ControlAction::KeepPower: return "keep_power";
    case ControlAction::KeepPowerRelease: return "keep_power_release";
  }
  return nullptr;
}

Result<std::uint8_t> baud_code(unsigned bps) {
  for (int bit = 1; bit <= 6; ++bit) {
    if (bps == 300u << bit) return static_cast<std::uint8_t>(1u << bit);
  }
  return fail(ErrorCode::OutOfRange, fmt::format("DL/T 645 has no code for {} bit/s", bps));
}

Result<unsigned> baud_from_code(std::uint8_t z) {
  for (int bit = 1; bit <= 6; ++bit) {
    if (z == (1u << bit)) return 300u << bit;
  }
  return fail(ErrorCode::OutOfRange, fmt::format("DL/T 645 baud code {:02X} is not one rate", z));
}

MeterAddress broadcast_address() { return *MeterAddress::from_digits("999999999999"); }
MeterAddress wildcard_address() { return *MeterAddress::from_digits("AAAAAAAAAAAA"); }

bool addressed_to(const MeterAddress& target, const MeterAddress& own) {
  if (target.size() != own.size()) return false;
  if (target.is_broadcast()) return true;
  auto t = target.bytes(), o = own.bytes();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != 0xAA && t[i] != o[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Master side.

Frame read_request(const MeterAddress& to, std::uint32_t di) {
  Frame f = request(to, Function::ReadData);
  put_u32(f, di);
  return f;
}

Result<Frame> read_request(const MeterAddress& to, std::uint32_t di, Bytes parameters) {
  Frame f = read_request(to, di);
  OMNI_TRY(f.append(parameters));
  return f;
}

Frame read_follow_up_request(const MeterAddress& to, std::uint32_t di, std::uint8_t seq) {
  Frame f = request(to, Function::ReadFollowUp);
  put_u32(f, di);
  put(f, Bytes(&seq, 1));
  return f;
}

Frame read_address_request() { return request(wildcard_address(), Function::ReadAddress); }

Frame read_request_1997(const MeterAddress& to, std::uint16_t di) {
  Frame f = request(to, Function::Read1997);
  put_u16(f, di);
  return f;
}

Result<Frame> broadcast_time_request(const CivilTime& meter_time) {
  Frame f = request(broadcast_address(), Function::BroadcastTime);
  OMNI_TRY(put_time6(f, meter_time));
  return f;
}

Result<Frame> write_request(const MeterAddress& to, std::uint32_t di, const Password& password,
                            const OperatorCode& op, Bytes value) {
  Frame f = request(to, Function::WriteData);
  put_u32(f, di);
  put_credentials(f, password, op);
  OMNI_TRY(f.append(value));
  return f;
}

Frame write_address_request(const MeterAddress& new_address) {
  Frame f = request(wildcard_address(), Function::WriteAddress);
  std::uint8_t b[6] = {};
  (void)new_address.to_wire(b, ByteOrder::LittleEndian);
  put(f, b);
  return f;
}

Frame freeze_request(const MeterAddress& to, const FreezeTime& when) {
  Frame f = request(to, Function::Freeze);
  const std::uint8_t b[4] = {to_bcd_byte(when.minute), to_bcd_byte(when.hour),
                             to_bcd_byte(when.day), to_bcd_byte(when.month)};
  put(f, b);
  return f;
}

Frame change_baud_request(const MeterAddress& to, std::uint8_t z) {
  Frame f = request(to, Function::ChangeBaud);
  put(f, Bytes(&z, 1));
  return f;
}

Frame change_password_request(const MeterAddress& to, std::uint32_t di, const Password& old_pw,
                              const Password& new_pw) {
  Frame f = request(to, Function::ChangePassword);
  put_u32(f, di);
  put_password(f, old_pw);
  put_password(f, new_pw);
  return f;
}

Frame clear_demand_request(const MeterAddress& to, const Password& pw, const OperatorCode& op) {
  Frame f = request(to, Function::ClearDemand);
  put_credentials(f, pw, op);
  return f;
}

Frame clear_meter_request(const MeterAddress& to, const Password& pw, const OperatorCode& op) {
  Frame f = request(to, Function::ClearMeter);
  put_credentials(f, pw, op);
  return f;
}

Frame clear_events_request(const MeterAddress& to, const Password& pw, const OperatorCode& op,
                           std::uint32_t event_di) {
  Frame f = request(to, Function::ClearEvents);
  put_credentials(f, pw, op);
  put_u32(f, event_di);
  return f;
}

Result<Frame> remote_control_request(const MeterAddress& to, const Password& pw,
                                     const OperatorCode& op, ControlAction action,
                                     const CivilTime& valid_until) {
  Frame f = request(to, Function::RemoteControl);
  put_credentials(f, pw, op);
  const std::uint8_t n[2] = {static_cast<std::uint8_t>(action), 0x00};  // N1, N2 reserved
  put(f, n);
  OMNI_TRY(put_time6(f, valid_until));
  return f;
}

Result<Reply> parse_reply(const Frame& frame) {
  if (!frame.control.from_meter) {
    return fail(ErrorCode::Malformed, "DL/T 645 frame is a request, not a reply");
  }
  Reply r;
  r.address = frame.address;
  r.function = frame.control.function;
  r.more_follows = frame.control.more_follows;
  Bytes d = frame.payload();
  if (frame.control.abnormal) {
    OMNI_TRY(need(d, 1, "abnormal reply"));
    r.error = ErrorWord{d[0]};
    return r;
  }
  switch (r.function) {
    case fn(Function::ReadData):
      OMNI_TRY(need(d, 4, "read reply"));
      r.di = get_u32(d);
      r.data = d.subspan(4);
      return r;
    case fn(Function::ReadFollowUp):
      OMNI_TRY(need(d, 5, "follow-up reply"));
      r.di = get_u32(d);
      r.data = d.subspan(4, d.size() - 5);
      r.seq = d.back();
      return r;
    case fn(Function::Read1997):
    case fn(Function::ReadFollowUp1997):
      OMNI_TRY(need(d, 2, "1997 read reply"));
      r.di = get_u16(d);
      r.data = d.subspan(2);
      return r;
    case fn(Function::ReadAddress):
    case fn(Function::WriteAddress):
      if (r.function == fn(Function::ReadAddress)) OMNI_TRY(exactly(d, 6, "read-address reply"));
      r.data = d;
      return r;
    default:
      r.data = d;  // acknowledgements: empty, or an echo (baud code, new password)
      return r;
  }
}

Result<Quantity> reply_quantity(const Reply& reply, std::size_t index) {
  bool v1997 = is_1997_function(reply.function);
  const DataItem* item = v1997 ? find_item_1997(static_cast<std::uint16_t>(reply.di))
                               : find_item(reply.di);
  if (item == nullptr) {
    return fail(ErrorCode::Unsupported,
                fmt::format("DL/T 645 identifier {:0{}X} is not in the catalogue", reply.di,
                            v1997 ? 4 : 8));
  }
  return decode_quantity(*item, reply.data, index);
}

// ---------------------------------------------------------------------------------------------
// Device side.

Result<Request> parse_request(const Frame& frame) {
  if (frame.control.from_meter) {
    return fail(ErrorCode::Malformed, "DL/T 645 frame is a reply, not a request");
  }
  Request r;
  r.address = frame.address;
  r.function = frame.control.function;
  r.edition = is_1997_function(r.function) ? Edition::V1997 : Edition::V2007;
  Bytes d = frame.payload();
  switch (static_cast<Function>(r.function)) {
    case Function::ReadData:
      OMNI_TRY(need(d, 4, "read request"));
      r.di = get_u32(d);
      r.value = d.subspan(4);
      return r;
    case Function::ReadFollowUp:
      OMNI_TRY(exactly(d, 5, "follow-up request"));
      r.di = get_u32(d);
      r.seq = d[4];
      return r;
    case Function::ReadAddress:
      OMNI_TRY(exactly(d, 0, "read-address request"));
      return r;
    case Function::BroadcastTime: {
      OMNI_TRY(exactly(d, 6, "broadcast time"));
      auto t = get_time6(d);
      if (!t) return fail(ErrorCode::Malformed, "DL/T 645 broadcast time: " + t.error().detail);
      r.time = *t;
      return r;
    }
    case Function::WriteData:
      OMNI_TRY(need(d, 12, "write request"));
      r.di = get_u32(d);
      r.password = get_password(d.subspan(4));
      std::copy_n(d.begin() + 8, 4, r.op.begin());
      r.value = d.subspan(12);
      return r;
    case Function::WriteAddress:
      OMNI_TRY(exactly(d, 6, "write-address request"));
      r.value = d;
      return r;
    case Function::Freeze: {
      OMNI_TRY(exactly(d, 4, "freeze request"));
      std::uint8_t f[4];
      for (int i = 0; i < 4; ++i) {
        auto v = from_bcd_byte(d[i]);
        if (!v) return fail(ErrorCode::Malformed, "DL/T 645 freeze time is not BCD");
        f[i] = static_cast<std::uint8_t>(*v);
      }
      r.freeze = {f[0], f[1], f[2], f[3]};
      return r;
    }
    case Function::ChangeBaud:
      OMNI_TRY(exactly(d, 1, "change-baud request"));
      r.baud = d[0];
      return r;
    case Function::ChangePassword:
      OMNI_TRY(exactly(d, 12, "change-password request"));
      r.di = get_u32(d);
      r.password = get_password(d.subspan(4));
      r.new_password = get_password(d.subspan(8));
      return r;
    case Function::ClearDemand:
    case Function::ClearMeter:
    case Function::ClearEvents:
      OMNI_TRY(exactly(d, r.function == fn(Function::ClearEvents) ? 12 : 8, "clear request"));
      r.password = get_password(d);
      std::copy_n(d.begin() + 4, 4, r.op.begin());
      if (r.function == fn(Function::ClearEvents)) r.di = get_u32(d.subspan(8));
      return r;
    case Function::RemoteControl: {
      OMNI_TRY(exactly(d, 16, "remote-control request"));
      r.password = get_password(d);
      std::copy_n(d.begin() + 4, 4, r.op.begin());
      r.action = d[8];
      auto t = get_time6(d.subspan(10));
      if (!t) return fail(ErrorCode::Malformed, "DL/T 645 remote-control deadline: " + t.error().detail);
      r.time = *t;
      return r;
    }
    case Function::Read1997:
    case Function::ReadFollowUp1997:
      OMNI_TRY(exactly(d, 2, "1997 read request"));
      r.di = get_u16(d);
      return r;
    default:
      return fail(ErrorCode::Unsupported,
                  fmt::format("DL/T 645 function {:02X} is not supported by this codec", r.function));
  }
}

Result<Frame> read_reply(const MeterAddress& own, std::uint32_t di, Bytes value,
                         bool more_follows) {
  auto d = le32(di);
  return reply_with(own, fn(Function::ReadData), more_follows, d, value);
}

Result<Frame> read_reply_1997(const MeterAddress& own, std::uint16_t di, Bytes value) {
  const std::uint8_t d[2] = {static_cast<std::uint8_t>(di), static_cast<std::uint8_t>(di >> 8)};
  return reply_with(own, fn(Function::Read1997), false, d, value);
}

Result<Frame> read_follow_up_reply(const MeterAddress& own, std::uint32_t di, Bytes value,
                                   std::uint8_t seq, bool more_follows) {
  auto d = le32(di);
  return reply_with(own, fn(Function::ReadFollowUp), more_follows, d, value, Bytes(&seq, 1));
}

Frame read_address_reply(const MeterAddress& own) {
  std::uint8_t b[6] = {};
  (void)own.to_wire(b, ByteOrder::LittleEndian);
  return *reply_with(own, fn(Function::ReadAddress), false, b);
}

Result<Frame> ack_reply(const MeterAddress& own, std::uint8_t function, Bytes data) {
  return reply_with(own, function, false, data);
}

Frame error_reply(const MeterAddress& own, std::uint8_t function, ErrorWord error) {
  Frame frame;
  frame.address = own;
  frame.control = {true, true, false, function};
  put(frame, Bytes(&error.bits, 1));
  return frame;
}

}  // namespace omni::protocol::dlt645
