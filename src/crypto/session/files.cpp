#include "crypto/session/files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "crypto/pki/keys.hpp"
#include "crypto/sm3.hpp"

namespace omni::crypto::session {
namespace {

namespace fs = std::filesystem;

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return fail(ErrorCode::NotFound, path.string() + ": no such file");
    return fail(ErrorCode::Io, path.string() + ": cannot read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<LocalIdentity> load_identity(const fs::path& path) {
  OMNI_TRY(pki::check_private_file(path));
  auto text = read_text(path);
  if (!text) return fail(text.error());
  constexpr std::string_view kPrefix = "address ";
  auto eol = text->find('\n');
  if (text->compare(0, kPrefix.size(), kPrefix) != 0 || eol == std::string::npos) {
    return fail(ErrorCode::Malformed, path.string() + ": first line must be \"address <digits>\"");
  }
  auto address = MeterAddress::from_digits(
      std::string_view(*text).substr(kPrefix.size(), eol - kPrefix.size()));
  if (!address) return fail(ErrorCode::Malformed, path.string() + ": " + address.error().detail);
  auto key = Sm2KeyPair::from_pem(std::string_view(*text).substr(eol + 1));
  if (!key) return fail(key.error().code, path.string() + ": " + key.error().detail);
  return LocalIdentity{*address, std::move(*key)};
}

Status save_identity(const fs::path& path, const LocalIdentity& identity) {
  return pki::write_private_file(
      path, fmt::format("address {}\n{}", identity.address.to_string(), identity.key.to_pem()));
}

Result<Registry> load_registry(const fs::path& path) {
  auto text = read_text(path);
  if (!text) return fail(text.error());
  std::istringstream lines(*text);
  std::string line;
  std::optional<Registry> registry;
  int number = 0;
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::Malformed, fmt::format("{}: line {}: {}", path.string(), number, why));
  };
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    if (space == std::string::npos) return bad("expected \"<kind> <hex>\"");
    std::string_view kind = std::string_view(line).substr(0, space);
    auto bytes = from_hex(std::string_view(line).substr(space + 1));
    if (!bytes) return bad("not hex");
    if (kind == "ca") {
      if (registry) return bad("a second ca line");
      auto ca = Sm2PublicKey::from_point(*bytes);
      if (!ca) return bad(ca.error().detail);
      registry.emplace(std::move(*ca));
      continue;
    }
    if (!registry) return bad("the ca line must come first");
    if (kind != "device" && kind != "revoked") return bad("kind must be ca, device or revoked");
    auto cert = Certificate::decode(*bytes);
    if (!cert) return bad(cert.error().detail);
    if (auto st = registry->register_device(*cert); !st) {
      return fail(st.error().code,
                  fmt::format("{}: line {}: {}", path.string(), number, st.error().detail));
    }
    if (kind == "revoked") OMNI_TRY(registry->revoke(cert->subject));
  }
  if (!registry) return fail(ErrorCode::Malformed, path.string() + ": no ca line");
  return std::move(*registry);
}

Status save_registry(const fs::path& path, const Registry& registry) {
  std::string out = "# omnimeter station-terminal registry (docs/security.md)\n";
  auto ca = registry.ca_key().to_point();
  out += fmt::format("ca {}\n", to_hex(ca));
  // Sorted by address so the file diffs cleanly.
  std::vector<const DeviceIdentity*> all;
  for (const auto& [address, identity] : registry.devices()) all.push_back(&identity);
  std::sort(all.begin(), all.end(), [](const DeviceIdentity* a, const DeviceIdentity* b) {
    return a->address.to_string() < b->address.to_string();
  });
  for (const DeviceIdentity* d : all) {
    out += fmt::format("{} {}\n", d->status == DeviceStatus::Revoked ? "revoked" : "device",
                       to_hex(d->certificate.encode()));
  }
  return pki::write_public_file(path, out);
}

Sm2KeyPair derive_key(std::uint64_t seed, std::string_view label) {
  std::string text = fmt::format("omnimeter-sim-key|{}|{}", seed, label);
  Bytes input(text.begin(), text.end());
  for (;;) {
    Sm3Digest d = sm3(input);
    if (auto key = Sm2KeyPair::from_private_scalar(d)) return std::move(*key);
    input.assign(d.begin(), d.end());  // d >= n - 1 (probability ~2^-32): hash again
  }
}

Result<FieldPki> make_field_pki(const fs::path& dir, std::uint64_t seed,
                                const MeterAddress& station,
                                const std::vector<MeterAddress>& devices, UtcTime not_before,
                                std::int64_t valid_days) {
  FieldPki out{dir / "ca.key", dir / "station.key", dir / "registry.txt", dir / "devices"};
  std::error_code ec;
  fs::create_directories(out.device_dir, ec);
  if (ec)
    return fail(ErrorCode::Io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  fs::permissions(dir, fs::perms::owner_all, ec);
  fs::permissions(out.device_dir, fs::perms::owner_all, ec);
  Sm2KeyPair ca = derive_key(seed, "ca");
  OMNI_TRY(pki::write_private_file(out.ca_key, ca.to_pem()));
  Registry registry(ca.public_key());
  std::uint64_t serial = 1;
  UtcTime not_after{not_before.seconds + valid_days * 86400};
  auto enroll = [&](const LocalIdentity& who) -> Status {
    auto cert = issue_certificate(
        ca, {serial++, who.address, who.key.public_key().to_point(), not_before, not_after});
    if (!cert) return fail(cert.error());
    return registry.register_device(*cert);
  };
  LocalIdentity station_id{station, derive_key(seed, "station:" + station.to_string())};
  OMNI_TRY(save_identity(out.station_identity, station_id));
  OMNI_TRY(enroll(station_id));
  for (const MeterAddress& a : devices) {
    LocalIdentity device{a, derive_key(seed, "device:" + a.to_string())};
    OMNI_TRY(save_identity(out.device_dir / (a.to_string() + ".key"), device));
    OMNI_TRY(enroll(device));
  }
  OMNI_TRY(save_registry(out.registry, registry));
  return out;
}

}  // namespace omni::crypto::session
