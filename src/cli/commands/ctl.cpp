// `omnimeter ctl pki …`: the certificate authority of a deployment (docs/security.md, "Keys and
// certificates").
//
//   omnimeter ctl pki init    --dir D --org "Beijing Water" [--passphrase-file F]
//   omnimeter ctl pki issue   --dir D --role station --id elec-01 [--dns N] [--ip A] [--days 365]
//                             [--sm2 [--encryption]] [--csr REQ.pem] [--renew]
//   omnimeter ctl pki revoke  --dir D (--serial HEX | --id ID [--kind tls|sm2-sign|sm2-enc])
//                             --reason key-compromise
//   omnimeter ctl pki crl     --dir D [--crl-days 7]
//   omnimeter ctl pki list    --dir D [--expiring-within 30d]
//   omnimeter ctl pki verify  --dir D FILE.pem
//
// Exit codes: 0 ok; 1 failure (verification failed, nothing to revoke, wrong passphrase, …);
// 2 usage (a bad id, name, number or option); 78 a key or passphrase file with loose permissions.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "crypto/pki/inventory.hpp"

namespace omni::cli {
namespace {

namespace pki = crypto::pki;

struct PkiArgs {
  std::string dir;
  std::string passphrase_file;  // the CA keys'
  std::string cipher = "sm4-cbc";
  int crl_days = 7;
  // init
  std::string org;
  int root_days = 7300;
  int issuing_days = 3650;
  // issue
  std::string role;
  std::string id;
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  int days = 365;
  bool sm2 = false;
  bool encryption = false;
  std::string csr_file;
  bool renew = false;
  std::string key_passphrase_file;
  // revoke
  std::string serial;
  std::string kind;
  std::string reason;
  // list / verify
  std::string expiring_within;
  std::string at;
  std::string file;
};

constexpr const char* kWho = "omnimeter ctl pki";

int report(const Error& e, int code) {
  fmt::print(stderr, "{}: {}\n", kWho, e.detail);
  return code;
}

// Loose permissions on key material are a deployment (configuration) problem: 78. Bad input on
// the command line is a usage error: 2. The rest happened at run time: 1.
int exit_code_for(const Error& e, bool input_errors_are_usage) {
  if (e.code == ErrorCode::Config) return kExitConfig;
  if (input_errors_are_usage &&
      (e.code == ErrorCode::Malformed || e.code == ErrorCode::OutOfRange)) {
    return kExitUsage;
  }
  return kExitFailure;
}

std::string shanghai(UtcTime t) { return format_iso8601(t, TimeZone::shanghai()); }

// "30d", "12h", "2w" or a number of days, in seconds.
Result<std::int64_t> parse_window(std::string_view text) {
  std::int64_t unit = 86400;
  if (!text.empty() && (text.back() == 'd' || text.back() == 'h' || text.back() == 'w')) {
    unit = text.back() == 'h' ? 3600 : text.back() == 'w' ? 7 * 86400 : 86400;
    text.remove_suffix(1);
  }
  std::int64_t n = 0;
  if (text.empty() || text.size() > 6) {
    return fail(ErrorCode::Malformed, "a window is a number with d, h or w (\"30d\")");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return fail(ErrorCode::Malformed, "a window is a number with d, h or w (\"30d\")");
    }
    n = n * 10 + (c - '0');
  }
  return n * unit;
}

// "now", or --at when given (to ask what the state will be on a date).
Result<UtcTime> evaluation_time(const PkiArgs& args) {
  if (args.at.empty()) return SystemClock::instance().now();
  if (auto t = parse_iso8601(args.at)) return *t;
  if (auto d = parse_date(args.at)) return TimeZone::shanghai().from_local(*d);
  return fail(ErrorCode::Malformed,
              "--at takes a date (2027-01-31, Asia/Shanghai) or a time with offset "
              "(2027-01-31T08:00:00+08:00)");
}

// The CA passphrase, empty when no file was named. Problems are configuration errors.
std::optional<pki::Passphrase> passphrase_from(const std::string& file, int& code) {
  if (file.empty()) return pki::Passphrase();
  auto p = pki::read_passphrase_file(file);
  if (!p) {
    code = report(p.error(), p.error().code == ErrorCode::OutOfRange ? kExitUsage : kExitConfig);
    return std::nullopt;
  }
  return *p;
}

std::optional<pki::Inventory> open_pki(const std::string& dir, int& code) {
  auto inv = pki::Inventory::open(dir);
  if (!inv) {
    code = report(inv.error(), exit_code_for(inv.error(), false));
    return std::nullopt;
  }
  return std::move(*inv);
}

int run_init(const PkiArgs& args) {
  int code = kExitOk;
  auto cipher = pki::parse_key_cipher(args.cipher);
  if (!cipher) return report(cipher.error(), kExitUsage);
  auto pass = passphrase_from(args.passphrase_file, code);
  if (!pass) return code;
  pki::InitOptions options{.organisation = args.org,
                           .root_days = args.root_days,
                           .issuing_days = args.issuing_days,
                           .crl_days = args.crl_days,
                           .ca_key_protection = {.passphrase = *pass, .cipher = *cipher}};
  auto inv = pki::Inventory::create(args.dir, options, SystemClock::instance().now());
  if (!inv) return report(inv.error(), exit_code_for(inv.error(), true));
  fmt::print("created the PKI of {} in {}\n", inv->organisation(), args.dir);
  for (auto family : {pki::KeyAlgorithm::EcdsaP256, pki::KeyAlgorithm::Sm2}) {
    for (const auto* cert : {&inv->root(family), &inv->issuing(family)}) {
      fmt::print("  {:<32} serial {} until {}\n", cert->common_name(), cert->serial_hex(),
                 shanghai(cert->not_after()));
    }
  }
  fmt::print("  trust anchors (give to every peer): {}/trust.pem\n", args.dir);
  fmt::print("  CRLs (regenerate before {}): {}/crl.pem\n",
             shanghai(inv->trust_store().crls.at(0).next_update()), args.dir);
  if (pass->empty()) {
    fmt::print(stderr,
               "{}: warning: the CA keys are not encrypted (only mode 0600 protects them); "
               "use --passphrase-file to encrypt them\n",
               kWho);
  }
  return kExitOk;
}

int run_issue(const PkiArgs& args) {
  if (auto st = pki::validate_id(args.id); !st) return report(st.error(), kExitUsage);
  auto role = pki::parse_role(args.role);
  if (!role) return report(role.error(), kExitUsage);
  if (args.encryption && !args.sm2) {
    return report(Error(ErrorCode::Malformed, "--encryption is for SM2 certificates (add --sm2)"),
                  kExitUsage);
  }
  if (*role == pki::Role::Cloud && !args.sm2 && args.dns.empty() && args.ips.empty()) {
    return report(Error(ErrorCode::Malformed,
                        "a cloud TLS certificate needs --dns or --ip (clients check the name)"),
                  kExitUsage);
  }
  auto cipher = pki::parse_key_cipher(args.cipher);
  if (!cipher) return report(cipher.error(), kExitUsage);
  int code = kExitOk;
  auto ca_pass = passphrase_from(args.passphrase_file, code);
  if (!ca_pass) return code;
  auto key_pass = passphrase_from(args.key_passphrase_file, code);
  if (!key_pass) return code;
  auto inv = open_pki(args.dir, code);
  if (!inv) return code;

  pki::IssueRequest request{
      .id = args.id,
      .role = *role,
      .kind = !args.sm2 ? pki::CertKind::Tls
                        : (args.encryption ? pki::CertKind::Sm2Encrypt : pki::CertKind::Sm2Sign),
      .dns_names = args.dns,
      .ip_addresses = args.ips,
      .days = args.days,
      .csr = std::nullopt,
      .renew = args.renew,
      .key_protection = {.passphrase = *key_pass, .cipher = *cipher},
      .crl_days = args.crl_days};
  if (!args.csr_file.empty()) {
    auto text = pki::read_small_file(args.csr_file);
    if (!text) return report(text.error(), kExitFailure);
    auto csr = pki::CertificateRequest::from_pem(*text);
    if (!csr) {
      return report(Error(csr.error().code, args.csr_file + ": " + csr.error().detail),
                    kExitFailure);
    }
    request.csr = std::move(*csr);
  }
  auto issued = inv->issue(request, *ca_pass, SystemClock::instance().now());
  if (!issued) return report(issued.error(), exit_code_for(issued.error(), true));
  const auto& e = issued->entry;
  fmt::print("issued a {} certificate for {} ({}): serial {}, valid until {}\n",
             pki::cert_kind_name(e.kind), e.id, pki::role_name(e.role), e.serial,
             shanghai(e.not_after));
  if (issued->superseded) {
    fmt::print("  replaces serial {} (revoked as superseded; CRL updated)\n", *issued->superseded);
  }
  fmt::print("  certificate {}\n", (issued->directory / "cert.pem").string());
  fmt::print("  chain       {}\n", (issued->directory / "chain.pem").string());
  if (!request.csr) {
    fmt::print("  key         {} ({}, mode 0600)\n", (issued->directory / "key.pem").string(),
               key_pass->empty() ? "not encrypted"
                                 : "encrypted with " + std::string(pki::key_cipher_name(*cipher)));
  }
  for (const auto& san : issued->certificate.subject_alt_names())
    fmt::print("  name        {}\n", san);
  return kExitOk;
}

int run_revoke(const PkiArgs& args) {
  if (args.serial.empty() == args.id.empty()) {
    return report(Error(ErrorCode::Malformed, "give exactly one of --serial and --id"), kExitUsage);
  }
  if (!args.kind.empty() && args.id.empty()) {
    return report(Error(ErrorCode::Malformed, "--kind goes with --id"), kExitUsage);
  }
  auto reason = pki::parse_revocation_reason(args.reason);
  if (!reason) return report(reason.error(), kExitUsage);
  std::optional<pki::CertKind> kind;
  if (!args.kind.empty()) {
    auto k = pki::parse_cert_kind(args.kind);
    if (!k) return report(k.error(), kExitUsage);
    kind = *k;
  }
  if (!args.id.empty()) {
    if (auto st = pki::validate_id(args.id); !st) return report(st.error(), kExitUsage);
  }
  int code = kExitOk;
  auto ca_pass = passphrase_from(args.passphrase_file, code);
  if (!ca_pass) return code;
  auto inv = open_pki(args.dir, code);
  if (!inv) return code;
  const UtcTime now = SystemClock::instance().now();
  std::vector<pki::IndexEntry> revoked;
  if (!args.serial.empty()) {
    auto r = inv->revoke_serial(args.serial, *reason, *ca_pass, now, args.crl_days);
    if (!r) return report(r.error(), exit_code_for(r.error(), true));
    revoked.push_back(*r);
  } else {
    auto r = inv->revoke_id(args.id, kind, *reason, *ca_pass, now, args.crl_days);
    if (!r) return report(r.error(), exit_code_for(r.error(), true));
    revoked = std::move(*r);
  }
  for (const auto& e : revoked) {
    fmt::print("revoked serial {} ({}, {}): {}\n", e.serial, e.id, pki::cert_kind_name(e.kind),
               pki::revocation_reason_name(e.reason));
  }
  fmt::print("CRLs updated: {}/crl.pem (next update {}); give it to every peer\n", args.dir,
             shanghai(inv->trust_store().crls.at(0).next_update()));
  return kExitOk;
}

int run_crl(const PkiArgs& args) {
  int code = kExitOk;
  auto ca_pass = passphrase_from(args.passphrase_file, code);
  if (!ca_pass) return code;
  auto inv = open_pki(args.dir, code);
  if (!inv) return code;
  if (auto st = inv->regenerate_crls(*ca_pass, SystemClock::instance().now(), args.crl_days); !st) {
    return report(st.error(), exit_code_for(st.error(), true));
  }
  for (const auto& crl : inv->trust_store().crls) {
    fmt::print("{}: CRL number {}, {} revoked, next update {}\n", crl.issuer(), crl.number(),
               crl.size(), shanghai(crl.next_update()));
  }
  fmt::print("written: {}/crl.pem\n", args.dir);
  return kExitOk;
}

int run_list(const PkiArgs& args) {
  auto now = evaluation_time(args);
  if (!now) return report(now.error(), kExitUsage);
  std::optional<std::int64_t> window;
  if (!args.expiring_within.empty()) {
    auto w = parse_window(args.expiring_within);
    if (!w) return report(w.error(), kExitUsage);
    window = *w;
  }
  int code = kExitOk;
  auto inv = open_pki(args.dir, code);
  if (!inv) return code;
  const auto rows = window ? inv->expiring(*now, *window) : inv->entries();
  fmt::print("{:<20} {:<12} {:<8} {:<32} {:<25} {}\n", "ID", "ROLE", "KIND", "SERIAL",
             "NOT AFTER (Asia/Shanghai)", "STATUS");
  for (const auto& e : rows) {
    std::string status(pki::entry_state(e, *now));
    if (e.status == pki::CertStatus::Revoked) {
      status += " (" + std::string(pki::revocation_reason_name(e.reason)) + ")";
    }
    fmt::print("{:<20} {:<12} {:<8} {:<32} {:<25} {}\n", e.id, pki::role_name(e.role),
               pki::cert_kind_name(e.kind), e.serial, shanghai(e.not_after), status);
  }
  if (window) {
    fmt::print("{} certificate{} expire{} by {}\n", rows.size(), rows.size() == 1 ? "" : "s",
               rows.size() == 1 ? "s" : "", shanghai(*now + *window));
  }
  return kExitOk;
}

int run_verify(const PkiArgs& args) {
  auto now = evaluation_time(args);
  if (!now) return report(now.error(), kExitUsage);
  int code = kExitOk;
  auto inv = open_pki(args.dir, code);
  if (!inv) return code;
  auto text = pki::read_small_file(args.file);
  if (!text) return report(text.error(), kExitFailure);
  auto certs = pki::Certificate::all_from_pem(*text);
  if (!certs) {
    return report(Error(ErrorCode::Malformed, args.file + ": " + certs.error().detail),
                  kExitFailure);
  }
  // The first certificate is the one checked; any others (a chain file) are offered as
  // untrusted intermediates, as a TLS peer would send them.
  const auto presented = std::span<const pki::Certificate>(*certs).subspan(1);
  const auto v = inv->verify(certs->front(), *now, presented);
  if (!v.ok()) {
    fmt::print("{}: FAILED: {}: {}\n", args.file, pki::verify_failure_name(v.failure), v.detail);
    return kExitFailure;
  }
  fmt::print("{}: OK (serial {}, until {})\n", args.file, certs->front().serial_hex(),
             shanghai(certs->front().not_after()));
  for (const auto& subject : v.chain) fmt::print("  {}\n", subject);
  return kExitOk;
}

}  // namespace

void add_ctl_access_commands(CLI::App& ctl, CommandRun& run);  // ctl_access.cpp

void add_ctl_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* ctl = app.add_subcommand("ctl", "Administration: certificates and keys");
  ctl->require_subcommand(1);
  add_ctl_access_commands(*ctl, run);
  auto* pki_cmd = ctl->add_subcommand(
      "pki",
      "Certificate authority: CAs, certificates of stations, concentrators and the cloud, "
      "revocation, expiry");
  pki_cmd->require_subcommand(1);
  auto args = std::make_shared<PkiArgs>();
  auto dir_option = [&](CLI::App* c) {
    c->add_option("--dir", args->dir, "PKI directory")->required();
  };
  auto ca_passphrase_option = [&](CLI::App* c) {
    c->add_option("--passphrase-file", args->passphrase_file,
                  "File whose first line is the CA keys' passphrase (mode 0600)");
  };
  auto crl_days_option = [&](CLI::App* c) {
    c->add_option("--crl-days", args->crl_days, "Days until the CRLs' next update")
        ->capture_default_str()
        ->check(CLI::Range(1, 366));
  };
  auto cipher_option = [&](CLI::App* c, const char* what) {
    c->add_option("--cipher", args->cipher, what)
        ->capture_default_str()
        ->check(CLI::IsMember({"sm4-cbc", "aes-256-cbc"}));
  };

  auto* init = pki_cmd->add_subcommand("init", "Create the root and issuing CAs (ECDSA and SM2)");
  dir_option(init);
  init->add_option("--org", args->org, "Organisation (O of every certificate)")->required();
  init->add_option("--root-days", args->root_days, "Validity of the root CAs")
      ->capture_default_str();
  init->add_option("--issuing-days", args->issuing_days, "Validity of the issuing CAs")
      ->capture_default_str();
  ca_passphrase_option(init);
  cipher_option(init, "Cipher of the encrypted CA keys");
  crl_days_option(init);
  init->callback([args, &run] { run = [args] { return run_init(*args); }; });

  auto* issue = pki_cmd->add_subcommand("issue", "Issue a certificate (and its key)");
  dir_option(issue);
  issue->add_option("--role", args->role, "station, concentrator, cloud or operator")->required();
  issue->add_option("--id", args->id, "Device or station id (the certificate's CN)")->required();
  issue->add_option("--dns", args->dns, "DNS name for the server certificate (repeatable)")
      ->delimiter(',');
  issue->add_option("--ip", args->ips, "IP address for the server certificate (repeatable)")
      ->delimiter(',');
  issue->add_option("--days", args->days, "Validity in days")->capture_default_str();
  issue->add_flag("--sm2", args->sm2,
                  "SM2 signature certificate (exchange envelope, terminal handshake) instead of "
                  "ECDSA P-256 for TLS");
  issue->add_flag("--encryption", args->encryption,
                  "With --sm2: an encryption certificate (key wrapping) instead");
  issue->add_option("--csr", args->csr_file,
                    "PKCS#10 request of a device that keeps its own key (no key is written)");
  issue->add_flag("--renew", args->renew,
                  "Replace a valid certificate of the same id and kind (the old one is revoked)");
  ca_passphrase_option(issue);
  issue->add_option("--key-passphrase-file", args->key_passphrase_file,
                    "Encrypt the new key with the passphrase in this file (mode 0600)");
  cipher_option(issue, "Cipher of the encrypted key");
  crl_days_option(issue);
  issue->callback([args, &run] { run = [args] { return run_issue(*args); }; });

  auto* revoke = pki_cmd->add_subcommand("revoke", "Revoke certificates and update the CRLs");
  dir_option(revoke);
  revoke->add_option("--serial", args->serial, "Serial number (hex)");
  revoke->add_option("--id", args->id, "Every unrevoked certificate of this id");
  revoke->add_option("--kind", args->kind, "With --id: only tls, sm2-sign or sm2-enc");
  revoke
      ->add_option("--reason", args->reason,
                   "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, "
                   "cessation-of-operation or privilege-withdrawn")
      ->required();
  ca_passphrase_option(revoke);
  crl_days_option(revoke);
  revoke->callback([args, &run] { run = [args] { return run_revoke(*args); }; });

  auto* crl = pki_cmd->add_subcommand("crl", "Regenerate both CRLs (run before they go stale)");
  dir_option(crl);
  ca_passphrase_option(crl);
  crl_days_option(crl);
  crl->callback([args, &run] { run = [args] { return run_crl(*args); }; });

  auto* list = pki_cmd->add_subcommand("list", "List the certificates issued");
  dir_option(list);
  list->add_option("--expiring-within", args->expiring_within,
                   "Only unrevoked certificates expiring within this window (30d, 12h, 2w)");
  list->add_option("--at", args->at, "Evaluate at this date or time instead of now");
  list->callback([args, &run] { run = [args] { return run_list(*args); }; });

  auto* verify = pki_cmd->add_subcommand(
      "verify", "Check a certificate against the CAs and CRLs (chain, validity, revocation)");
  dir_option(verify);
  verify->add_option("file", args->file, "PEM certificate (further certificates: its chain)")
      ->required();
  verify->add_option("--at", args->at, "Evaluate at this date or time instead of now");
  verify->callback([args, &run] { run = [args] { return run_verify(*args); }; });
}

}  // namespace omni::cli
