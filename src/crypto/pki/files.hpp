#pragma once
// Loading what a station or the cloud needs at start from the files `omnimeter ctl pki` writes.
// Errors carry the file's path in the detail and are Config, because at start-up a bad or
// loose file is a configuration problem (exit 78).

#include <filesystem>

#include "core/result.hpp"
#include "crypto/pki/keys.hpp"
#include "crypto/pki/x509.hpp"
#include "crypto/sm2.hpp"

namespace omni::crypto::pki {

// One PEM certificate.
Result<Certificate> load_certificate_file(const std::filesystem::path& path);
// An SM2 private key file (mode 0600 enforced; encrypted with `passphrase` if it is).
Result<Sm2KeyPair> load_sm2_key_file(const std::filesystem::path& path,
                                     const Passphrase& passphrase = {});

}  // namespace omni::crypto::pki
