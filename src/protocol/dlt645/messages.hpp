#pragma once
// DL/T 645 messages on top of the link frame, for both roles:
//
//   master (station, concentrator model):  build a request Frame  -> encode_frame -> send
//                                          receive -> decode_frame -> parse_reply
//   device (simulated meter):              receive -> decode_frame -> parse_request
//                                          build a reply Frame -> encode_frame -> send
//
// Builders return a Frame (no heap); a Reply or Request refers to the Frame it was parsed from,
// so the Frame must outlive it. Field layouts follow DL/T 645-2007 §7 (command list) and the
// 1997 edition for reads; docs/protocols/dlt645.md lists them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/meter_address.hpp"
#include "core/quantity.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "protocol/dlt645/frame.hpp"

namespace omni::protocol::dlt645 {

enum class Edition : std::uint8_t { V1997, V2007 };

// The error-status byte of an abnormal reply (2007 edition names; 1997 meters use bit 0 and 1
// for "illegal data" and "wrong identifier", which the same names cover).
struct ErrorWord {
  static constexpr std::uint8_t kOther = 0x01;
  static constexpr std::uint8_t kNoData = 0x02;          // unknown or unsupported identifier
  static constexpr std::uint8_t kBadPassword = 0x04;     // wrong password / not authorised
  static constexpr std::uint8_t kBaudFixed = 0x08;       // the rate cannot be changed
  static constexpr std::uint8_t kTooManyZones = 0x10;    // annual time zones over the limit
  static constexpr std::uint8_t kTooManyPeriods = 0x20;  // daily periods over the limit
  static constexpr std::uint8_t kTooManyTariffs = 0x40;

  std::uint8_t bits = 0;

  // "no_data|bad_password"; "none" for 0. Bit 7 (reserved) shows as "reserved".
  std::string names() const;
  // The project error code closest to the meter's refusal: NotFound for no data,
  // Unauthorized for the password, OutOfRange for the limits, Unsupported otherwise.
  ErrorCode code() const;
  bool operator==(const ErrorWord&) const = default;
};

// Password: the level byte PA followed by P0 P1 P2; operator code C0..C3. Both are sent as
// given (each byte +33H on the wire like all data).
struct Password {
  std::uint8_t level = 0;
  std::array<std::uint8_t, 3> code{};
  bool operator==(const Password&) const = default;
};
using OperatorCode = std::array<std::uint8_t, 4>;

// Remote control (1CH) command byte N1.
enum class ControlAction : std::uint8_t {
  Trip = 0x1A,
  ClosePermitted = 0x1B,
  CloseDirect = 0x1C,
  Alarm = 0x2A,
  AlarmRelease = 0x2B,
  KeepPower = 0x3A,
  KeepPowerRelease = 0x3B,
};
// The action's name ("trip"), or nullptr for a byte that is not one.
const char* control_action_name(std::uint8_t n1);

// Freeze (16H) moment: minute hour day month; kEvery (99) in a field means "every", and all
// four at 99 means "freeze now".
struct FreezeTime {
  static constexpr std::uint8_t kEvery = 99;
  std::uint8_t minute = kEvery, hour = kEvery, day = kEvery, month = kEvery;
  bool operator==(const FreezeTime&) const = default;
};

// Baud-rate code Z of change-baud (17H): bit 1 = 600 … bit 6 = 19200 bit/s.
Result<std::uint8_t> baud_code(unsigned bits_per_second);
Result<unsigned> baud_from_code(std::uint8_t z);

// The broadcast address 99…99 and the wildcard AA…AA (read address, single meter on the bus).
MeterAddress broadcast_address();
MeterAddress wildcard_address();
// True when a meter with address `own` must act on a frame sent to `target`: equal, broadcast,
// or equal in every byte that is not AA.
bool addressed_to(const MeterAddress& target, const MeterAddress& own);

// ---------------------------------------------------------------------------------------------
// Master side: requests.

Frame read_request(const MeterAddress& to, std::uint32_t di);
// Reads of load-profile items carry extra parameters after the DI (count, start time).
Result<Frame> read_request(const MeterAddress& to, std::uint32_t di,
                           std::span<const std::uint8_t> parameters);
Frame read_follow_up_request(const MeterAddress& to, std::uint32_t di, std::uint8_t seq);
Frame read_address_request();
Frame read_request_1997(const MeterAddress& to, std::uint16_t di);
// Broadcast time 08H: time as the meter's civil (Beijing) time. Errors: OutOfRange (year).
Result<Frame> broadcast_time_request(const CivilTime& meter_time);
Result<Frame> write_request(const MeterAddress& to, std::uint32_t di, const Password& password,
                            const OperatorCode& op, std::span<const std::uint8_t> value);
Frame write_address_request(const MeterAddress& new_address);
Frame freeze_request(const MeterAddress& to, const FreezeTime& when);
Frame change_baud_request(const MeterAddress& to, std::uint8_t z);
// di = 04000C0x where x is the new password's level.
Frame change_password_request(const MeterAddress& to, std::uint32_t di, const Password& old_pw,
                              const Password& new_pw);
Frame clear_demand_request(const MeterAddress& to, const Password& password,
                           const OperatorCode& op);
Frame clear_meter_request(const MeterAddress& to, const Password& password,
                          const OperatorCode& op);
// event_di = FFFFFFFF clears every event record.
Frame clear_events_request(const MeterAddress& to, const Password& password,
                           const OperatorCode& op, std::uint32_t event_di);
// Errors: OutOfRange (deadline year outside 2000..2099).
Result<Frame> remote_control_request(const MeterAddress& to, const Password& password,
                                     const OperatorCode& op, ControlAction action,
                                     const CivilTime& valid_until);

// Master side: replies. An abnormal reply parses successfully with `error` set: the meter
// answered, it refused. Errors are for replies that break the protocol.
struct Reply {
  MeterAddress address;
  std::uint8_t function = 0;  // the request's function (D4..D0)
  bool more_follows = false;
  std::optional<ErrorWord> error;
  std::uint32_t di = 0;                // read replies (2 bytes in 1997 replies)
  std::span<const std::uint8_t> data;  // read: the value after the DI (and before SEQ);
                                       // read address: the 6 address bytes; others: all data
  std::optional<std::uint8_t> seq;     // follow-up replies
};
// Errors: Malformed (a request, not a reply; too short for its function).
Result<Reply> parse_reply(const Frame& frame);
Result<Reply> parse_reply(const Frame&& frame) = delete;  // the Reply would point into a temporary

// Value `index` of a read reply's item, via the catalogue of the reply's edition.
// Errors: Unsupported (identifier not catalogued), as decode_quantity otherwise.
Result<Quantity> reply_quantity(const Reply& reply, std::size_t index = 0);

// ---------------------------------------------------------------------------------------------
// Device side: requests as a meter sees them.

struct Request {
  MeterAddress address;  // as sent: may be wildcard or broadcast
  Edition edition = Edition::V2007;
  std::uint8_t function = 0;
  std::uint32_t di = 0;  // read, follow-up, write, change password, clear events
  std::uint8_t seq = 0;  // follow-up
  Password password;     // write, clear, remote control, change password (old)
  Password new_password;
  OperatorCode op{};
  std::span<const std::uint8_t> value;  // write data; read parameters; write-address bytes
  CivilTime time;                       // broadcast time; remote-control deadline
  FreezeTime freeze;
  std::uint8_t baud = 0;
  std::uint8_t action = 0;  // remote control N1 (ControlAction when known)
};
// Errors: Malformed (a reply; data too short or too long for the function; time not BCD),
// Unsupported (a function this codec does not know).
Result<Request> parse_request(const Frame& frame);
Result<Request> parse_request(const Frame&& frame) = delete;  // as parse_reply

// Errors (replies with data): OutOfRange when the value does not fit in the data field.
Result<Frame> read_reply(const MeterAddress& own, std::uint32_t di, std::span<const std::uint8_t> value,
                 bool more_follows = false);
Result<Frame> read_reply_1997(const MeterAddress& own, std::uint16_t di,
                      std::span<const std::uint8_t> value);
Result<Frame> read_follow_up_reply(const MeterAddress& own, std::uint32_t di,
                           std::span<const std::uint8_t> value, std::uint8_t seq,
                           bool more_follows);
Frame read_address_reply(const MeterAddress& own);
// Normal reply with no data (write, write address, freeze, clear, remote control, password
// change echoes the new password in the standard; this codec sends the 4 bytes when given).
Result<Frame> ack_reply(const MeterAddress& own, std::uint8_t function,
                std::span<const std::uint8_t> data = {});
Frame error_reply(const MeterAddress& own, std::uint8_t function, ErrorWord error);

}  // namespace omni::protocol::dlt645
