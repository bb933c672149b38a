#pragma once
// Logging set-up for every omnimeter process (spdlog, compiled library).
//
// Two formats on stderr:
//   text  "2025-03-01 08:00:00.123 +08:00 info  [station] concentrator 12 logged in"
//         (the default; timestamps shown in Asia/Shanghai)
//   json  one object per line, for journald and log shippers:
//         {"ts":"2025-03-01T00:00:00.123Z","level":"info","logger":"station","msg":"..."}
//         (UTC, RFC 3339 with milliseconds; message and names escaped as JSON strings)
//
// Components take a named logger once and keep it:  auto log = omni::log::get("station");
// Names are low-cardinality component names, never a meter or user id (those go in the message).
// Sensitive values (names, phone numbers, ID numbers: SEC-6) must be masked before they reach a
// logger; the logger does not know what is sensitive.
//
// Thread safety: setup() is called once at start-up before other threads log; get() and the
// loggers it returns are thread-safe.

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace omni::log {

enum class Format { Text, Json };

struct Options {
  Format format = Format::Text;
  // trace, debug, info, warn, error, critical, off
  std::string level = "info";
};

// Errors: Config (unknown format or level name, named in the detail).
Result<Format> parse_format(std::string_view name);
Status setup(const Options& options);

// The logger for a component, created on first use with the sinks and level from setup().
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Escapes a string for inclusion in a JSON string literal (quotes, backslashes, control bytes).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace omni::log
