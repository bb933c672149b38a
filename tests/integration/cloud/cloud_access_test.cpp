// `omnimeter cloud` with [cloud.access] required = true (ARC-3, SEC-2): users made by
// `omnimeter ctl user add -c cloud.toml` in the cloud's database, tokens on the statistics and
// analysis API, a district user held to the district (403 for the city's region tree, another
// district, another district's metering point; a query without a region answered for the
// district), one "data.read" audit row per call, and `ctl audit verify` on the cloud database
// before and after a refusal is rewritten as a success.
//
// The city: 朝阳区 110105 and 海淀区 110108, one electricity household each, usage 10 and 20 kWh
// on 1 January 2026.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "exchange/batch.hpp"
#include "net/http_client.hpp"
#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

exchange::BaseCode household(std::uint32_t county) {
  exchange::BaseCode c;
  c.county = county;
  c.street = 1;
  c.community = 1;
  c.building = 1;
  c.unit = 1;
  c.room = 101;
  c.kind = EnergyKind::Electricity;
  c.sequence = 1;
  return c;
}

exchange::Batch two_districts() {
  exchange::Batch b;
  b.station = "elec-01";
  b.sequence = 1;
  b.created = UtcTime{1'767'400'000};
  b.regions = {{"110105", exchange::RegionLevel::District, "朝阳区", {}, {}},
               {"110108", exchange::RegionLevel::District, "海淀区", {}, {}}};
  const char* addresses[] = {"000000000101", "000000000102"};
  const std::uint32_t counties[] = {110105, 110108};
  const std::int64_t usage[] = {1000, 2000};  // 0.01 kWh
  for (int i = 0; i < 2; ++i) {
    exchange::MeterRecord m;
    m.code = household(counties[i]);
    m.address = *MeterAddress::from_digits(addresses[i]);
    m.meter_type = 0x40;
    m.installed = UtcTime{1'735'660'800};
    b.meters.push_back(m);
    for (int day = 0; day < 2; ++day) {
      exchange::ReadingRecord r;
      r.code = m.code;
      // Daily frozen values of 1 and 2 January 2026 (Beijing): usage falls on 1 January.
      r.at = UtcTime{1'767'225'600 - 8 * 3600 + day * 86'400};
      r.value = Quantity(10'000 + day * usage[i], 2, Unit::kWh);
      r.meter_type = 0x40;
      b.readings.push_back(r);
    }
  }
  return b;
}

class CloudAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = (dir_ / "cloud.toml").string();
    std::ofstream(config_) << "[cloud.http]\nport = 0\n"
                           << "[cloud.access]\nrequired = true\n"
                           << "[database]\npath = \"" << (dir_ / "cloud.db").string() << "\"\n";
  }

  testing::ProcessResult ctl(const std::vector<std::string>& args, const std::string& input = "") {
    auto file = dir_ / "stdin.txt";
    std::ofstream(file) << input;
    std::string cmd = "'" + testing::omnimeter_binary() + "' ctl";
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " < '" + file.string() + "'";
    return testing::run_process({"/bin/sh", "-c", cmd}, 60s);
  }

  void add_user(const std::vector<std::string>& args, const std::string& password) {
    std::vector<std::string> all{"user", "add"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"-c", config_});
    auto r = ctl(all, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void start() {
    cloud_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::omnimeter_binary(), "cloud", "-c", config_});
    auto line = cloud_->wait_for_line("Omnimeter cloud on http://127.0.0.1:", 30s);
    ASSERT_TRUE(line) << "the cloud did not start: " << cloud_->err();
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  net::ClientResponse call(std::string_view method, const std::string& target,
                           const std::string& token = "", const std::string& body = "") {
    net::HttpClient client({.host = "127.0.0.1", .port = port_, .timeout = 10s});
    net::HeaderList headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto r = client.request(method, target, body, body.empty() ? "" : "application/json", headers);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : net::ClientResponse{};
  }

  // GET with `token`, expecting `status`; the body as JSON.
  Json get(const std::string& target, const std::string& token, int status = 200) {
    auto r = call("GET", target, token);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return Json::parse(r.body, nullptr, false);
  }

  std::string login(const std::string& user, const std::string& password) {
    auto r = call("POST", "/api/v1/login", "", Json{{"user", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = Json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("token") ? j["token"].get<std::string>() : "";
  }

  testing::TempDir dir_{"omni-cloud-access"};
  std::string config_;
  std::unique_ptr<testing::ChildProcess> cloud_;
  std::uint16_t port_ = 0;
};

TEST_F(CloudAccess, TokensRegionScopesAndAuditedReads) {
  // Accounts go into the cloud's own database (cloud.db, from [database] of cloud.toml).
  ASSERT_NO_FATAL_FAILURE(
      add_user({"city", "--role", "read-only", "--kind", "government"}, "Municipal-View-2026"));
  ASSERT_NO_FATAL_FAILURE(
      add_user({"chaoyang", "--role", "read-only", "--region", "110105", "--kind", "government"},
               "District-Gov-2026"));
  ASSERT_NO_FATAL_FAILURE(add_user({"auditor1", "--role", "auditor"}, "Audit-Pass-2026"));
  ASSERT_NO_FATAL_FAILURE(start());
  // Batches still come in without a user token (stations sign and are certified instead).
  auto posted =
      call("POST", "/api/v1/exchange/batches", "", exchange::write_batch(two_districts()));
  ASSERT_EQ(posted.status, 200) << posted.body;

  const std::string period = "from=2026-01-01&to=2026-01-01";
  auto anonymous = call("GET", "/api/v1/stats/overview?" + period);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(call("GET", "/api/v1/regions").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/info").status, 200);  // open: the dashboard's start-up

  // The city user sees the city: 10 + 20 kWh, both districts.
  std::string city = login("city", "Municipal-View-2026");
  Json overview = get("/api/v1/stats/overview?" + period, city);
  EXPECT_EQ(overview["region"], "");
  EXPECT_DOUBLE_EQ(overview["energies"][0]["usage"].get<double>(), 30.0);
  EXPECT_EQ(
      get("/api/v1/stats/regions?level=street&energy=electricity&" + period, city)["rows"].size(),
      2u);

  // The district user: its district only.
  std::string chaoyang = login("chaoyang", "District-Gov-2026");
  Json me = get("/api/v1/me", chaoyang);
  EXPECT_EQ(me["region"], "110105");
  EXPECT_EQ(me["kind"], "government");
  Json own = get("/api/v1/stats/overview?" + period, chaoyang);  // no region: the district's
  EXPECT_EQ(own["region"], "110105");
  EXPECT_DOUBLE_EQ(own["energies"][0]["usage"].get<double>(), 10.0);
  // A ranking without a parent is narrowed to the district: its streets only. (The city's
  // district ranking itself then asks for districts inside a district: 400 from the handler.)
  Json ranking = get("/api/v1/stats/regions?level=street&energy=electricity&" + period, chaoyang);
  ASSERT_EQ(ranking["rows"].size(), 1u) << ranking.dump();
  EXPECT_EQ(ranking["rows"][0]["code"], "110105001");
  get("/api/v1/stats/regions?level=district&energy=electricity&" + period, chaoyang, 400);
  get("/api/v1/stats/overview?region=110105001&" + period, chaoyang);
  EXPECT_EQ(get("/api/v1/stats/overview?region=110108&" + period, chaoyang, 403)["code"],
            "forbidden");
  get("/api/v1/stats/series?energy=electricity&region=110108&" + period, chaoyang, 403);
  get("/api/v1/regions", chaoyang, 403);
  get("/api/v1/regions/110108", chaoyang, 403);
  get("/api/v1/regions/110105", chaoyang);
  const std::string ours = household(110105).to_string();
  const std::string theirs = household(110108).to_string();
  get("/api/v1/analysis/points?codes=" + ours + "&" + period, chaoyang);
  get("/api/v1/analysis/points?codes=" + ours + "," + theirs + "&" + period, chaoyang, 403);
  get("/api/v1/analysis/periods?code=" + theirs + "&periods=2026-01-01..2026-01-01", chaoyang, 403);
  // Read-only users do not read the audit trail.
  get("/api/v1/audit", chaoyang, 403);

  // Every data call above by a logged-in user is one data.read row: 2 by the city user, 12 by
  // the district user (6 allowed — one the handler answered 400 —, 6 refused).
  std::string auditor = login("auditor1", "Audit-Pass-2026");
  Json rows = get("/api/v1/audit?type=data.read&limit=100", auditor)["items"];
  ASSERT_EQ(rows.size(), 14u) << rows.dump(1);
  int refused = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(row["source"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << row.dump();
    if (!row["success"].get<bool>()) {
      ++refused;
      EXPECT_EQ(row["user"], "chaoyang");
      EXPECT_NE(row["details"].get<std::string>().find("forbidden"), std::string::npos);
    }
  }
  EXPECT_EQ(refused, 6);
  // Newest first: the refused periods comparison names the route, its query and the community.
  EXPECT_EQ(rows[0]["object"],
            "GET /api/v1/analysis/periods?code=" + theirs + "&periods=2026-01-01..2026-01-01");
  EXPECT_EQ(rows[0]["details"], "forbidden operation=analysis.read region=" + theirs.substr(0, 12));

  // Logout ends the token.
  EXPECT_EQ(call("POST", "/api/v1/logout", chaoyang).status, 204);
  get("/api/v1/stats/overview?" + period, chaoyang, 401);
  cloud_->terminate();

  auto verify = ctl({"audit", "verify", "-c", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("audit chain intact"), std::string::npos) << verify.out;

  // A refusal rewritten as a success breaks the chain at that row.
  {
    storage::DatabaseOptions o;
    o.sqlite_path = (dir_ / "cloud.db").string();
    auto db = storage::open_database(o);
    ASSERT_TRUE(db) << db.error().to_string();
    auto id =
        (*db)->query("SELECT MIN(id) FROM audit_log WHERE event = 'data.read' AND success = 0");
    ASSERT_TRUE(id && !id->empty());
    auto changed = (*db)->execute("UPDATE audit_log SET success = 1 WHERE id = $1",
                                  {id->at(0).get<std::int64_t>(0).value_or(0)});
    ASSERT_TRUE(changed) << changed.error().to_string();
  }
  auto broken = ctl({"audit", "verify", "-c", config_});
  EXPECT_EQ(broken.exit_code, 1) << broken.out;
  EXPECT_NE(broken.err.find("audit chain broken at row"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace omni
