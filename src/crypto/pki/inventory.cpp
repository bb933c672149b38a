#include "crypto/pki/inventory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/check.hpp"
#include "crypto/pki/pki_util.hpp"

namespace omni::crypto::pki {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIndexHeader =
    "# omnimeter pki index v1\n"
    "# serial\tid\trole\tkind\tnot_after\tstatus\trevoked_at\treason\n";

std::size_t slot(KeyAlgorithm family) { return family == KeyAlgorithm::Sm2 ? 1 : 0; }

fs::path ca_dir(const fs::path& dir, KeyAlgorithm family, bool root) {
  const bool sm2 = family == KeyAlgorithm::Sm2;
  return dir / "ca" / (root ? (sm2 ? "sm2-root" : "root") : (sm2 ? "sm2-issuing" : "issuing"));
}

std::string ca_common_name(KeyAlgorithm family, bool root) {
  return std::string("Omnimeter ") + (family == KeyAlgorithm::Sm2 ? "SM2" : "ECDSA") +
         (root ? " Root CA" : " Issuing CA");
}

Status check_crl_days(int crl_days) {
  if (crl_days < 1 || crl_days > 366) {
    return fail(ErrorCode::OutOfRange, "the CRL's next update must be 1 to 366 days ahead");
  }
  return ok();
}

constexpr KeyAlgorithm kFamilies[] = {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Sm2};

// An exclusive flock on <dir>/.lock for the life of the object.
class DirLock {
 public:
  static Result<DirLock> acquire(const fs::path& dir) {
    const fs::path path = dir / ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return fail(ErrorCode::Io, "cannot open " + path.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return fail(ErrorCode::Busy, "another process is changing " + dir.string() + " (" +
                                         path.string() + " is locked); try again");
      }
      return fail(ErrorCode::Io, "cannot lock " + path.string() + ": " + std::strerror(err));
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

std::string format_entry(const IndexEntry& e) {
  const bool revoked = e.status == CertStatus::Revoked;
  std::string line = e.serial;
  for (std::string_view field :
       {std::string_view(e.id), role_name(e.role), cert_kind_name(e.kind)}) {
    line += '\t';
    line += field;
  }
  line += '\t' + format_iso8601(e.not_after, TimeZone::utc());
  line += revoked ? "\trevoked\t" : "\tvalid\t";
  line += revoked ? format_iso8601(e.revoked_at, TimeZone::utc()) : "-";
  line += '\t';
  line += revoked ? revocation_reason_name(e.reason) : "-";
  return line;
}

Result<IndexEntry> parse_entry(std::string_view line) {
  const auto f = split_tabs(line);
  if (f.size() != 8) {
    return fail(ErrorCode::Malformed,
                "expected 8 tab-separated fields, found " + std::to_string(f.size()));
  }
  IndexEntry e;
  auto serial = detail::parse_serial_hex(f[0]);
  if (!serial) return fail(std::move(serial).error());
  e.serial = detail::serial_hex(serial->get());
  OMNI_TRY(validate_id(f[1]));
  e.id = std::string(f[1]);
  auto role = parse_role(f[2]);
  if (!role) return fail(std::move(role).error());
  e.role = *role;
  auto kind = parse_cert_kind(f[3]);
  if (!kind) return fail(std::move(kind).error());
  e.kind = *kind;
  auto not_after = parse_iso8601(f[4]);
  if (!not_after) return fail(std::move(not_after).error());
  e.not_after = *not_after;
  if (f[5] == "valid") {
    e.status = CertStatus::Valid;
  } else if (f[5] == "revoked") {
    e.status = CertStatus::Revoked;
    auto at = parse_iso8601(f[6]);
    if (!at) return fail(std::move(at).error());
    e.revoked_at = *at;
    auto reason = parse_revocation_reason(f[7]);
    if (!reason) return fail(std::move(reason).error());
    e.reason = *reason;
  } else {
    return fail(ErrorCode::Malformed,
                "status must be valid or revoked, not \"" + std::string(f[5]) + "\"");
  }
  return e;
}

Result<Certificate> read_certificate(const fs::path& path) {
  auto pem = read_small_file(path);
  if (!pem) return fail(std::move(pem).error());
  auto cert = Certificate::from_pem(*pem);
  if (!cert) return fail(ErrorCode::Malformed, path.string() + ": " + cert.error().detail);
  return cert;
}

// The issuing CA's key, refused unless it is private to this user and belongs to the
// certificate on disk (a swapped key file must not sign anything).
Result<PrivateKey> load_ca_key(const fs::path& dir, KeyAlgorithm family, const Certificate& cert,
                               const Passphrase& passphrase) {
  auto key = load_private_key_file(ca_dir(dir, family, false) / "key.pem", passphrase);
  if (!key) return fail(std::move(key).error());
  if (!key_matches(cert, *key)) {
    return fail(ErrorCode::Config, (ca_dir(dir, family, false) / "key.pem").string() +
                                       " does not belong to the CA certificate next to it");
  }
  return key;
}

// Writes one issuing CA's CRL and bumps its cRLNumber.
Result<Crl> write_crl(const fs::path& dir, KeyAlgorithm family, const Certificate& issuer,
                      const PrivateKey& key, const std::vector<IndexEntry>& entries, UtcTime now,
                      int crl_days) {
  const fs::path at = ca_dir(dir, family, false);
  std::uint64_t number = 0;
  if (auto text = read_small_file(at / "crlnumber")) {
    try {
      number = std::stoull(*text);
    } catch (const std::exception&) {
      return fail(ErrorCode::Malformed, (at / "crlnumber").string() + " is not a number");
    }
  } else if (text.error().code != ErrorCode::NotFound) {
    return fail(std::move(text).error());
  }
  std::vector<RevokedEntry> revoked;
  for (const auto& e : entries) {
    if (e.status == CertStatus::Revoked && key_algorithm_of(e.kind) == family) {
      revoked.push_back({e.serial, e.revoked_at, e.reason});
    }
  }
  auto crl = make_crl(issuer, key, revoked, number + 1, now, crl_days);
  if (!crl) return fail(std::move(crl).error());
  OMNI_TRY(write_public_file(at / "crl.pem", crl->to_pem()));
  OMNI_TRY(write_public_file(at / "crlnumber", std::to_string(number + 1) + "\n"));
  return crl;
}

Status write_combined_crl(const fs::path& dir, const std::vector<Crl>& crls) {
  std::string all;
  for (const auto& c : crls) all += c.to_pem();
  return write_public_file(dir / "crl.pem", all);
}

// Moves the current certificate of issued/<id>/<kind> out of the way before a new one is
// written. Encryption keys are kept (data wrapped to them must stay readable); signature and TLS
// keys are deleted, since nothing legitimate needs them once replaced.
Status archive_current(const fs::path& at, CertKind kind) {
  const fs::path cert_path = at / "cert.pem";
  std::error_code ec;
  if (!fs::exists(cert_path, ec)) return ok();
  auto old = read_certificate(cert_path);
  if (!old) return fail(std::move(old).error());
  const fs::path archive = at / "archive";
  OMNI_TRY(make_private_directory(archive));
  const std::string serial = old->serial_hex();
  auto move = [&](const fs::path& from, const fs::path& to) -> Status {
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return fail(ErrorCode::Io, "cannot move " + from.string() + ": " + std::strerror(errno));
    }
    return ok();
  };
  OMNI_TRY(move(cert_path, archive / (serial + ".cert.pem")));
  if (kind == CertKind::Sm2Encrypt) {
    OMNI_TRY(move(at / "key.pem", archive / (serial + ".key.pem")));
  } else {
    fs::remove(at / "key.pem", ec);
  }
  fs::remove(at / "chain.pem", ec);
  return ok();
}

}  // namespace

Status validate_id(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return fail(ErrorCode::Malformed, "an id has 1 to 64 characters");
  }
  if (!std::isalnum(static_cast<unsigned char>(id.front()))) {
    return fail(ErrorCode::Malformed,
                "an id starts with a letter or digit: \"" + std::string(id) + "\"");
  }
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return fail(ErrorCode::Malformed,
                  "an id uses only letters, digits, '-', '_' and '.': \"" + std::string(id) + "\"");
    }
  }
  return ok();
}

std::string_view entry_state(const IndexEntry& entry, UtcTime now) {
  if (entry.status == CertStatus::Revoked) return "revoked";
  return entry.not_after <= now ? "expired" : "valid";
}

Result<Inventory> Inventory::create(const fs::path& dir, const InitOptions& options, UtcTime now) {
  OMNI_TRY(check_crl_days(options.crl_days));
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)) {
      return fail(ErrorCode::Duplicate,
                  dir.string() + " exists and is not an empty directory (a PKI is created once)");
    }
  }
  OMNI_TRY(make_private_directory(dir));
  if (::chmod(dir.c_str(), 0700) != 0) {
    return fail(ErrorCode::Io, "cannot chmod " + dir.string() + ": " + std::strerror(errno));
  }
  auto lock = DirLock::acquire(dir);
  if (!lock) return fail(std::move(lock).error());

  std::vector<Crl> crls;
  std::string trust;
  for (KeyAlgorithm family : kFamilies) {
    const auto root_key = PrivateKey::generate(family);
    auto root = make_root_ca(root_key, {ca_common_name(family, true), options.organisation},
                             options.root_days, now);
    if (!root) return fail(std::move(root).error());
    const auto issuing_key = PrivateKey::generate(family);
    auto issuing = make_issuing_ca(issuing_key.public_key(),
                                   {ca_common_name(family, false), options.organisation},
                                   options.issuing_days, *root, root_key, now);
    if (!issuing) return fail(std::move(issuing).error());
    for (bool is_root : {true, false}) {
      const fs::path at = ca_dir(dir, family, is_root);
      OMNI_TRY(make_private_directory(at));
      OMNI_TRY(write_private_key_file(at / "key.pem", is_root ? root_key : issuing_key,
                                      options.ca_key_protection));
      OMNI_TRY(write_public_file(at / "cert.pem", (is_root ? *root : *issuing).to_pem()));
    }
    trust += root->to_pem();
    auto crl = write_crl(dir, family, *issuing, issuing_key, {}, now, options.crl_days);
    if (!crl) return fail(std::move(crl).error());
    crls.push_back(std::move(*crl));
  }
  OMNI_TRY(write_public_file(dir / "trust.pem", trust));
  OMNI_TRY(write_combined_crl(dir, crls));
  OMNI_TRY(make_private_directory(dir / "issued"));
  OMNI_TRY(write_public_file(dir / "index.tsv", kIndexHeader));
  return open(dir);
}

Result<Inventory> Inventory::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "index.tsv", ec) || !fs::is_directory(dir / "ca", ec)) {
    return fail(ErrorCode::NotFound,
                dir.string() + " is not a PKI directory (run `omnimeter ctl pki init` first)");
  }
  Inventory inv;
  inv.dir_ = dir;
  OMNI_TRY(inv.reload());
  return inv;
}

Status Inventory::reload() {
  for (KeyAlgorithm family : kFamilies) {
    auto root = read_certificate(ca_dir(dir_, family, true) / "cert.pem");
    if (!root) return fail(std::move(root).error());
    auto issuing = read_certificate(ca_dir(dir_, family, false) / "cert.pem");
    if (!issuing) return fail(std::move(issuing).error());
    roots_[slot(family)] = std::move(*root);
    issuing_[slot(family)] = std::move(*issuing);
  }
  crls_.clear();
  for (KeyAlgorithm family : kFamilies) {
    const fs::path path = ca_dir(dir_, family, false) / "crl.pem";
    auto text = read_small_file(path);
    if (!text) return fail(std::move(text).error());
    auto crl = Crl::from_pem(*text);
    if (!crl) return fail(ErrorCode::Malformed, path.string() + ": " + crl.error().detail);
    crls_.push_back(std::move(*crl));
  }
  auto text = read_small_file(dir_ / "index.tsv");
  if (!text) return fail(std::move(text).error());
  entries_.clear();
  std::size_t line_no = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto entry = parse_entry(line);
    if (!entry) {
      return fail(ErrorCode::Malformed, (dir_ / "index.tsv").string() + " line " +
                                            std::to_string(line_no) + ": " + entry.error().detail);
    }
    entries_.push_back(std::move(*entry));
  }
  return ok();
}

Status Inventory::write_index() const {
  std::string text(kIndexHeader);
  for (const auto& e : entries_) text += format_entry(e) + "\n";
  return write_public_file(dir_ / "index.tsv", text);
}

std::string Inventory::organisation() const {
  return issuing(KeyAlgorithm::EcdsaP256).organisation();
}

const Certificate& Inventory::root(KeyAlgorithm family) const {
  OMNI_CHECK(roots_[slot(family)].has_value());
  return *roots_[slot(family)];
}

const Certificate& Inventory::issuing(KeyAlgorithm family) const {
  OMNI_CHECK(issuing_[slot(family)].has_value());
  return *issuing_[slot(family)];
}

TrustStore Inventory::trust_store() const {
  TrustStore t;
  for (KeyAlgorithm family : kFamilies) {
    t.anchors.push_back(root(family));
    t.intermediates.push_back(issuing(family));
  }
  t.crls = crls_;
  return t;
}

Result<Issued> Inventory::issue(const IssueRequest& request, const Passphrase& ca_passphrase,
                                UtcTime now) {
  OMNI_TRY(validate_id(request.id));
  auto lock = DirLock::acquire(dir_);
  if (!lock) return fail(std::move(lock).error());
  OMNI_TRY(reload());

  std::vector<std::size_t> current;  // valid certificates of the same id and kind
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.id == request.id && e.kind == request.kind && entry_state(e, now) == "valid") {
      current.push_back(i);
    }
  }
  if (!current.empty() && !request.renew) {
    const auto& e = entries_[current.front()];
    return fail(ErrorCode::Duplicate, request.id + " already has a valid " +
                                          std::string(cert_kind_name(e.kind)) +
                                          " certificate (serial " + e.serial + ", until " +
                                          format_iso8601(e.not_after, TimeZone::utc()) +
                                          "); renew it to replace it, or revoke it first");
  }

  const KeyAlgorithm family = key_algorithm_of(request.kind);
  const Certificate& issuer = issuing(family);
  if (!current.empty()) OMNI_TRY(check_crl_days(request.crl_days));
  auto keys = load_issuing_keys(ca_passphrase);
  if (!keys) return fail(std::move(keys).error());
  const PrivateKey& ca_key = (*keys)[slot(family)];

  std::optional<PrivateKey> new_key;
  std::optional<PublicKey> subject_key;
  if (request.csr) {
    subject_key = request.csr->public_key();
  } else {
    new_key = PrivateKey::generate(family);
    subject_key = new_key->public_key();
  }
  EndEntityProfile profile{.subject = {request.id, organisation()},
                           .role = request.role,
                           .kind = request.kind,
                           .dns_names = request.dns_names,
                           .ip_addresses = request.ip_addresses,
                           .days = request.days};
  auto cert = issue_end_entity(*subject_key, profile, issuer, ca_key, now);
  if (!cert) return fail(std::move(cert).error());

  Issued out{.entry = {.serial = cert->serial_hex(),
                       .id = request.id,
                       .role = request.role,
                       .kind = request.kind,
                       .not_after = cert->not_after(),
                       .status = CertStatus::Valid,
                       .revoked_at = {},
                       .reason = RevocationReason::Unspecified},
             .certificate = *cert,
             .directory = dir_ / "issued" / request.id / std::string(cert_kind_name(request.kind)),
             .superseded = std::nullopt};
  for (const auto& e : entries_) {
    if (e.serial == out.entry.serial) {
      return fail(ErrorCode::Internal, "serial number collision: " + e.serial);
    }
  }
  for (std::size_t i : current) {
    entries_[i].status = CertStatus::Revoked;
    entries_[i].revoked_at = now;
    entries_[i].reason = RevocationReason::Superseded;
    out.superseded = entries_[i].serial;
  }
  entries_.push_back(out.entry);
  OMNI_TRY(write_index());

  OMNI_TRY(make_private_directory(out.directory));
  OMNI_TRY(archive_current(out.directory, request.kind));
  if (new_key) {
    OMNI_TRY(write_private_key_file(out.directory / "key.pem", *new_key, request.key_protection));
  }
  OMNI_TRY(write_public_file(out.directory / "cert.pem", cert->to_pem()));
  OMNI_TRY(write_public_file(out.directory / "chain.pem", cert->to_pem() + issuer.to_pem()));
  if (!current.empty()) OMNI_TRY(write_crls(*keys, now, request.crl_days));
  return out;
}

Result<IndexEntry> Inventory::revoke_serial(std::string_view serial_hex, RevocationReason reason,
                                            const Passphrase& ca_passphrase, UtcTime now,
                                            int crl_days) {
  OMNI_TRY(check_crl_days(crl_days));
  auto parsed = detail::parse_serial_hex(serial_hex);
  if (!parsed) return fail(std::move(parsed).error());
  const std::string serial = detail::serial_hex(parsed->get());
  auto lock = DirLock::acquire(dir_);
  if (!lock) return fail(std::move(lock).error());
  OMNI_TRY(reload());
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const IndexEntry& e) { return e.serial == serial; });
  if (it == entries_.end()) {
    return fail(ErrorCode::NotFound, "no certificate with serial " + serial + " in the index");
  }
  if (it->status == CertStatus::Revoked) {
    return fail(ErrorCode::Duplicate, "serial " + serial + " was revoked on " +
                                          format_iso8601(it->revoked_at, TimeZone::utc()));
  }
  // The keys first: a wrong passphrase must leave the index and the CRLs as they were, never
  // an index that says "revoked" next to a CRL that does not.
  auto keys = load_issuing_keys(ca_passphrase);
  if (!keys) return fail(std::move(keys).error());
  it->status = CertStatus::Revoked;
  it->revoked_at = now;
  it->reason = reason;
  const IndexEntry revoked = *it;
  OMNI_TRY(write_index());
  OMNI_TRY(write_crls(*keys, now, crl_days));
  return revoked;
}

Result<std::vector<IndexEntry>> Inventory::revoke_id(std::string_view id,
                                                     std::optional<CertKind> kind,
                                                     RevocationReason reason,
                                                     const Passphrase& ca_passphrase, UtcTime now,
                                                     int crl_days) {
  OMNI_TRY(validate_id(id));
  OMNI_TRY(check_crl_days(crl_days));
  auto lock = DirLock::acquire(dir_);
  if (!lock) return fail(std::move(lock).error());
  OMNI_TRY(reload());
  auto keys = load_issuing_keys(ca_passphrase);
  if (!keys) return fail(std::move(keys).error());
  std::vector<IndexEntry> revoked;
  for (auto& e : entries_) {
    if (e.id != id || e.status == CertStatus::Revoked || (kind && e.kind != *kind)) continue;
    e.status = CertStatus::Revoked;
    e.revoked_at = now;
    e.reason = reason;
    revoked.push_back(e);
  }
  if (revoked.empty()) {
    return fail(ErrorCode::NotFound,
                "no unrevoked certificate of " + std::string(id) +
                    (kind ? " of kind " + std::string(cert_kind_name(*kind)) : std::string()));
  }
  OMNI_TRY(write_index());
  OMNI_TRY(write_crls(*keys, now, crl_days));
  return revoked;
}

Status Inventory::regenerate_crls(const Passphrase& ca_passphrase, UtcTime now, int crl_days) {
  auto lock = DirLock::acquire(dir_);
  if (!lock) return fail(std::move(lock).error());
  OMNI_TRY(check_crl_days(crl_days));
  OMNI_TRY(reload());
  auto keys = load_issuing_keys(ca_passphrase);
  if (!keys) return fail(std::move(keys).error());
  return write_crls(*keys, now, crl_days);
}

Result<std::vector<PrivateKey>> Inventory::load_issuing_keys(
    const Passphrase& ca_passphrase) const {
  std::vector<PrivateKey> keys;
  for (KeyAlgorithm family : kFamilies) {
    auto key = load_ca_key(dir_, family, issuing(family), ca_passphrase);
    if (!key) return fail(std::move(key).error());
    keys.push_back(std::move(*key));
  }
  return keys;
}

Status Inventory::write_crls(const std::vector<PrivateKey>& keys, UtcTime now, int crl_days) {
  std::vector<Crl> crls;
  for (KeyAlgorithm family : kFamilies) {
    auto crl =
        write_crl(dir_, family, issuing(family), keys[slot(family)], entries_, now, crl_days);
    if (!crl) return fail(std::move(crl).error());
    crls.push_back(std::move(*crl));
  }
  OMNI_TRY(write_combined_crl(dir_, crls));
  crls_ = std::move(crls);
  return ok();
}

std::vector<IndexEntry> Inventory::expiring(UtcTime now, std::int64_t within_seconds) const {
  std::vector<IndexEntry> out;
  for (const auto& e : entries_) {
    if (e.status != CertStatus::Revoked && e.not_after <= now + within_seconds) out.push_back(e);
  }
  std::stable_sort(out.begin(), out.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.not_after < b.not_after;
  });
  return out;
}

Verification Inventory::verify(const Certificate& cert, UtcTime now,
                               std::span<const Certificate> presented) const {
  return verify_certificate(cert, trust_store(), now, presented);
}

}  // namespace omni::crypto::pki
