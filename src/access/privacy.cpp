#include "access/privacy.hpp"

#include <sys/stat.h>

#include <array>
#include <fstream>
#include <vector>

#include "crypto/bytes.hpp"

namespace omni::access {
namespace {

// Splits UTF-8 into code points. A byte that does not start a well-formed sequence is one
// "character" of its own, so odd input is still masked position by position.
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 1;
    if (i + n > s.size()) n = 1;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        n = 1;
        break;
      }
    }
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// A lone byte >= 0x80 is not a character: shown as '*' even where a character would be kept,
// so invalid input never leaks raw bytes.
bool invalid(std::string_view cp) {
  return cp.size() == 1 && static_cast<unsigned char>(cp[0]) >= 0x80;
}

std::string join(const std::vector<std::string_view>& cps, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < cps.size(); ++i) {
    if (invalid(cps[i])) {
      out += '*';
    } else {
      out += cps[i];
    }
  }
  return out;
}

// Keeps `head` code points and `tail` code points, stars in between (one per hidden code
// point). When too short to hide anything, hides everything.
std::string keep_ends(std::string_view text, std::size_t head, std::size_t tail) {
  auto cps = code_points(text);
  if (cps.size() <= head + tail) return std::string(cps.size(), '*');
  return join(cps, 0, head) + std::string(cps.size() - head - tail, '*') +
         join(cps, cps.size() - tail, cps.size());
}

// Digits only ("+86 138-1234-1234" → "8613812341234").
std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

// End (in bytes) of the last occurrence of any marker, or npos.
std::size_t last_marker_end(std::string_view text,
                            std::initializer_list<std::string_view> markers) {
  std::size_t best = std::string_view::npos;
  for (auto m : markers) {
    std::size_t at = text.rfind(m);
    if (at != std::string_view::npos && (best == std::string_view::npos || at + m.size() > best)) {
      best = at + m.size();
    }
  }
  return best;
}

}  // namespace

std::string mask_name(std::string_view name) {
  auto cps = code_points(name);
  if (cps.empty()) return "";
  if (cps.size() == 1) return "*";
  if (cps.size() == 2) return join(cps, 0, 1) + "*";
  return keep_ends(name, 1, 1);
}

std::string mask_phone(std::string_view phone) {
  std::string d = digits_of(phone);
  if (d.size() == 11 && d[0] == '1') return d.substr(0, 3) + "****" + d.substr(7);  // mobile
  // Landlines and other lengths: only the last four digits survive.
  if (d.size() > 4) return "****" + d.substr(d.size() - 4);
  return std::string(d.size(), '*');
}

std::string mask_id_number(std::string_view id) { return keep_ends(id, 6, 4); }

std::string mask_address(std::string_view address) {
  std::size_t end = last_marker_end(
      address, {"社区", "小区", "村", "家园", "花园", "苑", "公寓", "大院", "新村"});
  if (end == std::string_view::npos) end = last_marker_end(address, {"街道", "镇", "乡"});
  if (end == std::string_view::npos) {
    auto cps = code_points(address);
    if (cps.size() <= 4) return std::string(cps.size(), '*');
    return join(cps, 0, 4) + "****";
  }
  auto kept = code_points(address.substr(0, end));
  std::string out = join(kept, 0, kept.size());
  return end >= address.size() ? out : out + "****";
}

std::string mask_bank_ref(std::string_view reference) {
  auto cps = code_points(reference);
  std::vector<std::string_view> kept;
  for (auto cp : cps) {
    if (cp != " " && cp != "-") kept.push_back(cp);
  }
  if (kept.size() <= 4) return std::string(kept.size(), '*');
  return "****" + join(kept, kept.size() - 4, kept.size());
}

Status KeyRing::add(std::string id, crypto::ByteView key_block) {
  if (id.empty() || id.find(':') != std::string::npos || id.find(' ') != std::string::npos) {
    return fail(ErrorCode::OutOfRange, "key id must be non-empty without ':' or spaces");
  }
  auto key = crypto::SealKey::from_bytes(key_block);
  if (!key) return fail(key.error());
  if (keys_.contains(id)) return fail(ErrorCode::Duplicate, "key id '" + id + "' twice");
  current_ = id;
  keys_.emplace(std::move(id), std::move(*key));
  return ok();
}

Status KeyRing::set_current(std::string_view id) {
  if (!keys_.contains(id)) return fail(ErrorCode::NotFound, "no key '" + std::string(id) + "'");
  current_ = std::string(id);
  return ok();
}

const crypto::SealKey* KeyRing::find(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

Result<KeyRing> load_key_ring(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return fail(ErrorCode::Io, "cannot read key file " + file.string());
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
    return fail(ErrorCode::Config, "key file " + file.string() +
                                       " must be a regular file with mode 0600 (or stricter)");
  }
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::Io, "cannot read key file " + file.string());
  KeyRing ring;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::size_t space = line.find_first_of(" \t", start);
    std::size_t hex_at = space == std::string::npos ? space : line.find_first_not_of(" \t", space);
    auto bad = [&] {
      return fail(ErrorCode::Malformed,
                  file.string() + " line " + std::to_string(number) + ": expected '<id> <64 hex>'");
    };
    if (hex_at == std::string::npos) return bad();
    std::size_t hex_end = line.find_last_not_of(" \t");
    auto bytes = crypto::from_hex(std::string_view(line).substr(hex_at, hex_end + 1 - hex_at));
    if (!bytes || bytes->size() != 32) return bad();
    auto added = ring.add(line.substr(start, space - start), *bytes);
    crypto::wipe(*bytes);
    if (!added)
      return fail(added.error().code,
                  file.string() + " line " + std::to_string(number) + ": " + added.error().detail);
  }
  crypto::wipe({reinterpret_cast<std::uint8_t*>(line.data()), line.size()});
  if (ring.empty()) return fail(ErrorCode::Malformed, file.string() + " holds no key");
  return ring;
}

Result<std::string> encrypt_field(const KeyRing& ring, std::string_view context,
                                  std::string_view plaintext) {
  const crypto::SealKey* key = ring.find(ring.current_id());
  if (key == nullptr) return fail(ErrorCode::NotFound, "no current field-encryption key");
  // The key id is authenticated too: relabelling a value with another id does not open.
  std::string ad = ring.current_id() + ":" + std::string(context);
  crypto::Bytes box = crypto::seal(*key, crypto::as_bytes(ad), crypto::as_bytes(plaintext));
  return ring.current_id() + ":" + crypto::to_hex(box);
}

Result<std::string> decrypt_field(const KeyRing& ring, std::string_view context,
                                  std::string_view stored) {
  std::size_t colon = stored.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorCode::Malformed, "encrypted field is not '<key id>:<hex>'");
  }
  std::string_view id = stored.substr(0, colon);
  const crypto::SealKey* key = ring.find(id);
  if (key == nullptr) {
    return fail(ErrorCode::NotFound, "field-encryption key '" + std::string(id) + "' unknown");
  }
  auto box = crypto::from_hex(stored.substr(colon + 1));
  if (!box) return fail(ErrorCode::Malformed, "encrypted field is not '<key id>:<hex>'");
  std::string ad = std::string(id) + ":" + std::string(context);
  auto plain = crypto::open(*key, crypto::as_bytes(ad), *box);
  if (!plain) return fail(plain.error());
  std::string out(plain->begin(), plain->end());
  crypto::wipe(*plain);
  return out;
}

}  // namespace omni::access
