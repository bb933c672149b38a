// The HTTP guard (access/http/guard.hpp): region scope of a request, the audited object, and a
// guarded handler end to end on both back ends (tokens, 403 out of scope, narrowing to the
// user's region, one "data.read" audit row per call).
#include <gtest/gtest.h>

#include "access/http/guard.hpp"
#include "access_db.hpp"

namespace omni::access::http {
namespace {

net::Request get(std::string path, std::map<std::string, std::string> query = {},
                 std::map<std::string, std::string> params = {}) {
  net::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.target = r.path;
  r.query = std::move(query);
  r.params = std::move(params);
  r.peer = "10.0.0.7:51234";
  r.request_id = "req-1";
  return r;
}

const RouteRule kStats{"stats.read", RegionSource::Query, "region"};

TEST(RequestScope, QueryRegionIsTheObjectAndAnAbsentOneIsNarrowedToTheScope) {
  auto named = request_scope(kStats, get("/s", {{"region", "110108"}}), "110105");
  EXPECT_EQ(named.object_region, "110108");
  EXPECT_FALSE(named.all_regions);
  EXPECT_FALSE(named.fill);

  // No region means the city: a district user gets the district instead.
  auto absent = request_scope(kStats, get("/s"), "110105");
  EXPECT_EQ(absent.object_region, "110105");
  ASSERT_TRUE(absent.fill);
  EXPECT_EQ(absent.fill->first, "region");
  EXPECT_EQ(absent.fill->second, "110105");
  auto empty = request_scope(kStats, get("/s", {{"region", ""}}), "110105001");
  ASSERT_TRUE(empty.fill);
  EXPECT_EQ(empty.fill->second, "110105001");

  // A user without a scope asks for the whole city.
  auto city = request_scope(kStats, get("/s"), "");
  EXPECT_TRUE(city.all_regions);
  EXPECT_FALSE(city.fill);
}

TEST(RequestScope, CityPathAndNoneRoutes) {
  EXPECT_TRUE(
      request_scope({"regions.read", RegionSource::City, ""}, get("/r"), "110105").all_regions);
  auto path = request_scope({"regions.read", RegionSource::Path, "code"},
                            get("/r/110105001", {}, {{"code", "110105001"}}), "110105");
  EXPECT_EQ(path.object_region, "110105001");
  EXPECT_FALSE(path.all_regions);
  auto none = request_scope({"station.read"}, get("/x", {{"region", "110108"}}), "110105");
  EXPECT_TRUE(none.object_region.empty());
  EXPECT_FALSE(none.all_regions);
}

TEST(RequestScope, BaseCodesAreCheckedByTheirCommunity) {
  const RouteRule points{"analysis.read", RegionSource::BaseCodes, "codes"};
  // Base codes open with the 12-digit community code.
  const std::string in1 =
      "110105001002"
      "0001"
      "E"
      "0001";
  const std::string in2 =
      "110105003001"
      "0002"
      "W"
      "0001";
  const std::string out =
      "110108001001"
      "0001"
      "E"
      "0001";
  auto inside = request_scope(points, get("/p", {{"codes", in1 + "," + in2}}), "110105");
  EXPECT_EQ(inside.object_region, "110105001002");
  // One code outside the scope is the object, wherever it is in the list.
  auto mixed = request_scope(points, get("/p", {{"codes", in1 + "," + out + "," + in2}}), "110105");
  EXPECT_EQ(mixed.object_region, "110108001001");
  // A street scope: a point of another street in the same district is outside.
  auto street = request_scope(points, get("/p", {{"codes", in2}}), "110105001");
  EXPECT_EQ(street.object_region, "110105003001");
  // Nothing named: nothing a scoped user can be shown to own.
  EXPECT_TRUE(request_scope(points, get("/p"), "110105").all_regions);
  EXPECT_FALSE(request_scope(points, get("/p"), "").all_regions);
}

TEST(AuditObject, KeepsOnlyKnownKeysWithPlainValues) {
  auto r = get("/api/v1/stats/overview", {{"from", "2026-10-01"},
                                          {"to", "2026-10-31"},
                                          {"region", "110105"},
                                          {"access_token", "secret-token"},
                                          {"energy", "elec tricity<script>"}});
  EXPECT_EQ(audit_object(r),
            "GET /api/v1/stats/overview?energy=?&from=2026-10-01&region=110105&to=2026-10-31");
  EXPECT_EQ(audit_object(get("/api/v1/regions")), "GET /api/v1/regions");
  auto longer = get("/api/v1/analysis/points", {{"codes", std::string(2000, '1')}});
  std::string object = audit_object(longer);
  EXPECT_EQ(object.size(), 512u);
  EXPECT_TRUE(object.ends_with("...")) << object;
}

TEST(BearerToken, SchemeIsCaseInsensitive) {
  auto r = get("/x");
  r.headers.emplace_back("Authorization", "bearer abc");
  EXPECT_EQ(bearer_token(r), "abc");
  r.headers.clear();
  r.headers.emplace_back("Authorization", "Basic abc");
  EXPECT_EQ(bearer_token(r), "");
}

constexpr const char* kPassword = "Wangjing-2026";

class GuardTest : public access::testing::AccessDbTest {
 protected:
  void SetUp() override {
    AccessDbTest::SetUp();
    if (HasFatalFailure()) return;
    AccessOptions o;
    o.password.iterations = 1000;  // fast tests
    service_ = std::make_unique<AccessService>(*db_, clock_, o);
    const Actor admin{"admin", "local"};
    ASSERT_TRUE(service_->add_user({"city", kPassword, Role::ReadOnly, "", {}}, admin));
    ASSERT_TRUE(service_->add_user(
        {"chaoyang", kPassword, Role::ReadOnly, "110105", AccountKind::Government}, admin));
    // The handler records the region it was asked for.
    handler_ = guard(
        *service_, kStats,
        [this](const net::Request& r) {
          ++calls_;
          auto it = r.query.find("region");
          seen_region_ = it == r.query.end() ? "<none>" : it->second;
          return net::Response::json_text(200, "{}");
        },
        "data.read");
  }

  std::string token(const std::string& user) {
    auto s = service_->login(user, kPassword, "10.0.0.7:1");
    EXPECT_TRUE(s.has_value());
    return s ? s->token : "";
  }

  net::Response call(const std::string& tok, std::map<std::string, std::string> query) {
    auto r = get("/api/v1/stats/overview", std::move(query));
    if (!tok.empty()) r.headers.emplace_back("Authorization", "Bearer " + tok);
    return handler_(r);
  }

  std::vector<AuditRecord> reads() {
    auto rows = service_->audit().search({.event = "data.read"});
    EXPECT_TRUE(rows.has_value());
    return rows ? *rows : std::vector<AuditRecord>{};
  }

  FakeClock clock_{UtcTime{1'790'000'000}};
  std::unique_ptr<AccessService> service_;
  net::Handler handler_;
  int calls_ = 0;
  std::string seen_region_;
};

TEST_P(GuardTest, TokensScopesAndOneAuditRowPerCall) {
  // No token, a made-up one: 401, the handler never runs, nothing to attribute.
  EXPECT_EQ(call("", {}).status, 401);
  EXPECT_EQ(call(std::string(64, 'a'), {}).status, 401);
  EXPECT_EQ(calls_, 0);

  std::string city = token("city");
  std::string chaoyang = token("chaoyang");
  // The city user sees the city (no region filled in) and any district.
  EXPECT_EQ(call(city, {{"from", "2026-10-01"}}).status, 200);
  EXPECT_EQ(seen_region_, "<none>");
  EXPECT_EQ(call(city, {{"region", "110108"}}).status, 200);
  EXPECT_EQ(seen_region_, "110108");

  // The district user: another district is 403, its own district and streets are served, and a
  // request without a region is answered for the district.
  auto other = call(chaoyang, {{"region", "110108"}});
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(call(chaoyang, {{"region", "110105001"}}).status, 200);
  EXPECT_EQ(seen_region_, "110105001");
  EXPECT_EQ(call(chaoyang, {{"from", "2026-10-01"}}).status, 200);
  EXPECT_EQ(seen_region_, "110105");
  EXPECT_EQ(calls_, 4);

  // One row per authenticated call, allowed or refused, newest first.
  auto rows = reads();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].event.user, "chaoyang");
  EXPECT_TRUE(rows[0].event.success);
  EXPECT_EQ(rows[0].event.object, "GET /api/v1/stats/overview?from=2026-10-01");
  EXPECT_EQ(rows[0].event.details, "operation=stats.read region=110105");
  EXPECT_EQ(rows[2].event.user, "chaoyang");
  EXPECT_FALSE(rows[2].event.success);
  EXPECT_EQ(rows[2].event.object, "GET /api/v1/stats/overview?region=110108");
  EXPECT_EQ(rows[2].event.details, "forbidden operation=stats.read region=110108");
  EXPECT_EQ(rows[4].event.user, "city");
  EXPECT_EQ(rows[4].event.source, "10.0.0.7:51234");
  EXPECT_EQ(rows[4].event.details, "operation=stats.read region=all");
  auto chain = service_->audit().verify();
  ASSERT_TRUE(chain.has_value());
  EXPECT_TRUE(chain->intact);
}

TEST_P(GuardTest, GuardRoutesWrapsOnlyTheRoutesWithARule) {
  net::Router routes;
  routes.get("/api/v1/stats/overview",
             [](const net::Request&) { return net::Response::json_text(200, "{}"); });
  routes.get("/api/v1/info",
             [](const net::Request&) { return net::Response::json_text(200, "{}"); });
  RuleLookup rules = [](std::string_view, std::string_view pattern) -> std::optional<RouteRule> {
    if (pattern == "/api/v1/info") return std::nullopt;
    return kStats;
  };
  for (bool required : {false, true}) {
    net::Router out = guard_routes(routes, *service_, required, rules, "data.read");
    auto stats = out.match("GET", "/api/v1/stats/overview");
    auto info = out.match("GET", "/api/v1/info");
    ASSERT_NE(stats.handler, nullptr);
    ASSERT_NE(info.handler, nullptr);
    EXPECT_EQ((*stats.handler)(get("/api/v1/stats/overview")).status, required ? 401 : 200);
    EXPECT_EQ((*info.handler)(get("/api/v1/info")).status, 200);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, GuardTest,
                         ::testing::Values(storage::Backend::Sqlite, storage::Backend::Postgres),
                         access::testing::backend_label);

}  // namespace
}  // namespace omni::access::http
