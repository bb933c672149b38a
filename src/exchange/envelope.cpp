#include "exchange/envelope.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>
#include <utility>

#include "crypto/bytes.hpp"
#include "crypto/sm4.hpp"

namespace omni::exchange {
namespace {

using crypto::Bytes;
using crypto::ByteView;
namespace pki = crypto::pki;

constexpr std::size_t kKeyBlockSize = 32;  // SM4 key (16) || HMAC-SM3 key (16)
constexpr std::size_t kMaxAckBytes = 64 * 1024;
constexpr std::size_t kMaxSerialChars = 64;

// ---- base64 (RFC 4648 4, standard alphabet, padded) ----
// Our own because the exchange must decode strictly: one canonical text per byte string, so a
// signed envelope has exactly one spelling and nobody can vary it without touching the
// signature (OpenSSL's EVP decoder skips whitespace and tolerates stray characters).

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(ByteView in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | std::uint32_t{in[i + 2]};
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr auto kDecode = make_decode_table();

// Strict: length a multiple of 4, padding only at the end, unused bits zero.
std::optional<Bytes> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  Bytes out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int pad = 0;
    if (last && in[i + 3] == '=') pad = in[i + 2] == '=' ? 2 : 1;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      if (k >= 4 - static_cast<std::size_t>(pad)) {
        v <<= 6;
        continue;
      }
      const std::int8_t d = kDecode[static_cast<unsigned char>(in[i + k])];
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) return std::nullopt;
  }
  return out;
}

// ---- small parsing helpers ----

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (true) {
    const std::size_t end = line.find(sep, at);
    if (end == std::string_view::npos) {
      fields.push_back(line.substr(at));
      return fields;
    }
    fields.push_back(line.substr(at, end - at));
    at = end + 1;
  }
}

bool is_station_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool all_of_chars(std::string_view s, std::string_view allowed) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return allowed.find(c) != std::string_view::npos; });
}

// A timestamp field: copied verbatim from the batch header; here only kept printable and free
// of separators (read_batch checks its grammar).
bool is_time_field(std::string_view s) {
  return !s.empty() && s.size() <= 40 && all_of_chars(s, "0123456789-:TZ.+");
}

bool is_digest(std::string_view s) { return s.size() == 64 && all_of_chars(s, "0123456789abcdef"); }

bool is_serial(std::string_view s) {
  return !s.empty() && s.size() <= kMaxSerialChars && all_of_chars(s, "0123456789ABCDEF");
}

// The five batch-header fields an envelope header repeats: station, sequence, created, records,
// digest.
struct BatchFields {
  std::string_view station, sequence, created, records, digest;
  bool operator==(const BatchFields&) const = default;
};

// Checks the fields an envelope header carries; `what` names the line for the message.
Result<BatchFields> batch_fields(std::span<const std::string_view> f, std::string_view what) {
  BatchFields b{f[0], f[1], f[2], f[3], f[4]};
  if (!is_station_id(b.station)) {
    return fail(ErrorCode::Malformed, fmt::format("{}: bad station id", what));
  }
  if (!parse_u64(b.sequence))
    return fail(ErrorCode::Malformed, fmt::format("{}: bad sequence", what));
  if (!is_time_field(b.created)) {
    return fail(ErrorCode::Malformed, fmt::format("{}: bad creation time", what));
  }
  if (!parse_u64(b.records)) {
    return fail(ErrorCode::Malformed, fmt::format("{}: bad record count", what));
  }
  if (!is_digest(b.digest)) return fail(ErrorCode::Malformed, fmt::format("{}: bad digest", what));
  return b;
}

// The first line of a batch text: OMX|<version>|station|sequence|created|records|digest.
Result<BatchFields> batch_header(std::string_view text) {
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return fail(ErrorCode::Malformed, "batch has no header line");
  std::string_view line = text.substr(0, nl);
  if (line.ends_with('\r')) line.remove_suffix(1);
  const auto f = split(line, '|');
  if (f.size() != 7 || f[0] != "OMX") {
    return fail(ErrorCode::Malformed, "batch header is not OMX|version|station|…|digest");
  }
  return batch_fields(std::span(f).subspan(2, 5), "batch header");
}

// The public key of an SM2 certificate, as the primitive type.
Result<crypto::Sm2PublicKey> sm2_key_of(const pki::Certificate& cert) {
  auto key = cert.public_key();
  if (!key) return fail(key.error());
  return key->to_sm2();
}

Status check_pair(const crypto::Sm2KeyPair& key, const pki::Certificate& cert, const char* who) {
  auto pub = sm2_key_of(cert);
  if (!pub) return fail(pub.error());
  if (pub->to_point() != key.public_key().to_point()) {
    return fail(ErrorCode::Config, fmt::format("{} certificate {} does not hold the {} key", who,
                                               cert.serial_hex(), who));
  }
  return ok();
}

// The base64 DER of a certificate: the body of its PEM without the armour lines.
std::string certificate_base64(const pki::Certificate& cert) {
  const std::string pem = cert.to_pem();
  std::string out;
  for (std::string_view line : split(pem, '\n')) {
    if (line.empty() || line.starts_with("-----")) continue;
    out += line;
  }
  return out;
}

std::optional<pki::Certificate> certificate_from_base64(std::string_view b64) {
  if (!base64_decode(b64)) return std::nullopt;  // strict check before OpenSSL's lenient one
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t at = 0; at < b64.size(); at += 64) {
    pem += b64.substr(at, 64);
    pem += '\n';
  }
  pem += "-----END CERTIFICATE-----\n";
  auto cert = pki::Certificate::from_pem(pem);
  if (!cert) return std::nullopt;
  return *cert;
}

tl::unexpected<EnvelopeError> refuse(EnvelopeFailure failure, std::string detail) {
  ErrorCode code = ErrorCode::Unauthorized;
  switch (failure) {
    case EnvelopeFailure::Truncated:
    case EnvelopeFailure::Malformed:
    case EnvelopeFailure::BatchMismatch:
      code = ErrorCode::Malformed;
      break;
    case EnvelopeFailure::UnknownVersion:
      code = ErrorCode::Unsupported;
      break;
    case EnvelopeFailure::TooLarge:
      code = ErrorCode::OutOfRange;
      break;
    case EnvelopeFailure::BadMac:
      code = ErrorCode::BadChecksum;
      break;
    default:
      break;
  }
  return tl::unexpected<EnvelopeError>(EnvelopeError{
      failure, Error{code, fmt::format("{}: {}", envelope_failure_name(failure), detail)}});
}

// The lines of a signed text: every line must end with '\n'. `complete` is false when the text
// does not end with one (cut inside a line).
struct Lines {
  std::vector<std::string_view> lines;
  bool complete = true;
};

Lines lines_of(std::string_view text) {
  Lines out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) {
      out.complete = false;
      return out;
    }
    out.lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// The value of a "T|value" line, or nullopt when the tag differs.
std::optional<std::string_view> tagged(std::string_view line, char tag) {
  if (line.size() < 2 || line[0] != tag || line[1] != '|') return std::nullopt;
  return line.substr(2);
}

// Checks the magic and version of a first line; the remaining fields are the caller's.
EnvelopeResult<std::vector<std::string_view>> versioned_header(std::string_view line,
                                                               std::string_view magic,
                                                               int version) {
  auto f = split(line, '|');
  if (f.size() < 2 || f[0] != magic) {
    return refuse(EnvelopeFailure::Malformed, fmt::format("does not start with {}|", magic));
  }
  if (f[1] != std::to_string(version)) {
    return refuse(
        EnvelopeFailure::UnknownVersion,
        fmt::format("{} version '{}' (this build reads {})", magic, f[1].substr(0, 16), version));
  }
  return f;
}

// Verifies an "S|" line over `signed_bytes`.
EnvelopeResult<void> check_signature(std::string_view s_line, std::string_view signed_bytes,
                                     const crypto::Sm2PublicKey& key) {
  const auto value = tagged(s_line, 'S');
  if (!value) return refuse(EnvelopeFailure::Malformed, "the last line is not S|signature");
  if (value->empty()) return refuse(EnvelopeFailure::MissingSignature, "empty S line");
  const auto sig = base64_decode(*value);
  if (!sig) return refuse(EnvelopeFailure::Malformed, "S line is not base64");
  if (auto v = crypto::sm2_verify(key, crypto::as_bytes(signed_bytes), *sig); !v) {
    return refuse(EnvelopeFailure::BadSignature, v.error().detail);
  }
  return {};
}

}  // namespace

bool is_envelope(std::string_view text) {
  return text.size() > kEnvelopeMagic.size() && text.starts_with(kEnvelopeMagic) &&
         text[kEnvelopeMagic.size()] == '|';
}

std::string_view envelope_failure_name(EnvelopeFailure failure) {
  switch (failure) {
    case EnvelopeFailure::Truncated:
      return "truncated";
    case EnvelopeFailure::Malformed:
      return "malformed";
    case EnvelopeFailure::UnknownVersion:
      return "unknown_version";
    case EnvelopeFailure::TooLarge:
      return "too_large";
    case EnvelopeFailure::WrongRecipient:
      return "wrong_recipient";
    case EnvelopeFailure::BadMac:
      return "bad_mac";
    case EnvelopeFailure::MissingSignature:
      return "missing_signature";
    case EnvelopeFailure::BadSignature:
      return "bad_signature";
    case EnvelopeFailure::UntrustedSigner:
      return "untrusted_signer";
    case EnvelopeFailure::RevokedSigner:
      return "revoked_signer";
    case EnvelopeFailure::NotAStation:
      return "not_a_station";
    case EnvelopeFailure::StationMismatch:
      return "station_mismatch";
    case EnvelopeFailure::BatchMismatch:
      return "batch_mismatch";
  }
  return "unknown";
}

Result<std::string> seal_envelope(std::string_view batch_text,
                                  const crypto::Sm2KeyPair& station_sign_key,
                                  const pki::Certificate& station_sign_cert,
                                  const pki::Certificate& cloud_enc_cert) {
  if (batch_text.size() > kMaxBatchBytes) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("batch of {} bytes is over {}", batch_text.size(), kMaxBatchBytes));
  }
  auto fields = batch_header(batch_text);
  if (!fields) return fail(fields.error());
  OMNI_TRY(check_pair(station_sign_key, station_sign_cert, "station signature"));
  if (station_sign_cert.common_name() != fields->station) {
    return fail(ErrorCode::Config,
                fmt::format("station signature certificate names '{}', the batch '{}'",
                            station_sign_cert.common_name(), fields->station));
  }
  auto cloud_key = sm2_key_of(cloud_enc_cert);
  if (!cloud_key) return fail(cloud_key.error());

  std::string out = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}\n", kEnvelopeMagic, kEnvelopeVersion,
                                fields->station, fields->sequence, fields->created, fields->records,
                                fields->digest, cloud_enc_cert.serial_hex());

  // Two independent keys straight from the CSPRNG: a KDF would only stretch a secret that is
  // already full-length and uniform (docs/security.md, "Exchange envelope").
  crypto::Secret<kKeyBlockSize> block;
  crypto::random_bytes(block.value);
  auto wrapped = crypto::sm2_encrypt(*cloud_key, block.view());
  if (!wrapped) return fail(wrapped.error());
  out += "W|";
  out += base64_encode(*wrapped);
  out += '\n';

  auto key = crypto::SealKey::from_bytes(block.view());
  if (!key) return fail(key.error());
  Bytes box = crypto::seal(*key, crypto::as_bytes(out), crypto::as_bytes(batch_text));
  out.reserve(out.size() + box.size() / 3 * 4 + 4096);
  out += "C|";
  out += base64_encode(box);
  out += '\n';
  out += "X|";
  out += certificate_base64(station_sign_cert);
  out += '\n';

  auto sig = crypto::sm2_sign(station_sign_key, crypto::as_bytes(out));
  if (!sig) return fail(sig.error());
  out += "S|";
  out += base64_encode(*sig);
  out += '\n';
  return out;
}

std::function<bool(const pki::Certificate&)> stations_in_index(
    const std::vector<pki::IndexEntry>& entries) {
  std::unordered_set<std::string> serials;
  for (const auto& e : entries) {
    if (e.role == pki::Role::Station && e.kind == pki::CertKind::Sm2Sign) serials.insert(e.serial);
  }
  return [serials = std::move(serials)](const pki::Certificate& cert) {
    return serials.contains(cert.serial_hex());
  };
}

EnvelopeResult<OpenedBatch> open_envelope(std::string_view envelope,
                                          std::span<const Recipient> recipients,
                                          const SignerPolicy& policy, UtcTime now) {
  using F = EnvelopeFailure;
  // ---- layout ----
  if (envelope.size() > kMaxEnvelopeBytes) {
    return refuse(F::TooLarge,
                  fmt::format("{} bytes, at most {}", envelope.size(), kMaxEnvelopeBytes));
  }
  const Lines text = lines_of(envelope);
  if (text.lines.empty()) return refuse(F::Truncated, "no complete header line");
  auto head = versioned_header(text.lines[0], kEnvelopeMagic, kEnvelopeVersion);
  if (!head) return tl::unexpected(head.error());
  if (head->size() != 8) return refuse(F::Malformed, "header has not 8 fields");
  auto fields = batch_fields(std::span(*head).subspan(2, 5), "envelope header");
  if (!fields) return refuse(F::Malformed, fields.error().detail);
  const std::string_view recipient_serial = (*head)[7];
  if (!is_serial(recipient_serial)) return refuse(F::Malformed, "bad recipient serial");

  // W, C, X then S. Without the X line the envelope was cut; with X complete and nothing after
  // it, the signature was removed.
  if (text.lines.size() < 4) {
    return refuse(F::Truncated, fmt::format("{} of 5 lines{}", text.lines.size(),
                                            text.complete ? "" : ", the last one cut"));
  }
  if (text.lines.size() == 4) {
    if (!text.complete) return refuse(F::Truncated, "the S line is cut");
    return refuse(F::MissingSignature, "no S line");
  }
  if (!text.complete) return refuse(F::Malformed, "text after the S line");
  if (text.lines.size() > 5) return refuse(F::Malformed, "lines after the S line");
  const auto w = tagged(text.lines[1], 'W');
  const auto c = tagged(text.lines[2], 'C');
  const auto x = tagged(text.lines[3], 'X');
  if (!w || !c || !x) return refuse(F::Malformed, "lines 2-4 must be W|, C| and X|");
  const auto wrapped = base64_decode(*w);
  const auto box = base64_decode(*c);
  if (!wrapped || !box) return refuse(F::Malformed, "W or C line is not base64");
  const auto signer = certificate_from_base64(*x);
  if (!signer) return refuse(F::Malformed, "X line is not a base64 DER certificate");
  // Offsets into the original text: the MAC covers header + W lines, the signature everything
  // before the S line.
  const std::size_t ad_size = text.lines[0].size() + text.lines[1].size() + 2;
  const std::size_t signed_size = ad_size + text.lines[2].size() + text.lines[3].size() + 2;

  // ---- recipient and MAC ----
  const auto mine = std::find_if(recipients.begin(), recipients.end(), [&](const Recipient& r) {
    return r.enc_cert.serial_hex() == recipient_serial;
  });
  if (mine == recipients.end()) {
    return refuse(
        F::WrongRecipient,
        fmt::format("sealed to certificate {}, which is not one of ours", recipient_serial));
  }
  auto block = crypto::sm2_decrypt(mine->enc_key, *wrapped);
  if (!block || block->size() != kKeyBlockSize) {
    if (block) crypto::wipe(*block);
    return refuse(F::WrongRecipient,
                  fmt::format("the key of certificate {} does not unwrap the batch key (another "
                              "key, or the W line was changed)",
                              recipient_serial));
  }
  auto key = crypto::SealKey::from_bytes(*block);
  crypto::wipe(*block);
  if (!key) return refuse(F::WrongRecipient, key.error().detail);
  auto plain = crypto::open(*key, crypto::as_bytes(envelope.substr(0, ad_size)), *box);
  if (!plain) {
    return refuse(plain.error().code == ErrorCode::BadChecksum ? F::BadMac : F::Malformed,
                  plain.error().detail);
  }

  // ---- signature and signer ----
  auto signer_key = sm2_key_of(*signer);
  if (!signer_key) return refuse(F::BadSignature, "signer certificate has no SM2 key");
  if (auto s = check_signature(text.lines[4], envelope.substr(0, signed_size), *signer_key); !s) {
    crypto::wipe(*plain);
    return tl::unexpected(s.error());
  }
  const auto verification = pki::verify_certificate(*signer, policy.trust, now);
  if (!verification.ok()) {
    crypto::wipe(*plain);
    const F failure =
        verification.failure == pki::VerifyFailure::Revoked ? F::RevokedSigner : F::UntrustedSigner;
    return refuse(failure,
                  fmt::format("{} ({}): {}", signer->subject(),
                              pki::verify_failure_name(verification.failure), verification.detail));
  }
  if (!policy.is_station || !policy.is_station(*signer)) {
    crypto::wipe(*plain);
    return refuse(F::NotAStation, fmt::format("{} (serial {}) is not a station's signature "
                                              "certificate",
                                              signer->subject(), signer->serial_hex()));
  }
  if (signer->common_name() != fields->station) {
    crypto::wipe(*plain);
    return refuse(F::StationMismatch, fmt::format("signed by '{}' for station '{}'",
                                                  signer->common_name(), fields->station));
  }

  // ---- the batch inside ----
  OpenedBatch opened;
  opened.text.assign(plain->begin(), plain->end());
  crypto::wipe(*plain);
  auto inner = batch_header(opened.text);
  if (!inner || !(*inner == *fields)) {
    return refuse(F::BatchMismatch, inner ? "the batch header differs from the envelope header"
                                          : inner.error().detail);
  }
  opened.station = std::string(fields->station);
  opened.sequence = *parse_u64(fields->sequence);
  opened.digest = std::string(fields->digest);
  opened.signer_subject = signer->subject();
  opened.signer_serial = signer->serial_hex();
  return opened;
}

Result<std::string> sign_ack(std::string_view ack_json, const crypto::Sm2KeyPair& cloud_sign_key,
                             const pki::Certificate& cloud_sign_cert) {
  if (ack_json.empty() || ack_json.find_first_of("\r\n") != std::string_view::npos) {
    return fail(ErrorCode::Malformed, "an acknowledgement is one non-empty line of JSON");
  }
  if (ack_json.size() > kMaxAckBytes - 1024) {
    return fail(ErrorCode::Malformed, "acknowledgement too long");
  }
  OMNI_TRY(check_pair(cloud_sign_key, cloud_sign_cert, "cloud signature"));
  std::string out =
      fmt::format("{}|{}|{}\n{}\n", kAckMagic, kAckVersion, cloud_sign_cert.serial_hex(), ack_json);
  auto sig = crypto::sm2_sign(cloud_sign_key, crypto::as_bytes(out));
  if (!sig) return fail(sig.error());
  out += "S|";
  out += base64_encode(*sig);
  out += '\n';
  return out;
}

EnvelopeResult<std::string> verify_ack(std::string_view signed_ack,
                                       const pki::Certificate& cloud_sign_cert) {
  using F = EnvelopeFailure;
  if (signed_ack.size() > kMaxAckBytes) return refuse(F::TooLarge, "acknowledgement over 64 KiB");
  const Lines text = lines_of(signed_ack);
  if (text.lines.empty()) return refuse(F::Truncated, "no complete header line");
  auto head = versioned_header(text.lines[0], kAckMagic, kAckVersion);
  if (!head) return tl::unexpected(head.error());
  if (head->size() != 3 || !is_serial((*head)[2])) {
    return refuse(F::Malformed, "header is not OMXA|1|serial");
  }
  if (text.lines.size() < 2) return refuse(F::Truncated, "no JSON line");
  if (text.lines.size() == 2) {
    if (!text.complete) return refuse(F::Truncated, "the S line is cut");
    return refuse(F::MissingSignature, "no S line");
  }
  if (!text.complete || text.lines.size() > 3) return refuse(F::Malformed, "text after the S line");
  if ((*head)[2] != cloud_sign_cert.serial_hex()) {
    return refuse(F::UntrustedSigner, fmt::format("signed with certificate {}, expected {}",
                                                  (*head)[2], cloud_sign_cert.serial_hex()));
  }
  auto key = sm2_key_of(cloud_sign_cert);
  if (!key) return refuse(F::UntrustedSigner, key.error().detail);
  const std::size_t signed_size = text.lines[0].size() + text.lines[1].size() + 2;
  if (auto s = check_signature(text.lines[2], signed_ack.substr(0, signed_size), *key); !s) {
    return tl::unexpected(s.error());
  }
  if (text.lines[1].empty()) return refuse(F::Malformed, "empty JSON line");
  return std::string(text.lines[1]);
}

}  // namespace omni::exchange
