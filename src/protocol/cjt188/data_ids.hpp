#pragma once
// The CJ/T 188 data-identifier catalogue as a table: one row per identifier or range of
// identifiers that share a layout. The frame decoder uses it to tell which byte order a meter
// sends the DI in (see frame.hpp); the message layer uses `kind` to pick a layout.
//
// Identifiers are written as one number the way documents print them (0x901F = current metering
// data); on the wire they appear either low byte first or high byte first.

#include <cstdint>
#include <span>
#include <string_view>

namespace omni::protocol::cjt188 {

enum class DataKind : std::uint8_t {
  MeterData,      // 901F: current metering data (water/gas or heat layout)
  History,        // D120..D12B: value at the 1st..12th previous settlement day (4 + unit)
  PriceTable,     // 8102 read / A010 write
  SettlementDay,  // 8103 read / A011 write: one BCD day
  ReadingDay,     // 8104 read / A012 write: one BCD day
  Purchase,       // 8105 read / A013 write
  KeyVersion,     // 8106 read (function 09) / A014 write new key
  Address,        // 810A read address (function 03)
  WriteTime,      // A015: 7-byte time
  MotorSync,      // A016: base value 4 + unit (function 16)
  ValveControl,   // A017: one command byte
  WriteAddress,   // A018: new 7-byte address (function 15)
  FactoryEnable,  // A019
  Raw,            // known identifier whose layout this codec keeps as bytes (2018 additions)
};

struct DataId {
  std::uint16_t first;
  std::uint16_t last;  // = first unless the row is a range (D120..D12B)
  DataKind kind;
  std::uint8_t function;  // function code of the request that carries it
  std::string_view name;
};

// Well-known identifiers, for readable call sites.
inline constexpr std::uint16_t kDiMeterData = 0x901F;
inline constexpr std::uint16_t kDiHistoryFirst = 0xD120;  // + (n - 1) for the n-th month back
inline constexpr std::uint16_t kDiPriceTable = 0x8102;
inline constexpr std::uint16_t kDiSettlementDay = 0x8103;
inline constexpr std::uint16_t kDiReadingDay = 0x8104;
inline constexpr std::uint16_t kDiPurchase = 0x8105;
inline constexpr std::uint16_t kDiKeyVersion = 0x8106;
inline constexpr std::uint16_t kDiReadAddress = 0x810A;
inline constexpr std::uint16_t kDiWritePriceTable = 0xA010;
inline constexpr std::uint16_t kDiWriteSettlementDay = 0xA011;
inline constexpr std::uint16_t kDiWriteReadingDay = 0xA012;
inline constexpr std::uint16_t kDiWritePurchase = 0xA013;
inline constexpr std::uint16_t kDiWriteKey = 0xA014;
inline constexpr std::uint16_t kDiWriteTime = 0xA015;
inline constexpr std::uint16_t kDiMotorSync = 0xA016;
inline constexpr std::uint16_t kDiValveControl = 0xA017;
inline constexpr std::uint16_t kDiWriteAddress = 0xA018;
inline constexpr std::uint16_t kDiFactoryEnable = 0xA019;

// The row describing `di`, or nullptr when the catalogue does not know it.
const DataId* find_data_id(std::uint16_t di);
std::span<const DataId> data_ids();

}  // namespace omni::protocol::cjt188
