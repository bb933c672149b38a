#include "crypto/session/identity.hpp"

#include <algorithm>
#include <array>

#include "crypto/session/wire.hpp"

namespace omni::crypto::session {

namespace {

constexpr std::string_view kCertLabel = "OMNI-DEVCERT-1";

struct ReasonName {
  RefusalReason reason;
  std::string_view name;
};
constexpr std::array<ReasonName, 13> kReasonNames = {{
    {RefusalReason::UnknownDevice, "unknown_device"},
    {RefusalReason::Revoked, "revoked"},
    {RefusalReason::NotYetValid, "not_yet_valid"},
    {RefusalReason::Expired, "expired"},
    {RefusalReason::BadCertificate, "bad_certificate"},
    {RefusalReason::BadSignature, "bad_signature"},
    {RefusalReason::ConfirmationFailed, "confirmation_failed"},
    {RefusalReason::StaleRequest, "stale_request"},
    {RefusalReason::ReplayedRequest, "replayed_request"},
    {RefusalReason::WrongPeer, "wrong_peer"},
    {RefusalReason::Malformed, "malformed"},
    {RefusalReason::PeerRefused, "peer_refused"},
    {RefusalReason::OutOfOrder, "out_of_order"},
}};

}  // namespace

std::string_view refusal_reason_name(RefusalReason reason) {
  for (const auto& r : kReasonNames) {
    if (r.reason == reason) return r.name;
  }
  return "unknown";
}

std::string Refusal::to_string() const {
  return std::string(refusal_reason_name(reason)) + ": " + detail;
}

// ---- Certificate ----

Bytes Certificate::to_be_signed() const {
  Bytes out;
  wire::Writer w(out);
  w.bytes(as_bytes(kCertLabel));
  w.u64(serial);
  wire::write_address(w, subject);
  w.bytes(public_key);
  w.u64(static_cast<std::uint64_t>(not_before.seconds));
  w.u64(static_cast<std::uint64_t>(not_after.seconds));
  return out;
}

Bytes Certificate::encode() const {
  Bytes out = to_be_signed();
  wire::Writer w(out);
  w.octets(issuer_signature);
  return out;
}

Result<Certificate> Certificate::decode(ByteView bytes) {
  wire::Reader r(bytes);
  Certificate c;
  OMNI_TRY(wire::expect_label(r, kCertLabel));
  auto serial = r.u64();
  if (!serial) return fail(serial.error());
  c.serial = *serial;
  auto subject = wire::read_address(r);
  if (!subject) return fail(subject.error());
  c.subject = *subject;
  OMNI_TRY(wire::read_exact(r, c.public_key));
  auto nb = r.u64();
  if (!nb) return fail(nb.error());
  auto na = r.u64();
  if (!na) return fail(na.error());
  c.not_before = UtcTime{static_cast<std::int64_t>(*nb)};
  c.not_after = UtcTime{static_cast<std::int64_t>(*na)};
  auto sig = r.octets();
  if (!sig) return fail(sig.error());
  c.issuer_signature.assign(sig->begin(), sig->end());
  OMNI_TRY(wire::finish(r, "certificate"));
  return c;
}

Result<Certificate> issue_certificate(const Sm2KeyPair& ca, const CertificateRequest& request) {
  if (request.not_after < request.not_before) {
    return fail(ErrorCode::OutOfRange, "certificate not_after is before not_before");
  }
  if (request.subject.size() == 0) return fail(ErrorCode::OutOfRange, "empty subject address");
  Certificate c;
  c.serial = request.serial;
  c.subject = request.subject;
  c.public_key = request.public_key;
  c.not_before = request.not_before;
  c.not_after = request.not_after;
  auto sig = sm2_sign(ca, c.to_be_signed());
  if (!sig) return fail(sig.error());
  c.issuer_signature = std::move(*sig);
  return c;
}

Checked<void> verify_certificate(const Certificate& cert, const Sm2PublicKey& ca, UtcTime now) {
  if (!sm2_verify(ca, cert.to_be_signed(), cert.issuer_signature)) {
    return refuse(RefusalReason::BadCertificate, "CA signature on certificate " +
                                                     std::to_string(cert.serial) + " of " +
                                                     cert.subject.to_string() + " does not verify");
  }
  if (now < cert.not_before) {
    return refuse(RefusalReason::NotYetValid, "certificate " + std::to_string(cert.serial) +
                                                  " is valid from " +
                                                  format_iso8601(cert.not_before, TimeZone::utc()));
  }
  if (now > cert.not_after) {
    return refuse(RefusalReason::Expired, "certificate " + std::to_string(cert.serial) +
                                              " expired at " +
                                              format_iso8601(cert.not_after, TimeZone::utc()));
  }
  return {};
}

// ---- Registry ----

Status Registry::register_device(const Certificate& cert) {
  if (revoked_serials_.contains(cert.serial)) {
    return fail(ErrorCode::Unauthorized,
                "certificate serial " + std::to_string(cert.serial) + " was revoked");
  }
  if (!sm2_verify(ca_key_, cert.to_be_signed(), cert.issuer_signature)) {
    return fail(ErrorCode::Unauthorized,
                "CA signature on certificate " + std::to_string(cert.serial) + " does not verify");
  }
  auto key = Sm2PublicKey::from_point(cert.public_key);
  if (!key) return fail(key.error());
  devices_.insert_or_assign(
      cert.subject, DeviceIdentity{cert.subject, std::move(*key), DeviceStatus::Registered, cert});
  return ok();
}

Status Registry::revoke(const MeterAddress& address) {
  auto it = devices_.find(address);
  if (it == devices_.end()) {
    return fail(ErrorCode::NotFound, "device " + address.to_string() + " is not registered");
  }
  it->second.status = DeviceStatus::Revoked;
  revoked_serials_.insert(it->second.certificate.serial);
  return ok();
}

const DeviceIdentity* Registry::find(const MeterAddress& address) const {
  auto it = devices_.find(address);
  return it == devices_.end() ? nullptr : &it->second;
}

Checked<const DeviceIdentity*> Registry::check_login(const MeterAddress& address,
                                                     UtcTime now) const {
  const DeviceIdentity* device = find(address);
  if (device == nullptr) {
    return refuse(RefusalReason::UnknownDevice,
                  "device " + address.to_string() + " is not registered");
  }
  if (device->status == DeviceStatus::Revoked) {
    return refuse(RefusalReason::Revoked, "device " + address.to_string() + " was revoked");
  }
  if (auto v = verify_certificate(device->certificate, ca_key_, now); !v) {
    return tl::unexpected<Refusal>(std::move(v).error());
  }
  return device;
}

}  // namespace omni::crypto::session
