#pragma once
// Station <-> terminal identities at rest (docs/security.md, "Station-terminal sessions"):
//
//   identity file  "address <digits>" line, then the SM2 private key as PKCS#8 PEM. Mode 0600:
//                  load_identity refuses a file group or others can access (pki rule).
//   registry file  text, one record per line:
//                    ca <hex SM2 point>            the station CA public key (first line)
//                    device <hex Certificate>      a registered identity
//                    revoked <hex Certificate>     registered, then revoked
//                  Each certificate carries the CA's signature and is checked again at load and
//                  at every login; the file itself must only be writable by its owner (a deleted
//                  "revoked" line would re-admit a device).
//
// make_field_pki() writes a CA, the station's identity, one identity per device and the
// registry, deterministically from a seed, so a simulated field and its station agree on keys
// without copying files around (never for production keys: anyone with the seed has them).
//
// Thread-compatible; the functions touch only the files named.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"

namespace omni::crypto::session {

// Errors: NotFound, Config (permissions, see pki::check_private_file), Malformed.
Result<LocalIdentity> load_identity(const std::filesystem::path& path);
// Creates the file with mode 0600. Errors: Duplicate (exists), Io.
Status save_identity(const std::filesystem::path& path, const LocalIdentity& identity);

// Errors: NotFound, Io, Malformed (line N: …), Unauthorized (a record not signed by the CA).
Result<Registry> load_registry(const std::filesystem::path& path);
// Replaces the file atomically (mode 0644: nothing secret in it). Errors: Io.
Status save_registry(const std::filesystem::path& path, const Registry& registry);

// An SM2 key pair derived from (seed, label): SM3 of both, re-hashed until it is a valid
// private scalar. Deterministic; for simulations and tests only.
Sm2KeyPair derive_key(std::uint64_t seed, std::string_view label);

struct FieldPki {
  std::filesystem::path ca_key;            // ca.key (0600)
  std::filesystem::path station_identity;  // station.key (0600)
  std::filesystem::path registry;          // registry.txt: the station and every device
  std::filesystem::path device_dir;        // devices/<address>.key (0600 each)
};

// Writes a CA, the station identity, one identity per device and a registry naming all of them
// (certificates valid from `not_before` for `valid_days`) into `dir` (created, mode 0700).
// Errors: Duplicate (a key file exists already), Io, OutOfRange (empty address).
Result<FieldPki> make_field_pki(const std::filesystem::path& dir, std::uint64_t seed,
                                const MeterAddress& station,
                                const std::vector<MeterAddress>& devices, UtcTime not_before,
                                std::int64_t valid_days = 3650);

}  // namespace omni::crypto::session
