#pragma once
// CJ/T 188 messages on top of the link frame, for both roles:
//
//   master station: make_* requests  ->  meter  ->  parse_* replies
//   meter (sim):    parse_request     <-  master <-  make_*_reply
//
// Layouts (data after DI and SER; all numbers BCD, least significant byte first):
//   901F water/gas reply (19 bytes): current 4+unit, settlement-day 4+unit, time 7, ST 2
//   901F heat reply (43 bytes): settlement heat 4+unit, current heat 4+unit, power 4+unit,
//        flow rate XXXX.XXXX 4+unit, cumulative flow 4+unit, supply and return temperature
//        XXXX.XX °C (3 each), working hours XXXXXX h (3), time 7, ST 2
//   D120..D12B reply: 4+unit
//   A015 write time: 7 bytes ss mm hh DD MM YY(low) YY(high)
//   A017 valve control: 1 byte (55H open, 99H close; vendors add AAH exercise, 77H half-open);
//        the reply carries ST
//   A018 write address (function 15H): the new address, 7 bytes least significant first
//   A011 / A012 settlement / reading day: 1 BCD byte
//   A010 price table: price 1..3 XXXX.XX yuan (3 bytes each) and step volumes 1..2 XXXXXX
//        (3 bytes each) interleaved p1 v1 p2 v2 p3, then the start day (1 BCD byte); 8102 reads
//        the same without the start day
//   abnormal reply: SER + ST, or DI + SER + ST
//
// Which 901F layout applies is decided by the meter-type family (10H–19H water, 20H–29H heat,
// 30H–39H gas; other codes by the reply length). Values that are not BCD come back as empty
// optionals, a meter clock of all zeros as "not set"; neither fails the reply.
//
// Everything here is a value type without heap allocation.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "core/meter_address.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "protocol/cjt188/data_ids.hpp"
#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/units.hpp"

namespace omni::protocol::cjt188 {

// ---------------------------------------------------------------------------------------------
// Shared value types

enum class ValveState : std::uint8_t { Open, Closed, Abnormal, Reserved };

// Where a meter keeps the valve and battery bits of ST byte 0.
enum class StLayout : std::uint8_t {
  Standard,  // D1D0 valve (00 open, 01 closed, 11 abnormal), D2 battery low
  Mirrored,  // one open firmware: D7D6 valve (00 open, 01 closed, 11 abnormal), D5 battery low
};

struct MeterStatus {
  ValveState valve = ValveState::Open;
  bool battery_low = false;
  std::array<std::uint8_t, 2> raw{};  // as sent: byte 1 and the other bits are vendor-defined

  bool operator==(const MeterStatus&) const = default;
};

MeterStatus decode_status(std::uint8_t byte0, std::uint8_t byte1,
                          StLayout layout = StLayout::Standard);
// raw with the valve and battery bits replaced by the fields (standard layout).
std::array<std::uint8_t, 2> encode_status(const MeterStatus& status);

enum class ValveCommand : std::uint8_t {
  Open = 0x55,
  Close = 0x99,
  Exercise = 0xAA,  // vendor extension: move the valve to keep it free
  HalfOpen = 0x77,  // vendor extension
};

struct WaterGasData {
  Reading current;                      // cumulative volume now
  Reading settlement;                   // cumulative volume at the last settlement day
  std::optional<CivilTime> meter_time;  // meter-local; empty when all zero (clock not set)
  MeterStatus status;

  bool operator==(const WaterGasData&) const = default;
};

struct HeatData {
  Reading settlement_heat;
  Reading current_heat;
  Reading power;
  Reading flow_rate;  // XXXX.XXXX
  Reading cumulative_flow;
  std::optional<Quantity> supply_temperature;  // °C, 2 decimals
  std::optional<Quantity> return_temperature;  // °C, 2 decimals
  std::optional<Quantity> working_hours;       // h
  std::optional<CivilTime> meter_time;
  MeterStatus status;

  bool operator==(const HeatData&) const = default;
};

using MeterData = std::variant<WaterGasData, HeatData>;

struct PriceTable {
  std::array<Fen, 3> prices{};                 // yuan per unit, two decimals (≤ 9999.99)
  std::array<std::uint32_t, 2> step_volume{};  // whole units (≤ 999999)
  std::uint8_t start_day = 1;                  // write only: day of month the table applies

  bool operator==(const PriceTable&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Master side: requests

// Read-type requests (function 01) for 901F, D120..D12B, 8102..8105.
Frame make_read_data(MeterType type, const MeterAddress& address, std::uint16_t di,
                     std::uint8_t ser, DiOrder order = DiOrder::LowFirst);
// Read address (function 03, DI 810A) to the all-AA wildcard address: only use it with one meter
// on the bus.
Frame make_read_address(MeterType type, std::uint8_t ser, DiOrder order = DiOrder::LowFirst);
// Errors: OutOfRange (year outside 0..9999 or an impossible date).
Result<Frame> make_write_time(MeterType type, const MeterAddress& address, const CivilTime& time,
                              std::uint8_t ser, DiOrder order = DiOrder::LowFirst);
Frame make_valve_control(MeterType type, const MeterAddress& address, ValveCommand command,
                         std::uint8_t ser, DiOrder order = DiOrder::LowFirst);
// Errors: OutOfRange (a price, volume or day does not fit its field).
Result<Frame> make_write_price_table(MeterType type, const MeterAddress& address,
                                     const PriceTable& table, std::uint8_t ser,
                                     DiOrder order = DiOrder::LowFirst);
// day 1..31. Errors: OutOfRange.
Result<Frame> make_write_settlement_day(MeterType type, const MeterAddress& address,
                                        std::uint8_t day, std::uint8_t ser,
                                        DiOrder order = DiOrder::LowFirst);
// Errors: Malformed (new address not 7 bytes).
Result<Frame> make_write_address(MeterType type, const MeterAddress& address,
                                 const MeterAddress& new_address, std::uint8_t ser,
                                 DiOrder order = DiOrder::LowFirst);
// Motor-sync / base value (function 16H). Errors: as encode_reading.
Result<Frame> make_write_motor_sync(MeterType type, const MeterAddress& address,
                                    const Reading& base, std::uint8_t ser,
                                    DiOrder order = DiOrder::LowFirst);

// ---------------------------------------------------------------------------------------------
// Master side: replies

// Errors (all parsers): Unsupported (not a normal reply of the expected function / DI; an
// abnormal reply goes to parse_abnormal), Malformed (data too short).
Result<MeterData> parse_meter_data(const Frame& reply, StLayout layout = StLayout::Standard);

struct HistoryValue {
  int months_back = 1;  // 1..12 (DI D120 = 1)
  Reading value;
  bool operator==(const HistoryValue&) const = default;
};
Result<HistoryValue> parse_history(const Frame& reply);

struct AddressReply {
  MeterType type;
  MeterAddress address;  // from the data when the meter echoes it there, else the header
  std::uint8_t ser = 0;
  bool operator==(const AddressReply&) const = default;
};
Result<AddressReply> parse_address(const Frame& reply);

// Acknowledgement of a write (84H, 95H, 96H): DI + SER, the valve reply adds ST.
struct WriteAck {
  std::uint8_t function = 0;
  std::uint16_t di = 0;
  std::uint8_t ser = 0;
  std::optional<MeterStatus> status;
  bool operator==(const WriteAck&) const = default;
};
Result<WriteAck> parse_write_ack(const Frame& reply, StLayout layout = StLayout::Standard);

// Settlement day (8103) or reading day (8104). Errors: also OutOfRange (not BCD).
Result<std::uint8_t> parse_day(const Frame& reply);
// Errors: also OutOfRange (not BCD).
Result<PriceTable> parse_price_table(const Frame& reply);

// What failed, from the function code of the abnormal reply.
enum class Failure : std::uint8_t {
  ReadData,        // C1H
  ReadAddress,     // C3H
  WriteData,       // C4H
  ReadKeyVersion,  // C9H
  WriteAddress,    // D5H
  MotorSync,       // D6H
  Vendor,          // a vendor function (20H and above)
};
std::string_view failure_name(Failure failure);  // "read data failed"

struct AbnormalReply {
  Failure failure = Failure::ReadData;
  std::uint8_t function = 0;
  bool has_di = false;
  std::uint16_t di = 0;
  std::uint8_t ser = 0;
  MeterStatus status;  // ST; meters report the reason (valve fault, low battery) here
  bool operator==(const AbnormalReply&) const = default;
};
// Errors: Unsupported (not an abnormal reply), Malformed (no ST).
Result<AbnormalReply> parse_abnormal(const Frame& reply, StLayout layout = StLayout::Standard);

// ---------------------------------------------------------------------------------------------
// Device side

struct MeterIdentity {
  MeterType type;
  MeterAddress address;  // 7 bytes
};

// Whether a request is for this meter: address equal or all AA, type equal or AAH.
bool addressed_to(const Frame& request, const MeterIdentity& me);

struct ReadRequest {  // function 01 (and 09 key version): the DI says what
  bool operator==(const ReadRequest&) const = default;
};
struct ReadAddressRequest {
  bool operator==(const ReadAddressRequest&) const = default;
};
struct WriteTimeRequest {
  CivilTime time;
  bool operator==(const WriteTimeRequest&) const = default;
};
struct ValveRequest {
  std::uint8_t command = 0;  // ValveCommand, or a vendor byte
  bool operator==(const ValveRequest&) const = default;
};
struct WritePriceTableRequest {
  PriceTable table;
  bool operator==(const WritePriceTableRequest&) const = default;
};
struct WriteDayRequest {  // A011 settlement day or A012 reading day
  std::uint8_t day = 1;
  bool operator==(const WriteDayRequest&) const = default;
};
struct WriteAddressRequest {
  MeterAddress new_address;
  bool operator==(const WriteAddressRequest&) const = default;
};
struct MotorSyncRequest {
  Reading base;
  bool operator==(const MotorSyncRequest&) const = default;
};
struct OtherRequest {  // anything else: the frame's data holds the raw bytes
  bool operator==(const OtherRequest&) const = default;
};

using RequestBody = std::variant<ReadRequest, ReadAddressRequest, WriteTimeRequest, ValveRequest,
                                 WritePriceTableRequest, WriteDayRequest, WriteAddressRequest,
                                 MotorSyncRequest, OtherRequest>;

struct Request {
  MeterType type;
  MeterAddress address;
  std::uint8_t function = 0;
  std::uint16_t di = 0;
  DiOrder di_order = DiOrder::LowFirst;
  std::uint8_t ser = 0;
  RequestBody body;
  bool operator==(const Request&) const = default;
};

// Errors: Unsupported (a reply, not a request), Malformed (data too short for the DI),
// OutOfRange (non-BCD or impossible values).
Result<Request> parse_request(const Frame& frame);

// Replies echo the request's DI, its DI byte order and SER; they carry the meter's own type and
// address (a wildcard request gets the real ones back).
// Errors (meter-data replies): as encode_reading; Malformed (time not representable).
Result<Frame> make_meter_data_reply(const MeterIdentity& me, const Frame& request,
                                    const WaterGasData& data);
Result<Frame> make_heat_data_reply(const MeterIdentity& me, const Frame& request,
                                   const HeatData& data);
Result<Frame> make_history_reply(const MeterIdentity& me, const Frame& request,
                                 const Reading& value);
// Errors: OutOfRange (day not 1..31).
Result<Frame> make_day_reply(const MeterIdentity& me, const Frame& request, std::uint8_t day);
Result<Frame> make_price_table_reply(const MeterIdentity& me, const Frame& request,
                                     const PriceTable& table);
Frame make_address_reply(const MeterIdentity& me, const Frame& request);
// 84H / 95H / 96H with DI + SER, plus ST when given (valve control replies carry it).
Frame make_write_ack(const MeterIdentity& me, const Frame& request,
                     const std::optional<MeterStatus>& status = std::nullopt);
// C1H … D6H: SER + ST, or DI + SER + ST with echo_di.
Frame make_abnormal_reply(const MeterIdentity& me, const Frame& request, const MeterStatus& status,
                          bool echo_di = false);

// Time fields: 7 bytes ss mm hh DD MM YY(low) YY(high). Empty -> all zero.
std::optional<CivilTime> decode_time(std::span<const std::uint8_t, 7> bytes);
Status encode_time(const std::optional<CivilTime>& time, std::span<std::uint8_t, 7> out);

}  // namespace omni::protocol::cjt188
