// Masks on UTF-8 code points and SM4 field encryption with key ids and rotation.
#include "access/privacy.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/bytes.hpp"
#include "support/temp_dir.hpp"

namespace omni::access {
namespace {

TEST(Mask, Names) {
  EXPECT_EQ(mask_name("张三丰"), "张*丰");
  EXPECT_EQ(mask_name("张三"), "张*");
  EXPECT_EQ(mask_name("欧阳娜娜"), "欧**娜");
  EXPECT_EQ(mask_name("张"), "*");
  EXPECT_EQ(mask_name(""), "");
  EXPECT_EQ(mask_name("Li Lei"), "L****i");
}

TEST(Mask, Phones) {
  EXPECT_EQ(mask_phone("13812341234"), "138****1234");
  EXPECT_EQ(mask_phone("138-1234-1234"), "138****1234");
  EXPECT_EQ(mask_phone("010-65551234"), "****1234");
  EXPECT_EQ(mask_phone("123"), "***");
}

TEST(Mask, IdNumbers) {
  EXPECT_EQ(mask_id_number("110105199001011234"), "110105********1234");
  EXPECT_EQ(mask_id_number("11010519900101123X"), "110105********123X");
  EXPECT_EQ(mask_id_number("1234567890"), "**********");  // too short to show both ends
}

TEST(Mask, Addresses) {
  EXPECT_EQ(mask_address("北京市朝阳区望京街道望京家园社区3号楼2单元401"),
            "北京市朝阳区望京街道望京家园社区****");
  EXPECT_EQ(mask_address("朝阳区望京家园3号楼401"), "朝阳区望京家园****");
  EXPECT_EQ(mask_address("朝阳区东华街道8号"), "朝阳区东华街道****");
  EXPECT_EQ(mask_address("某地8号楼401室"), "某地8号****");
  EXPECT_EQ(mask_address("朝阳"), "**");
}

TEST(Mask, BankReferences) {
  EXPECT_EQ(mask_bank_ref("6222021234567890"), "****7890");
  EXPECT_EQ(mask_bank_ref("6222 0212 3456 7890"), "****7890");
  EXPECT_EQ(mask_bank_ref("789"), "***");
}

TEST(Mask, NeverSplitsACharacterOrLeaksOnBadUtf8) {
  std::string bad = "\xE5\xBC";  // a truncated 3-byte character
  EXPECT_EQ(mask_name(bad), "**");
  std::string masked = mask_name("张\xFF三");
  EXPECT_EQ(masked, "张*三");
}

crypto::Bytes block(std::uint8_t fill) { return crypto::Bytes(32, fill); }

TEST(FieldCipher, RoundTripAndBinding) {
  KeyRing ring;
  ASSERT_TRUE(ring.add("k1", block(1)));
  auto sealed = encrypt_field(ring, "customer.phone:42", "13812341234");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_TRUE(sealed->starts_with("k1:"));
  EXPECT_EQ(sealed->find("13812341234"), std::string::npos);
  auto back = decrypt_field(ring, "customer.phone:42", *sealed);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, "13812341234");
  // Another row or column: the associated data differs, the box does not open.
  auto moved = decrypt_field(ring, "customer.phone:43", *sealed);
  ASSERT_FALSE(moved.has_value());
  EXPECT_EQ(moved.error().code, ErrorCode::BadChecksum);
  // A flipped ciphertext digit is caught by the MAC.
  std::string flipped = *sealed;
  flipped[5] = flipped[5] == '0' ? '1' : '0';
  EXPECT_EQ(decrypt_field(ring, "customer.phone:42", flipped).error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(decrypt_field(ring, "customer.phone:42", "nonsense").error().code,
            ErrorCode::Malformed);
}

TEST(FieldCipher, RotationKeepsOldValuesReadable) {
  KeyRing ring;
  ASSERT_TRUE(ring.add("k1", block(1)));
  auto old_value = encrypt_field(ring, "c", "张三");
  ASSERT_TRUE(ring.add("k2", block(2)));  // the last added becomes current
  EXPECT_EQ(ring.current_id(), "k2");
  auto new_value = encrypt_field(ring, "c", "张三");
  ASSERT_TRUE(old_value && new_value);
  EXPECT_TRUE(new_value->starts_with("k2:"));
  EXPECT_EQ(*decrypt_field(ring, "c", *old_value), "张三");
  EXPECT_EQ(*decrypt_field(ring, "c", *new_value), "张三");
  // Relabelling a k1 value as k2 does not open (the id is authenticated).
  std::string relabelled = "k2" + old_value->substr(2);
  EXPECT_FALSE(decrypt_field(ring, "c", relabelled).has_value());
  KeyRing only_new;
  ASSERT_TRUE(only_new.add("k2", block(2)));
  EXPECT_EQ(decrypt_field(only_new, "c", *old_value).error().code, ErrorCode::NotFound);
  EXPECT_EQ(ring.add("k1", block(3)).error().code, ErrorCode::Duplicate);
  EXPECT_EQ(ring.add("bad:id", block(3)).error().code, ErrorCode::OutOfRange);
}

TEST(FieldCipher, KeyFileMustBePrivate) {
  omni::testing::TempDir dir;
  auto file = dir / "fields.keys";
  {
    std::ofstream out(file);
    out << "# field keys\nk1 " << std::string(64, 'a') << "\nk2 " << std::string(64, 'b') << "\n";
  }
  ::chmod(file.c_str(), 0644);
  auto loose = load_key_ring(file);
  ASSERT_FALSE(loose.has_value());
  EXPECT_EQ(loose.error().code, ErrorCode::Config);
  ::chmod(file.c_str(), 0600);
  auto ring = load_key_ring(file);
  ASSERT_TRUE(ring.has_value()) << ring.error().to_string();
  EXPECT_EQ(ring->current_id(), "k2");
  EXPECT_NE(ring->find("k1"), nullptr);
  {
    std::ofstream out(file);
    out << "k1 abcd\n";
  }
  auto bad = load_key_ring(file);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::Malformed);
  EXPECT_NE(bad.error().detail.find("line 1"), std::string::npos);
  EXPECT_EQ(load_key_ring(dir / "missing").error().code, ErrorCode::Io);
}

}  // namespace
}  // namespace omni::access
