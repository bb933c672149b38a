#include "core/log.hpp"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <mutex>

namespace omni::log {

namespace {

// One JSON object per line. spdlog's pattern flags do not escape the message, so a quote or a
// newline in a log message would break the line for every JSON consumer; hence a formatter.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = duration_cast<seconds>(since_epoch);
    auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
    std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::string line;
    line.reserve(96 + msg.payload.size());
    line += fmt::format("{{\"ts\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, millis);
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"logger\":\"";
    append_json_escaped(line, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    line += "\",\"msg\":\"";
    append_json_escaped(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "\"}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::mutex g_mutex;
Options g_options;

std::shared_ptr<spdlog::logger> make_logger(std::string name) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(std::move(name), std::move(sink));
  if (g_options.format == Format::Json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    // Shown in local time of the host; production hosts run in Asia/Shanghai.
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %z %-5l [%n] %v");
  }
  logger->set_level(spdlog::level::from_str(g_options.level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;  // UTF-8 bytes pass through unchanged
        }
    }
  }
}

Result<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::Text;
  if (name == "json") return Format::Json;
  return fail(ErrorCode::Config, fmt::format("unknown log format \"{}\" (text or json)", name));
}

Status setup(const Options& options) {
  static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
  bool known = false;
  for (auto l : kLevels) known = known || l == options.level;
  if (!known) {
    return fail(ErrorCode::Config,
                fmt::format("unknown log level \"{}\" (trace, debug, info, warn, error, critical, "
                            "off)",
                            options.level));
  }
  std::lock_guard lock(g_mutex);
  g_options = options;
  spdlog::drop_all();
  // The default logger (used by spdlog::info(...)) gets the same format, under the name "omni".
  spdlog::set_default_logger(make_logger("omni"));
  return ok();
}

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  std::lock_guard lock(g_mutex);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = make_logger(name);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace omni::log
