#include "net/router.hpp"

#include <algorithm>

namespace omni::net {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool is_param(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

// How specific a route is: literal segments count more than parameters, earlier more than later.
std::size_t specificity(const std::vector<std::string>& segments) {
  std::size_t score = 0;
  for (const auto& s : segments) score = score * 2 + (is_param(s) ? 0 : 1);
  return score;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  Route r{std::move(method), std::move(pattern), {}, std::move(handler), options};
  for (auto s : split_path(r.pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

bool Router::segments_match(const Route& r, const std::vector<std::string_view>& path,
                            std::map<std::string, std::string>* params) {
  if (r.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = r.segments[i];
    if (is_param(seg)) {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
    } else if (seg != path[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto parts = split_path(path);
  Match m;
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (!segments_match(r, parts, nullptr)) continue;
    bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
    if (!method_ok) {
      if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) {
        m.allowed.push_back(r.method);
      }
      continue;
    }
    if (best == nullptr || specificity(r.segments) > specificity(best->segments)) best = &r;
  }
  if (best != nullptr) {
    segments_match(*best, parts, &m.params);
    m.handler = &best->handler;
    m.pattern = &best->pattern;
    m.options = best->options;
    m.allowed.clear();
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace omni::net
