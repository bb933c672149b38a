// docs/openapi/station.yaml cannot fall behind the code: every route the station registers
// (station, billing, review, access routes, as `omnimeter station` adds them) is documented with
// its method, and every documented route exists (apart from the HTTP server's built-ins).
// The YAML is read as text: a path is a two-space-indented key under `paths:` starting with '/',
// its methods the four-space-indented keys below it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "access/access_service.hpp"
#include "core/clock.hpp"
#include "station/api/access_api.hpp"
#include "station/api/billing_api.hpp"
#include "station/api/station_api.hpp"
#include "station/api/vee_api.hpp"
#include "station/vee/review.hpp"
#include "storage/database.hpp"
#include "support/temp_dir.hpp"

namespace omni::station {
namespace {

std::set<std::string> documented_routes(const std::string& yaml) {
  std::set<std::string> out;
  std::istringstream in(yaml);
  std::string line, path;
  bool in_paths = false;
  static const std::set<std::string> kMethods = {"get", "post", "put", "delete", "patch", "head"};
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    if (line.front() != ' ') {  // a top-level key
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths) continue;
    if (line.starts_with("  /") && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (line.starts_with("    ") && line[4] != ' ' && line.back() == ':') {
      std::string key = line.substr(4, line.size() - 5);
      if (kMethods.count(key) && !path.empty()) {
        for (auto& ch : key) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out.insert(key + " " + path);
      }
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(StationOpenApi, EveryRegisteredRouteIsDocumentedAndNoOther) {
  const std::string yaml = read_file(std::string(OMNI_SOURCE_DIR) + "/docs/openapi/station.yaml");
  ASSERT_FALSE(yaml.empty()) << "docs/openapi/station.yaml is missing";
  EXPECT_TRUE(yaml.starts_with("openapi: 3.0"));
  auto documented = documented_routes(yaml);

  omni::testing::TempDir dir;
  storage::DatabaseOptions o;
  o.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(o);
  ASSERT_TRUE(db.has_value()) << db.error().to_string();
  FakeClock clock{UtcTime{1'790'000'000}};
  ArchiveStore store(**db);
  TariffBook book;
  BillStore bills(**db, book);
  access::AccessService access(**db, clock);
  vee::ReviewQueue queue(**db, clock, &access.audit());

  // As `omnimeter station` builds its router (src/cli/commands/station.cpp).
  net::Router routes;
  add_station_routes(routes, store);
  add_billing_routes(routes, book, bills);
  add_vee_routes(routes, queue, &access);
  net::Router router = guard_routes(routes, access, /*required=*/true);
  add_access_routes(router, access);

  std::set<std::string> registered;
  for (const auto& [method, pattern] : router.routes()) {
    registered.insert(method + " " + pattern);
    EXPECT_TRUE(documented.count(method + " " + pattern))
        << method << " " << pattern << " is not in docs/openapi/station.yaml";
  }
  EXPECT_GE(registered.size(), 14u);
  // The HTTP server answers these itself (net/http_server.hpp).
  const std::set<std::string> built_in = {"GET /healthz", "GET /readyz", "GET /metrics"};
  for (const auto& route : documented) {
    EXPECT_TRUE(registered.count(route) || built_in.count(route))
        << route << " is documented but not registered";
  }
  for (const auto& route : built_in) EXPECT_TRUE(documented.count(route)) << route;
}

TEST(StationOpenApi, TheTextReaderFindsRoutesAndIgnoresOtherKeys) {
  const std::string yaml =
      "openapi: 3.0.3\n"
      "paths:\n"
      "  /a/{id}:\n"
      "    get:\n"
      "      parameters:\n"
      "        - {name: get, in: query}\n"
      "    post:\n"
      "  /b:\n"
      "    summary: not a method\n"
      "components:\n"
      "  /c:\n"
      "    get:\n";
  EXPECT_EQ(documented_routes(yaml), (std::set<std::string>{"GET /a/{id}", "POST /a/{id}"}));
}

}  // namespace
}  // namespace omni::station
