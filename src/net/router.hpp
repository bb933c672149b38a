#pragma once
// Routes requests by method and path pattern. Patterns are literal segments and "{name}"
// parameters that match one whole segment: "/api/v1/meters/{id}/readings".
// A literal segment wins over a parameter at the same position, so "/meters/export" and
// "/meters/{id}" can coexist.
//
// Thread safety: add routes before the server starts; lookups are then read-only and safe from
// any thread.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace omni::net {

struct RouteOptions {
  // Largest request body this route accepts; 0 = the server's default limit.
  std::size_t max_body_bytes = 0;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  void get(std::string pattern, Handler h, RouteOptions o = {}) {
    add("GET", std::move(pattern), std::move(h), o);
  }
  void post(std::string pattern, Handler h, RouteOptions o = {}) {
    add("POST", std::move(pattern), std::move(h), o);
  }
  void put(std::string pattern, Handler h, RouteOptions o = {}) {
    add("PUT", std::move(pattern), std::move(h), o);
  }
  void del(std::string pattern, Handler h, RouteOptions o = {}) {
    add("DELETE", std::move(pattern), std::move(h), o);
  }

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method (see allowed)
    const std::string* pattern = nullptr;
    RouteOptions options;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  // methods the path does accept (for 405 + Allow)
  };
  // A GET route also answers HEAD. No match at all: handler == nullptr and allowed empty (404).
  Match match(std::string_view method, std::string_view path) const;

  // (method, pattern) of every route, in registration order (for the API contract test).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{id}" kept as written
    Handler handler;
    RouteOptions options;
  };
  static bool segments_match(const Route& r, const std::vector<std::string_view>& path,
                             std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace omni::net
