// Accounts and the audit chain end to end: users made by `omnimeter ctl user`, log-in over HTTP
// to a running `omnimeter station`, protected routes with and without a token, lock-out, and
// `omnimeter ctl audit verify` before and after a row of the SQLite file is tampered with.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "net/http_client.hpp"
#include "storage/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::ChildProcess;
using omni::testing::omnimeter_binary;
using omni::testing::ProcessResult;
using omni::testing::run_process;
using omni::testing::TempDir;
using Json = nlohmann::json;

class AccessEndToEnd : public ::testing::Test {
 protected:
  std::string write_config(bool required) {
    auto path = (dir_ / "station.toml").string();
    std::ofstream(path) << "[station]\nlisten = \"127.0.0.1\"\nport = 0\n"
                        << "[station.http]\nport = 0\n"
                        << "[station.access]\nrequired = " << (required ? "true" : "false") << "\n"
                        << "[database]\npath = \"" << (dir_ / "station.db").string() << "\"\n";
    return path;
  }

  // `omnimeter ctl …` with `stdin_text` on standard input (passwords never go on the command
  // line), through sh because run_process closes the child's stdin.
  ProcessResult ctl(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    auto input = dir_ / "stdin.txt";
    std::ofstream(input) << stdin_text;
    std::string cmd = "'" + omnimeter_binary() + "' ctl";
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " < '" + input.string() + "'";
    return run_process({"/bin/sh", "-c", cmd}, 60s);
  }

  void add_user(const std::string& name, const std::string& role, const std::string& password) {
    auto r = ctl({"user", "add", name, "--role", role, "-c", config_}, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("user " + name + " added"), std::string::npos) << r.out;
  }

  void start_station() {
    station_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{omnimeter_binary(), "station", "-c", config_});
    auto line = station_->wait_for_line("station API on http://", 30s);
    ASSERT_TRUE(line.has_value()) << station_->err();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*line, m, std::regex(R"(:(\d+)/)"))) << *line;
    port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }

  net::ClientResponse call(std::string_view method, std::string_view target,
                           const std::string& token = "", const std::string& body = "") {
    net::HttpClient client({.host = "127.0.0.1", .port = port_, .timeout = 10s});
    net::HeaderList headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto r = client.request(method, target, body, body.empty() ? "" : "application/json", headers);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : net::ClientResponse{};
  }

  net::ClientResponse login(const std::string& user, const std::string& password) {
    return call("POST", "/api/v1/login", "", Json{{"user", user}, {"password", password}}.dump());
  }

  std::string token_of(const std::string& user, const std::string& password) {
    auto r = login(user, password);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = Json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("token") ? j["token"].get<std::string>() : "";
  }

  TempDir dir_{"omni-access"};
  std::string config_;
  std::unique_ptr<ChildProcess> station_;
  std::uint16_t port_ = 0;
};

TEST_F(AccessEndToEnd, RequiredTokensLockOutAndTamperEvidentAudit) {
  config_ = write_config(/*required=*/true);
  ASSERT_NO_FATAL_FAILURE(add_user("admin", "administrator", "Station-Boss-2026"));
  ASSERT_NO_FATAL_FAILURE(add_user("auditor1", "auditor", "Audit-Pass-2026"));
  ASSERT_NO_FATAL_FAILURE(add_user("viewer", "read-only", "Reader-Pass-2026"));
  ASSERT_NO_FATAL_FAILURE(add_user("op1", "operator", "Operator-Pass-2026"));
  // The policy is enforced by the CLI too (usage error, nothing added).
  auto weak = ctl({"user", "add", "weak", "--role", "operator", "-c", config_}, "short\n");
  EXPECT_EQ(weak.exit_code, 2) << weak.out;
  EXPECT_NE(weak.err.find("10 characters"), std::string::npos) << weak.err;
  ASSERT_NO_FATAL_FAILURE(start_station());

  // A protected station route: refused without a token or with a made-up one, served with one.
  auto anonymous = call("GET", "/api/v1/alarms");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(call("GET", "/api/v1/alarms", std::string(64, 'a')).status, 401);
  std::string viewer = token_of("viewer", "Reader-Pass-2026");
  ASSERT_FALSE(viewer.empty());
  auto alarms = call("GET", "/api/v1/alarms", viewer);
  EXPECT_EQ(alarms.status, 200) << alarms.body;
  auto me = Json::parse(call("GET", "/api/v1/me", viewer).body, nullptr, false);
  EXPECT_EQ(me.value("role", ""), "read-only");
  // Read-only may not read the audit trail.
  EXPECT_EQ(call("GET", "/api/v1/audit", viewer).status, 403);

  // Lock-out: five wrong passwords, then even the right one is refused — with the same answer
  // as for a user that does not exist.
  for (int i = 0; i < 5; ++i) {
    auto r = login("op1", "Wrong-Pass-000" + std::to_string(i));
    EXPECT_EQ(r.status, 401) << r.body;
  }
  auto locked = login("op1", "Operator-Pass-2026");
  EXPECT_EQ(locked.status, 401);
  auto nobody = login("nobody", "Operator-Pass-2026");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(Json::parse(locked.body, nullptr, false).value("message", "a"),
            Json::parse(nobody.body, nullptr, false).value("message", "b"));
  auto list = ctl({"user", "list", "-c", config_});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("locked-out"), std::string::npos) << list.out;

  // The auditor sees every failure, and the chain verifies over HTTP.
  std::string auditor = token_of("auditor1", "Audit-Pass-2026");
  auto audit = call("GET", "/api/v1/audit?user=op1&type=login", auditor);
  ASSERT_EQ(audit.status, 200) << audit.body;
  auto items = Json::parse(audit.body, nullptr, false)["items"];
  ASSERT_TRUE(items.is_array());
  EXPECT_EQ(items.size(), 6u);
  for (const auto& item : items) {
    EXPECT_FALSE(item["success"].get<bool>());
    EXPECT_NE(item["source"].get<std::string>().find("127.0.0.1"), std::string::npos);
  }
  EXPECT_EQ(items[0]["details"], "account locked out");
  auto verify = Json::parse(call("GET", "/api/v1/audit/verify", auditor).body, nullptr, false);
  EXPECT_TRUE(verify.value("intact", false)) << verify.dump();

  // Logout ends the session.
  EXPECT_EQ(call("POST", "/api/v1/logout", viewer).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/alarms", viewer).status, 401);
  EXPECT_EQ(station_->terminate(), 0) << station_->err();

  auto ok = ctl({"audit", "verify", "-c", config_});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("audit chain intact"), std::string::npos) << ok.out;

  // Someone edits row 3 (the read-only user's creation) in the SQLite file.
  {
    storage::DatabaseOptions o;
    o.sqlite_path = (dir_ / "station.db").string();
    auto db = storage::open_database(o);
    ASSERT_TRUE(db.has_value()) << db.error().to_string();
    auto changed =
        (*db)->execute("UPDATE audit_log SET details = 'role=administrator region=' WHERE id = 3");
    ASSERT_TRUE(changed.has_value()) << changed.error().to_string();
    ASSERT_EQ(*changed, 1);
  }
  auto broken = ctl({"audit", "verify", "-c", config_});
  EXPECT_EQ(broken.exit_code, 1) << broken.out;
  EXPECT_NE(broken.err.find("audit chain broken at row 3"), std::string::npos) << broken.err;
}

TEST_F(AccessEndToEnd, RoutesAreOpenByDefaultButAccountsStillWork) {
  config_ = write_config(/*required=*/false);
  ASSERT_NO_FATAL_FAILURE(add_user("admin", "administrator", "Station-Boss-2026"));
  ASSERT_NO_FATAL_FAILURE(start_station());
  // Unchanged behaviour for the demo and older tests: no token needed.
  auto alarms = call("GET", "/api/v1/alarms");
  EXPECT_EQ(alarms.status, 200) << alarms.body;
  // The account routes themselves always need one.
  EXPECT_EQ(call("GET", "/api/v1/me").status, 401);
  std::string admin = token_of("admin", "Station-Boss-2026");
  EXPECT_EQ(call("GET", "/api/v1/audit", admin).status, 200);
  EXPECT_EQ(station_->terminate(), 0) << station_->err();
}

}  // namespace
}  // namespace omni
