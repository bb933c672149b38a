#include "protocol/cjt188/data_ids.hpp"

namespace omni::protocol::cjt188 {
namespace {

using K = DataKind;

// CJ/T 188-2004 data identifiers (the 2018 edition keeps them), as listed by meter firmware
// and reading tools; the last rows are 2018 additions seen in one implementation, kept raw.
// No identifier here equals another one with its bytes swapped (a unit test checks it), which is
// what lets the decoder recognise either wire order.
constexpr DataId kDataIds[] = {
    {0x901F, 0x901F, K::MeterData, 0x01, "current metering data"},
    {0xD120, 0xD12B, K::History, 0x01, "previous settlement-day value"},
    {0x8102, 0x8102, K::PriceTable, 0x01, "price table"},
    {0x8103, 0x8103, K::SettlementDay, 0x01, "settlement day"},
    {0x8104, 0x8104, K::ReadingDay, 0x01, "reading day"},
    {0x8105, 0x8105, K::Purchase, 0x01, "purchase amount"},
    {0x8106, 0x8106, K::KeyVersion, 0x09, "key version"},
    {0x810A, 0x810A, K::Address, 0x03, "meter address"},
    {0xA010, 0xA010, K::PriceTable, 0x04, "write price table"},
    {0xA011, 0xA011, K::SettlementDay, 0x04, "write settlement day"},
    {0xA012, 0xA012, K::ReadingDay, 0x04, "write reading day"},
    {0xA013, 0xA013, K::Purchase, 0x04, "write purchase amount"},
    {0xA014, 0xA014, K::KeyVersion, 0x04, "write new key"},
    {0xA015, 0xA015, K::WriteTime, 0x04, "write standard time"},
    {0xA016, 0xA016, K::MotorSync, 0x16, "write motor-sync base value"},
    {0xA017, 0xA017, K::ValveControl, 0x04, "valve control"},
    {0xA018, 0xA018, K::WriteAddress, 0x15, "write address"},
    {0xA019, 0xA019, K::FactoryEnable, 0x04, "factory enable"},
    // 2018 edition additions (layouts not verified against the standard: raw bytes).
    {0x907F, 0x907F, K::Raw, 0x01, "real-time data (2018)"},
    {0x911F, 0x911F, K::Raw, 0x01, "heat and cooling data (2018)"},
    {0xA101, 0xA107, K::Raw, 0x04, "verification, communication, freeze, alarm, key (2018)"},
};

}  // namespace

const DataId* find_data_id(std::uint16_t di) {
  for (const auto& row : kDataIds) {
    if (di >= row.first && di <= row.last) return &row;
  }
  return nullptr;
}

std::span<const DataId> data_ids() { return kDataIds; }

}  // namespace omni::protocol::cjt188
