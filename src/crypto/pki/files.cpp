#include "crypto/pki/files.hpp"

#include <fmt/format.h>

namespace omni::crypto::pki {
namespace {

Error about(const std::filesystem::path& path, const Error& e) {
  return Error(ErrorCode::Config, fmt::format("{}: {}", path.string(), e.detail));
}

}  // namespace

Result<Certificate> load_certificate_file(const std::filesystem::path& path) {
  auto text = read_small_file(path);
  if (!text) return fail(about(path, text.error()));
  auto cert = Certificate::from_pem(*text);
  if (!cert) return fail(about(path, cert.error()));
  return cert;
}

Result<Sm2KeyPair> load_sm2_key_file(const std::filesystem::path& path,
                                     const Passphrase& passphrase) {
  auto key = load_private_key_file(path, passphrase);
  if (!key) return fail(about(path, key.error()));
  auto sm2 = key->to_sm2();
  if (!sm2) return fail(about(path, sm2.error()));
  return sm2;
}

}  // namespace omni::crypto::pki
