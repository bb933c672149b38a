// `omnimeter ctl pki` run as an operator would: init, issue, list, verify, revoke, crl; file
// modes; exit codes; encrypted CA keys; `openssl verify` as an independent judge of the files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class PkiCli : public ::testing::Test {
 protected:
  ProcessResult pki(std::vector<std::string> args) {
    args.insert(args.begin(), {omnimeter_binary(), "ctl", "pki"});
    // The first argument after "pki" is the subcommand; --dir goes after it.
    args.insert(args.begin() + 4, {"--dir", dir().string()});
    return run_process(args, std::chrono::seconds(60));
  }
  fs::path dir() const { return tmp_ / "pki"; }
  fs::path issued(const std::string& id, const std::string& kind = "tls") const {
    return dir() / "issued" / id / kind;
  }
  // The serial printed by `issue`.
  static std::string serial_in(const std::string& out) {
    std::smatch m;
    if (std::regex_search(out, m, std::regex("serial ([0-9A-F]+)"))) return m[1];
    return {};
  }
  ProcessResult openssl_verify(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/openssl", "verify"});
    return run_process(args);
  }
  TempDir tmp_{"pki-cli"};
};

TEST_F(PkiCli, HelpListsTheSubcommands) {
  auto r = run_process({omnimeter_binary(), "ctl", "pki", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* sub : {"init", "issue", "revoke", "crl", "list", "verify"}) {
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub << " missing in\n" << r.out;
  }
  EXPECT_EQ(run_process({omnimeter_binary(), "ctl", "pki"}).exit_code, 2);
}

TEST_F(PkiCli, InitIssueListVerifyRevoke) {
  auto r = pki({"init", "--org", "Beijing Water"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("trust.pem"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("not encrypted"), std::string::npos) << "warns: " << r.err;
  EXPECT_EQ(mode_of(dir()), 0700u);
  EXPECT_EQ(mode_of(dir() / "ca" / "sm2-issuing" / "key.pem"), 0600u);
  EXPECT_EQ(pki({"init", "--org", "Again"}).exit_code, 1) << "never over an existing PKI";

  r = pki({"issue", "--role", "cloud", "--id", "cloud-1", "--dns", "cloud.example.cn", "--ip",
           "127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("DNS:cloud.example.cn"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("IP:127.0.0.1"), std::string::npos) << r.out;
  const std::string cloud_serial = serial_in(r.out);
  ASSERT_FALSE(cloud_serial.empty()) << r.out;

  r = pki({"issue", "--role", "station", "--id", "elec-01"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(mode_of(issued("elec-01") / "key.pem"), 0600u);
  EXPECT_EQ(mode_of(issued("elec-01")), 0700u);
  r = pki({"issue", "--role", "station", "--id", "elec-01"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already has a valid tls certificate"), std::string::npos) << r.err;
  r = pki({"issue", "--role", "station", "--id", "elec-01", "--sm2", "--days", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(issued("elec-01", "sm2-sign") / "cert.pem"));

  // Usage errors: exit 2 with a reason.
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"issue", "--role", "station", "--id", "../etc"},
        {"issue", "--role", "admin", "--id", "x"},
        {"issue", "--role", "cloud", "--id", "cloud-2"},
        {"issue", "--role", "station", "--id", "x", "--encryption"},
        {"issue", "--role", "cloud", "--id", "x", "--dns", "not a name"},
        {"issue", "--role", "station", "--id", "x", "--days", "0"},
        {"revoke", "--serial", "AB", "--id", "x", "--reason", "superseded"},
        {"revoke", "--id", "x", "--reason", "bored"},
        {"list", "--expiring-within", "soon"}}) {
    r = pki(bad);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << " " << bad[2] << " " << bad[4] << "\n" << r.err;
    EXPECT_FALSE(r.err.empty());
  }

  r = pki({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NOT AFTER (Asia/Shanghai)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cloud-1"), std::string::npos);
  EXPECT_NE(r.out.find("+08:00"), std::string::npos);
  EXPECT_NE(r.out.find("sm2-sign"), std::string::npos);
  r = pki({"list", "--expiring-within", "60d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("elec-01"), std::string::npos) << "the 30-day SM2 certificate\n" << r.out;
  EXPECT_EQ(r.out.find("cloud-1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 certificate expires by"), std::string::npos) << r.out;

  r = pki({"verify", (issued("elec-01") / "cert.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(": OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CN=Omnimeter ECDSA Root CA,O=Beijing Water"), std::string::npos) << r.out;
  r = pki({"verify", (issued("elec-01", "sm2-sign") / "chain.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("CN=Omnimeter SM2 Root CA"), std::string::npos) << r.out;

  r = pki({"revoke", "--id", "elec-01", "--kind", "tls", "--reason", "key-compromise"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("key-compromise"), std::string::npos) << r.out;
  r = pki({"verify", (issued("elec-01") / "cert.pem").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAILED: revoked"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key-compromise"), std::string::npos) << r.out;
  r = pki({"verify", (issued("elec-01", "sm2-sign") / "cert.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << "only the TLS certificate was revoked\n" << r.out;

  // openssl agrees, from the files alone.
  r = openssl_verify({"-CAfile", (dir() / "trust.pem").string(), "-untrusted",
                      (dir() / "ca" / "issuing" / "cert.pem").string(), "-crl_check", "-CRLfile",
                      (dir() / "crl.pem").string(), (issued("elec-01") / "cert.pem").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("certificate revoked"), std::string::npos) << r.out << r.err;
  r = openssl_verify({"-CAfile", (dir() / "trust.pem").string(), "-untrusted",
                      (dir() / "ca" / "issuing" / "cert.pem").string(), "-crl_check", "-CRLfile",
                      (dir() / "crl.pem").string(), (issued("cloud-1") / "cert.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  r = pki({"revoke", "--serial", cloud_serial, "--reason", "superseded"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pki({"revoke", "--serial", cloud_serial, "--reason", "superseded"});
  EXPECT_EQ(r.exit_code, 1) << "already revoked";
  r = pki({"revoke", "--id", "nobody", "--reason", "superseded"});
  EXPECT_EQ(r.exit_code, 1);
  r = pki({"list"});
  EXPECT_NE(r.out.find("revoked (superseded)"), std::string::npos) << r.out;

  // Ten days on, the CRLs (next update in 7 days) are stale until regenerated.
  char later[16];
  const std::time_t t = std::time(nullptr) + 10 * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(later, sizeof later, "%Y-%m-%d", &tm);
  const std::string sm2_cert = (issued("elec-01", "sm2-sign") / "cert.pem").string();
  r = pki({"verify", "--at", later, sm2_cert});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("crl_not_current"), std::string::npos) << r.out;
  r = pki({"crl", "--crl-days", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CRL number 4"), std::string::npos) << "init, 2 revocations, this\n"
                                                           << r.out;
  r = pki({"verify", "--at", later, sm2_cert});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(PkiCli, LooseKeyFilesAreAConfigurationError) {
  ASSERT_EQ(pki({"init", "--org", "Water"}).exit_code, 0);
  const fs::path key = dir() / "ca" / "issuing" / "key.pem";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto r = pki({"issue", "--role", "station", "--id", "elec-01"});
  EXPECT_EQ(r.exit_code, 78) << r.err;
  EXPECT_NE(r.err.find("chmod 600 " + key.string()), std::string::npos) << r.err;
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  EXPECT_EQ(pki({"issue", "--role", "station", "--id", "elec-01"}).exit_code, 0);
}

TEST_F(PkiCli, PassphraseProtectsTheCaKeys) {
  const fs::path pass = tmp_ / "ca.pass";
  std::ofstream(pass) << "a long CA passphrase\n";
  ASSERT_EQ(::chmod(pass.c_str(), 0600), 0);
  auto r = pki({"init", "--org", "Gas", "--passphrase-file", pass.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("not encrypted"), std::string::npos) << r.err;
  std::ifstream key(dir() / "ca" / "root" / "key.pem");
  std::string first;
  std::getline(key, first);
  EXPECT_EQ(first, "-----BEGIN ENCRYPTED PRIVATE KEY-----");

  r = pki({"issue", "--role", "station", "--id", "gas-01"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("passphrase"), std::string::npos) << r.err;
  r = pki({"issue", "--role", "station", "--id", "gas-01", "--passphrase-file", pass.string(),
           "--key-passphrase-file", pass.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("encrypted with sm4-cbc"), std::string::npos) << r.out;

  ASSERT_EQ(::chmod(pass.c_str(), 0644), 0);
  r = pki(
      {"revoke", "--id", "gas-01", "--reason", "superseded", "--passphrase-file", pass.string()});
  EXPECT_EQ(r.exit_code, 78) << r.err;
}

}  // namespace
}  // namespace omni::testing
