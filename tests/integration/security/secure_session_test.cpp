// Secured sessions doing their ordinary work: configured from files written by
// make_field_pki (as `omnimeter sim pki` does), re-keyed when the channel asks, and the
// [station.security] section read and checked.
#include <fstream>

#include "core/config.hpp"
#include "crypto/session/files.hpp"
#include "secure_world.hpp"
#include "sim/dlt698/field_security.hpp"

namespace omni::testing {
namespace {

std::uint64_t all_rejections() {
  std::uint64_t n = 0;
  for (auto kind : {"malformed", "downgrade", "session_expired", "forged", "replayed", "delayed"})
    n += station::StationCounters::security_rejection(kind).value();
  return n;
}

TEST(SecureSession, StationAndDeviceUseTheFilesOfMakeFieldPki) {
  SecureWorld w;
  TempDir pki;
  auto written = cs::make_field_pki(pki / "field", 42, addr("000000000001"), {addr("110100000003")},
                                    w.clock.now() - 86400);
  ASSERT_TRUE(written.has_value()) << written.error().to_string();
  w.start_station(true, [&](station::StationConfig& c) {
    c.security.identity = nullptr;
    c.security.registry = nullptr;
    c.security.identity_file = written->station_identity.string();
    c.security.registry_file = written->registry.string();
  });
  auto identity = cs::load_identity(written->device_dir / "110100000003.key");
  ASSERT_TRUE(identity.has_value()) << identity.error().to_string();
  auto registry = cs::load_registry(written->registry);
  ASSERT_TRUE(registry.has_value());
  std::uint64_t sessions = w.counters().secure_sessions.value();
  w.connect_concentrator(
      {*identity, std::make_shared<const cs::Registry>(std::move(*registry)), true, {}, {}});
  auto truth = w.truth();
  ASSERT_TRUE(wait_until([&] { return w.stored() == truth; }, 15s));
  EXPECT_GT(w.counters().secure_sessions.value(), sessions);
}

TEST(SecureSession, FieldSecurityLoadsEveryDeviceKeyAndRefusesMissingOnes) {
  TempDir pki;
  auto written = cs::make_field_pki(pki / "field", 9, addr("000000000001"),
                                    {addr("110100000001"), addr("110100000002")}, UtcTime{0});
  ASSERT_TRUE(written.has_value());
  std::vector<std::unique_ptr<sim::Dlt698Device>> devices;
  devices.push_back(std::make_unique<sim::Dlt698Device>(addr("110100000001")));
  devices.push_back(std::make_unique<sim::Dlt698Device>(addr("110100000002")));
  ASSERT_TRUE(sim::enable_field_security(devices, pki / "field").has_value());
  devices.push_back(std::make_unique<sim::Dlt698Device>(addr("110100000009")));
  auto missing = sim::enable_field_security(devices, pki / "field");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(SecureSession, SessionIsRekeyedWhenTheChannelAsks) {
  SecureWorld w;
  w.start_station(true, [](station::StationConfig& c) {
    c.security.channel.rekey_after_apdus = 8;  // a handshake every few exchanges
  });
  std::uint64_t sessions = w.counters().secure_sessions.value();
  std::uint64_t rejected = all_rejections();
  std::uint64_t timeouts = w.counters().timeouts.value();
  w.connect_concentrator();
  auto truth = w.truth();
  ASSERT_TRUE(
      wait_until([&] { return w.counters().secure_sessions.value() - sessions >= 4; }, 15s));
  EXPECT_EQ(w.stored(), truth);
  EXPECT_EQ(all_rejections(), rejected) << "a re-key loses nothing";
  EXPECT_EQ(w.counters().timeouts.value(), timeouts);
  EXPECT_GE(w.terminal_counters().sessions, 4u);
}

config::Document parse(const std::string& toml) {
  auto doc = config::Document::parse(toml, "station.toml");
  EXPECT_TRUE(doc.has_value());
  return std::move(*doc);
}

TEST(SecureSession, SecuritySectionIsReadAndChecked) {
  {
    auto doc = parse(
        "[station.security]\nmode = \"required\"\nidentity = \"/k/station.key\"\n"
        "registry = \"/k/registry.txt\"\nmax_delay = \"30s\"\n");
    auto c = station::station_config_from(doc.root());
    ASSERT_TRUE(doc.finish().has_value());
    EXPECT_EQ(c.security.mode, station::StationSecurityConfig::Mode::Required);
    EXPECT_EQ(c.security.identity_file, "/k/station.key");
    EXPECT_EQ(c.security.registry_file, "/k/registry.txt");
    EXPECT_EQ(c.security.max_delay, std::chrono::seconds(30));
  }
  {
    auto doc = parse("[station]\nport = 1\n");
    auto c = station::station_config_from(doc.root());
    ASSERT_TRUE(doc.finish().has_value());
    EXPECT_EQ(c.security.mode, station::StationSecurityConfig::Mode::Off) << "off by default";
  }
  for (const char* bad :
       {"[station.security]\nmode = \"maybe\"\n", "[station.security]\nmode = \"required\"\n"}) {
    auto doc = parse(bad);
    (void)station::station_config_from(doc.root());
    EXPECT_FALSE(doc.finish().has_value()) << bad;
  }
}

TEST(SecureSession, StationRefusesToStartWithAnUnprotectedKeyFile) {
  SecureWorld w;
  TempDir pki;
  auto written = cs::make_field_pki(pki / "field", 1, addr("000000000001"), {}, UtcTime{0});
  ASSERT_TRUE(written.has_value());
  std::filesystem::permissions(written->station_identity, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  station::StationConfig c;
  c.listen_host = "127.0.0.1";
  c.port = 0;
  c.security.mode = station::StationSecurityConfig::Mode::Required;
  c.security.identity_file = written->station_identity.string();
  c.security.registry_file = written->registry.string();
  // The world's store is not needed: listen() fails before anything is served.
  storage::DatabaseOptions o;
  o.sqlite_path = (pki / "s.db").string();
  auto db = storage::open_database(o);
  ASSERT_TRUE(db.has_value());
  station::ArchiveStore store(**db);
  station::StationServer server(c, store, w.clock);
  auto st = server.listen();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::Config);
}

}  // namespace
}  // namespace omni::testing
