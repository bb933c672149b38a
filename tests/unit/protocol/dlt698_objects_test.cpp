// The station's object table: attribute values to Quantities, and DAR names.

#include <gtest/gtest.h>

#include "protocol/dlt698/objects.hpp"
#include "support/hex.hpp"

namespace omni::protocol::dlt698 {
namespace {

using omni::testing::hex;

DataView view(const std::vector<std::uint8_t>& bytes) { return *Reader(bytes).read_data(); }

TEST(Dlt698Objects, TableRowsForTheStationsObjects) {
  for (std::uint32_t oad : {0x00100200u, 0x00200200u, 0x00000200u, 0x20000200u, 0x20010200u,
                            0x20040200u, 0x200A0200u, 0x200F0200u, 0x40000200u, 0x00100400u}) {
    EXPECT_NE(find_object(Oad::from_u32(oad)), nullptr) << std::hex << oad;
  }
  EXPECT_EQ(find_object(Oad::from_u32(0x00100300)), nullptr);  // attribute 3: Scaler_Unit
  const ObjectInfo* v = find_object(Oad::from_u32(0x20000201));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->type, DataType::LongUnsigned);
  EXPECT_EQ(v->scaler, -1);
  EXPECT_EQ(v->unit, Unit::V);
  EXPECT_GE(object_table().size(), 16u);
}

TEST(Dlt698Objects, CurrentIsSignedWithThreeDecimals) {
  auto bytes = hex("01 03 05 00 00 13 88 05 FF FF EC 78 00");  // 5.000 A, -5.000 A, absent
  std::array<std::optional<Quantity>, 3> q;
  auto n = decode_quantities(Oad::from_u32(0x20010200), view(bytes), q);
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  ASSERT_EQ(*n, 3u);
  EXPECT_EQ(q[0]->to_string(), "5.000 A");
  EXPECT_EQ(q[1]->to_string(), "-5.000 A");
  EXPECT_FALSE(q[2].has_value());  // null: the phase does not exist
}

TEST(Dlt698Objects, PowerFactorAcceptsEitherIntegerType) {
  // Most sources type 200A as long; one terminal configuration says long-unsigned (notes §6).
  auto as_long = hex("01 01 10 03 B6");
  auto as_unsigned = hex("01 01 12 03 B6");
  std::array<std::optional<Quantity>, 1> q;
  ASSERT_TRUE(decode_quantities(Oad::from_u32(0x200A0200), view(as_long), q).has_value());
  EXPECT_EQ(q[0]->to_string(), "0.950");
  ASSERT_TRUE(decode_quantities(Oad::from_u32(0x200A0200), view(as_unsigned), q).has_value());
  EXPECT_EQ(q[0]->to_string(), "0.950");
}

TEST(Dlt698Objects, FrequencyIsSingleAndDemandTakesTheValue) {
  auto hz = hex("12 13 88");
  std::array<std::optional<Quantity>, 2> q;
  ASSERT_EQ(*decode_quantities(Oad::from_u32(0x200F0200), view(hz), q), 1u);
  EXPECT_EQ(q[0]->to_string(), "50.00 Hz");
  auto demand =
      hex("01 02 02 02 06 00 00 30 39 1C 07 EA 01 02 03 04 05 "
          "02 02 06 00 00 00 01 1C 07 EA 01 02 03 04 05");
  ASSERT_EQ(*decode_quantities(Oad::from_u32(0x10100200), view(demand), q), 2u);
  EXPECT_EQ(q[0]->to_string(), "1.2345 kW");
}

TEST(Dlt698Objects, ErrorsAreValues) {
  std::array<std::optional<Quantity>, 2> q;
  auto clock = hex("1C 07 EA 01 02 03 04 05");
  EXPECT_EQ(decode_quantities(Oad::from_u32(0x40000200), view(clock), q).error().code,
            ErrorCode::Unsupported);
  auto energy = hex("01 03 06 00 00 00 01 06 00 00 00 02 06 00 00 00 03");
  EXPECT_EQ(decode_quantities(Oad::from_u32(0x00100200), view(energy), q).error().code,
            ErrorCode::OutOfRange);  // 3 values, room for 2
  auto text = hex("0A 02 41 42");
  EXPECT_EQ(decode_quantities(Oad::from_u32(0x00100200), view(text), q).error().code,
            ErrorCode::Unsupported);
  auto not_int = hex("01 01 0A 01 41");
  EXPECT_EQ(decode_quantities(Oad::from_u32(0x00100200), view(not_int), q).error().code,
            ErrorCode::Unsupported);
}

TEST(Dlt698Objects, PositiveScalerMultiplies) {
  auto v = hex("12 00 0C");
  auto q = to_quantity(view(v), 3, Unit::Wh);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ((*q)->to_string(), "12000 Wh");
  auto big = hex("14 7F FF FF FF FF FF FF FF");
  EXPECT_EQ(to_quantity(view(big), 2, Unit::Wh).error().code, ErrorCode::OutOfRange);
  EXPECT_EQ(to_quantity(view(v), -19, Unit::Wh).error().code, ErrorCode::OutOfRange);
}

TEST(Dlt698Objects, DarNames) {
  EXPECT_EQ(dar_name(0), "success");
  EXPECT_EQ(dar_name(4), "object undefined");
  EXPECT_EQ(dar_name(35), "ESAM LC wrong");
  EXPECT_EQ(dar_name(255), "other");
  EXPECT_EQ(dar_name(100), "unknown");
}

}  // namespace
}  // namespace omni::protocol::dlt698
