#include "net/router.hpp"

#include <gtest/gtest.h>

namespace omni::net {
namespace {

Response ok_text(const Request&) { return Response::text(200, "ok"); }

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router r;
  r.get("/api/v1/meters/{id}/readings/{day}", ok_text);
  auto m = r.match("GET", "/api/v1/meters/42/readings/2025-03-01");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(*m.pattern, "/api/v1/meters/{id}/readings/{day}");
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(m.params.at("day"), "2025-03-01");
  EXPECT_EQ(r.match("GET", "/api/v1/meters/42/readings").handler, nullptr);
  EXPECT_EQ(r.match("GET", "/api/v1/meters/42/readings/1/2").handler, nullptr);
}

TEST(Router, LiteralWinsOverParameterRegardlessOfOrder) {
  Router r;
  r.get("/m/{id}", ok_text);
  r.get("/m/export", ok_text);
  EXPECT_EQ(*r.match("GET", "/m/export").pattern, "/m/export");
  EXPECT_EQ(*r.match("GET", "/m/7").pattern, "/m/{id}");
}

TEST(Router, ReportsAllowedMethodsAndHeadFollowsGet) {
  Router r;
  r.get("/x", ok_text);
  r.post("/x", ok_text);
  auto m = r.match("DELETE", "/x");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_NE(r.match("HEAD", "/x").handler, nullptr);
  auto none = r.match("GET", "/y");
  EXPECT_EQ(none.handler, nullptr);
  EXPECT_TRUE(none.allowed.empty());
  EXPECT_EQ(r.routes().size(), 2u);
}

TEST(Http, PercentDecodingAndQueries) {
  std::string out;
  EXPECT_TRUE(percent_decode("/a%20b/%E6%B0%B4", out, false));
  EXPECT_EQ(out, "/a b/水");
  EXPECT_TRUE(percent_decode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(percent_decode("%G1", out, false));
  EXPECT_FALSE(percent_decode("abc%4", out, false));
  EXPECT_FALSE(percent_decode("%", out, false));
  std::map<std::string, std::string> q;
  EXPECT_TRUE(parse_query("a=1&b=x+y&c&a=2&d=%26", q));
  EXPECT_EQ(q.at("a"), "2");
  EXPECT_EQ(q.at("b"), "x y");
  EXPECT_EQ(q.at("c"), "");
  EXPECT_EQ(q.at("d"), "&");
  EXPECT_FALSE(parse_query("a=%zz", q));
}

TEST(Http, ErrorSchemaIsEscapedJson) {
  auto r = Response::error(404, "not_found", "no \"meter\" 7", "abc");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"code":"not_found","message":"no \"meter\" 7","request_id":"abc"})");
}

}  // namespace
}  // namespace omni::net
