#pragma once
// Personal data (SEC-6): masks for display and logs, and field encryption at rest.
//
//   mask_name("张三丰") == "张*丰";  mask_name("张三") == "张*"
//   mask_phone("13812341234") == "138****1234"
//   mask_id_number("110105199001011234") == "110105********1234"
//   mask_bank_ref("6222021234567890") == "****7890"
//   mask_address("北京市朝阳区望京街道望京家园社区3号楼2单元401")
//       == "北京市朝阳区望京街道望京家园社区****"
//
// Masks work on UTF-8 code points (a Chinese character is one), never split a character, and
// never return more of the input than the rule allows, whatever the input looks like (short,
// empty, invalid UTF-8: everything unknown is masked).
//
// Field encryption: seal/open from src/crypto (SM4-CTR + HMAC-SM3, encrypt-then-MAC) under a key
// from a KeyRing. Each stored value carries the id of its key ("k2:" + hex box), so keys can be
// rotated: new writes use the current key, old rows stay readable until re-encrypted. The
// associated data binds a value to its place ("customer.phone:42"), so a ciphertext copied into
// another row or column does not open.
//
// Thread safety: functions are pure; a KeyRing is read-only after loading and may be shared.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/sm4.hpp"

namespace omni::access {

std::string mask_name(std::string_view name);
std::string mask_phone(std::string_view phone);
std::string mask_id_number(std::string_view id);
// Keeps the text up to and including the community level (社区, 小区, 村, 家园, 花园, 苑, 公寓,
// 大院, 新村); without one, up to the street level (街道, 镇, 乡); without that, the first four
// characters. The rest becomes "****".
std::string mask_address(std::string_view address);
std::string mask_bank_ref(std::string_view reference);

// Named field-encryption keys (32-byte key blocks: SM4 key then HMAC key) and the current one.
class KeyRing {
 public:
  // Errors: OutOfRange (id empty or containing ':', or block not 32 bytes), Duplicate.
  Status add(std::string id, crypto::ByteView key_block);
  // Errors: NotFound when no key has this id.
  Status set_current(std::string_view id);
  const std::string& current_id() const { return current_; }
  const crypto::SealKey* find(std::string_view id) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::map<std::string, crypto::SealKey, std::less<>> keys_;
  std::string current_;
};

// Loads a key file: one key per line, "<id> <64 hex digits>", '#' comments; the last key is
// the current one. The file must be a regular file not readable or writable by group or
// others (mode 0600 or stricter): Config otherwise, as for the CA's keys. Errors: Io (cannot
// read), Malformed (line N is not "id hex"), Config (permissions), Duplicate (id twice).
Result<KeyRing> load_key_ring(const std::filesystem::path& file);

// "<key id>:<hex of IV || ciphertext || tag>". Errors: NotFound (ring has no current key).
Result<std::string> encrypt_field(const KeyRing& ring, std::string_view context,
                                  std::string_view plaintext);
// Errors: Malformed (not "id:hex"), NotFound (key id unknown: rotated out too early),
// BadChecksum (wrong key, changed value, or another context).
Result<std::string> decrypt_field(const KeyRing& ring, std::string_view context,
                                  std::string_view stored);

}  // namespace omni::access
