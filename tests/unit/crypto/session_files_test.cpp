// Identities and registries at rest (crypto/session/files.hpp): round trips, the 0600 rule,
// damaged files refused, and the deterministic field PKI.
#include <gtest/gtest.h>

#include <fstream>

#include "crypto/pki/keys.hpp"
#include "crypto/session/files.hpp"
#include "session_fixture.hpp"
#include "support/temp_dir.hpp"

namespace omni::crypto::session {
namespace {

using testing::address;
namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(SessionFiles, IdentityRoundTripsWithMode0600) {
  omni::testing::TempDir dir;
  LocalIdentity id{address("110100000042"), Sm2KeyPair::generate()};
  ASSERT_TRUE(save_identity(dir / "id.key", id).has_value());
  EXPECT_EQ(fs::status(dir / "id.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto back = load_identity(dir / "id.key");
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->address, id.address);
  EXPECT_EQ(back->key.public_key().to_point(), id.key.public_key().to_point());
  EXPECT_EQ(save_identity(dir / "id.key", id).error().code, ErrorCode::Duplicate);
}

TEST(SessionFiles, IdentityReadableByOthersOrDamagedIsRefused) {
  omni::testing::TempDir dir;
  LocalIdentity id{address("110100000042"), Sm2KeyPair::generate()};
  ASSERT_TRUE(save_identity(dir / "id.key", id).has_value());
  fs::permissions(dir / "id.key", fs::perms::others_read, fs::perm_options::add);
  EXPECT_EQ(load_identity(dir / "id.key").error().code, ErrorCode::Config);
  EXPECT_EQ(load_identity(dir / "none.key").error().code, ErrorCode::NotFound);
  std::string text = read(dir / "id.key");
  fs::remove(dir / "id.key");
  ASSERT_TRUE(pki::write_private_file(dir / "id.key", "addr 12\n" + text).has_value());
  EXPECT_EQ(load_identity(dir / "id.key").error().code, ErrorCode::Malformed);
}

TEST(SessionFiles, RegistryRoundTripsWithRevocations) {
  testing::SessionWorld w;
  LocalIdentity other{address("202500000002"), Sm2KeyPair::generate()};
  w.enroll(w.station_registry, other);
  ASSERT_TRUE(w.station_registry.revoke(other.address).has_value());
  omni::testing::TempDir dir;
  ASSERT_TRUE(save_registry(dir / "r.txt", w.station_registry).has_value());
  auto back = load_registry(dir / "r.txt");
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->size(), 2u);
  EXPECT_TRUE(back->check_login(w.terminal.address, w.now).has_value());
  auto revoked = back->check_login(other.address, w.now);
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().reason, RefusalReason::Revoked);
  EXPECT_EQ(back->ca_key().to_point(), w.ca.public_key().to_point());
}

TEST(SessionFiles, TamperedOrForeignRegistryLinesAreRefused) {
  testing::SessionWorld w;
  omni::testing::TempDir dir;
  ASSERT_TRUE(save_registry(dir / "r.txt", w.station_registry).has_value());
  std::string text = read(dir / "r.txt");
  // A device line re-signed by nobody: flip one hex digit inside the record.
  auto at = text.find("device ") + 40;
  std::string tampered = text;
  tampered[at] = tampered[at] == '0' ? '1' : '0';
  write(dir / "t.txt", tampered);
  auto bad = load_registry(dir / "t.txt");
  ASSERT_FALSE(bad.has_value());
  // Another CA in front of the same records: none of them verifies.
  Sm2KeyPair other = Sm2KeyPair::generate();
  std::string foreign =
      "ca " + to_hex(other.public_key().to_point()) + "\n" + text.substr(text.find("device "));
  write(dir / "f.txt", foreign);
  EXPECT_EQ(load_registry(dir / "f.txt").error().code, ErrorCode::Unauthorized);
  write(dir / "n.txt", "device 00\n");
  EXPECT_EQ(load_registry(dir / "n.txt").error().code, ErrorCode::Malformed);
}

TEST(SessionFiles, FieldPkiIsDeterministicFromTheSeed) {
  omni::testing::TempDir a, b, c;
  std::vector<MeterAddress> devices = {address("110100000001"), address("110100000002")};
  auto pa = make_field_pki(a / "pki", 5, address("000000000001"), devices, UtcTime{1764028800});
  auto pb = make_field_pki(b / "pki", 5, address("000000000001"), devices, UtcTime{1764028800});
  auto pc = make_field_pki(c / "pki", 6, address("000000000001"), devices, UtcTime{1764028800});
  ASSERT_TRUE(pa && pb && pc);
  auto ka = load_identity(pa->device_dir / "110100000002.key");
  auto kb = load_identity(pb->device_dir / "110100000002.key");
  auto kc = load_identity(pc->device_dir / "110100000002.key");
  ASSERT_TRUE(ka && kb && kc);
  EXPECT_EQ(ka->key.public_key().to_point(), kb->key.public_key().to_point());
  EXPECT_NE(ka->key.public_key().to_point(), kc->key.public_key().to_point());
  auto registry = load_registry(pa->registry);
  ASSERT_TRUE(registry.has_value());
  EXPECT_EQ(registry->size(), 3u);  // the station and both devices
  // The identities written work in a handshake against the registry written.
  auto station = load_identity(pa->station_identity);
  ASSERT_TRUE(station.has_value());
  UtcTime now{1764028800 + 3600};
  auto client = ClientHandshake::start(*station, *registry, ka->address, now);
  ASSERT_TRUE(client.has_value());
  ServerHandshake server(*ka, *registry);
  auto response = server.respond(client->connect_request(), now);
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  auto done = client->finish(*response, now);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(server.confirm(done->confirmation, now).has_value());
  EXPECT_EQ(make_field_pki(a / "pki", 5, address("000000000001"), devices, UtcTime{0}).error().code,
            ErrorCode::Duplicate)
      << "never overwrites keys";
}

}  // namespace
}  // namespace omni::crypto::session
