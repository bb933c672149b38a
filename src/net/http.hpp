#pragma once
// HTTP request and response as plain values, so handlers and their tests need no Beast.
//
// A handler takes a Request and returns a Response; the server does parsing, limits, keep-alive,
// TLS, metrics and logging. Handlers run on the server's I/O threads: long work (a big query, a
// report) must be handed to a worker and answered from there, or the connection's other
// requests wait.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace omni::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string target;                         // as received: "/api/v1/meters/7?limit=10"
  std::string path;                           // percent-decoded path: "/api/v1/meters/7"
  std::map<std::string, std::string> params;  // path parameters: {"id": "7"}
  std::map<std::string, std::string> query;   // decoded query: {"limit": "10"} (last one wins)
  HeaderList headers;
  std::string body;
  std::string peer;            // "127.0.0.1:51234"
  std::string client_subject;  // subject of the verified TLS client certificate, else empty
  std::string request_id;      // generated per request, echoed as X-Request-Id

  // Case-insensitive lookup; empty when absent.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  HeaderList headers;  // Content-Type and Content-Length are set from the fields below
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;

  Response& set_header(std::string name, std::string value);

  static Response text(int status, std::string body);
  // `json_text` must already be serialised JSON (see net/json.hpp for nlohmann helpers).
  static Response json_text(int status, std::string json_text);
  // The project's one error schema: {"code": "...", "message": "...", "request_id": "..."}.
  // `code` is a stable machine name (e.g. "not_found", "body_too_large").
  static Response error(int status, std::string_view code, std::string_view message,
                        std::string_view request_id = {});
};

using Handler = std::function<Response(const Request&)>;

// Percent-decoding of a path or query component; '+' becomes a space only when `plus_is_space`.
// Returns false on a malformed escape ("%G1", a truncated "%4").
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);
// Splits "a=1&b=x%20y" into decoded pairs; false on a malformed escape.
bool parse_query(std::string_view query, std::map<std::string, std::string>& out);

}  // namespace omni::net
