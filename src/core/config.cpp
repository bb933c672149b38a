#include "core/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace omni::config {

struct Document::Impl {
  toml::table root;
  std::string source_name;
  std::filesystem::path base_dir;
  std::set<std::string, std::less<>> known;  // dotted keys some component asked for
  std::vector<Problem> problems;
};

namespace {

const toml::table* as_table(const void* p) { return static_cast<const toml::table*>(p); }

int line_of(const toml::node* node) {
  return node ? static_cast<int>(node->source().begin.line) : 0;
}

// OMNIMETER_DATABASE__POOL_SIZE for "database.pool_size".
std::string env_name(std::string_view dotted) {
  std::string out = "OMNIMETER_";
  for (char c : dotted) {
    if (c == '.') {
      out += "__";
    } else if (c == '[' || c == ']') {
      out += '_';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::optional<std::string> env_override(std::string_view dotted) {
  const char* v = std::getenv(env_name(dotted).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Section

std::string Section::full_key(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "." + std::string(key);
}

const void* Section::lookup(std::string_view key) const {
  doc_->impl_->known.insert(full_key(key));
  if (table_ == nullptr) return nullptr;
  return as_table(table_)->get(key);
}

bool Section::has(std::string_view key) const {
  return (table_ != nullptr && as_table(table_)->contains(key)) ||
         env_override(full_key(key)).has_value();
}

void Section::reject(std::string_view key, std::string reason) const {
  const void* node = table_ ? as_table(table_)->get(key) : nullptr;
  doc_->impl_->problems.push_back(
      {full_key(key), line_of(static_cast<const toml::node*>(node)), std::move(reason)});
}

namespace {

// The raw value of a key as text, from the environment or from a string/integer node, plus the
// node for line numbers. Used by the getters that accept textual forms (durations, sizes).
struct RawText {
  std::optional<std::string> text;
  const toml::node* node = nullptr;
  bool wrong_type = false;
};

}  // namespace

std::string Section::get_string(std::string_view key, std::string_view fallback) const {
  auto v = get_optional_string(key);
  return v ? *v : std::string(fallback);
}

std::optional<std::string> Section::get_optional_string(std::string_view key) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  if (auto env = env_override(full_key(key))) return env;
  if (node == nullptr) return std::nullopt;
  if (auto s = node->value<std::string>(); s && node->is_string()) return *s;
  reject(key, fmt::format("must be a string, not {}", type_name(*node)));
  return std::nullopt;
}

std::string Section::require_string(std::string_view key) const {
  auto v = get_optional_string(key);
  if (!v && !(table_ && as_table(table_)->contains(key))) {
    doc_->impl_->problems.push_back({full_key(key), 0, "missing required key"});
  }
  return v.value_or("");
}

std::string Section::get_choice(std::string_view key, std::string_view fallback,
                                std::initializer_list<std::string_view> choices) const {
  auto v = get_optional_string(key);
  if (!v) return std::string(fallback);
  if (std::find(choices.begin(), choices.end(), *v) != choices.end()) return *v;
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + fmt::format("\"{}\"", c);
  reject(key, fmt::format("must be one of {} (got \"{}\")", list, *v));
  return std::string(fallback);
}

std::int64_t Section::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  std::optional<std::int64_t> v;
  if (auto env = env_override(full_key(key))) {
    v = parse_int(*env);
    if (!v) {
      reject(key, fmt::format("must be an integer (environment {} is \"{}\")",
                              env_name(full_key(key)), *env));
      return fallback;
    }
  } else if (node == nullptr) {
    return fallback;
  } else if (node->is_integer()) {
    v = node->value<std::int64_t>();
  } else {
    reject(key, fmt::format("must be an integer, not {}", type_name(*node)));
    return fallback;
  }
  if (*v < min || *v > max) {
    reject(key, fmt::format("must be between {} and {} (got {})", min, max, *v));
    return fallback;
  }
  return *v;
}

bool Section::get_bool(std::string_view key, bool fallback) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  if (auto env = env_override(full_key(key))) {
    if (*env == "true" || *env == "1") return true;
    if (*env == "false" || *env == "0") return false;
    reject(key, fmt::format("must be true or false (environment {} is \"{}\")",
                            env_name(full_key(key)), *env));
    return fallback;
  }
  if (node == nullptr) return fallback;
  if (node->is_boolean()) return *node->value<bool>();
  reject(key, fmt::format("must be true or false, not {}", type_name(*node)));
  return fallback;
}

std::chrono::milliseconds Section::get_duration(std::string_view key,
                                                std::chrono::milliseconds fallback,
                                                std::chrono::milliseconds min,
                                                std::chrono::milliseconds max) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  std::string text;
  if (auto env = env_override(full_key(key))) {
    text = *env;
  } else if (node == nullptr) {
    return fallback;
  } else if (node->is_string()) {
    text = *node->value<std::string>();
  } else if (node->is_integer()) {
    text = std::to_string(*node->value<std::int64_t>()) + "s";
  } else {
    reject(key, fmt::format("must be a duration such as \"30s\" or \"15min\", not {}",
                            type_name(*node)));
    return fallback;
  }
  auto d = parse_duration(text);
  if (!d) {
    reject(key, d.error().detail);
    return fallback;
  }
  if (*d < min || *d > max) {
    reject(key, fmt::format("must be between {}ms and {}ms (got \"{}\")", min.count(), max.count(),
                            text));
    return fallback;
  }
  return *d;
}

std::uint64_t Section::get_size(std::string_view key, std::uint64_t fallback) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  std::string text;
  if (auto env = env_override(full_key(key))) {
    text = *env;
  } else if (node == nullptr) {
    return fallback;
  } else if (node->is_string()) {
    text = *node->value<std::string>();
  } else if (node->is_integer() && *node->value<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(*node->value<std::int64_t>());
  } else {
    reject(key, "must be a size such as \"64MiB\" or a non-negative number of bytes");
    return fallback;
  }
  auto s = parse_size(text);
  if (!s) {
    reject(key, s.error().detail);
    return fallback;
  }
  return *s;
}

std::filesystem::path Section::get_path(std::string_view key,
                                        const std::filesystem::path& fallback) const {
  auto v = get_optional_string(key);
  if (!v) return fallback;
  if (v->empty()) {
    reject(key, "must not be empty");
    return fallback;
  }
  std::filesystem::path p(*v);
  if (p.is_relative() && !doc_->impl_->base_dir.empty()) p = doc_->impl_->base_dir / p;
  return p.lexically_normal();
}

std::vector<std::string> Section::get_string_list(std::string_view key) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  std::vector<std::string> out;
  if (auto env = env_override(full_key(key))) {
    std::string_view rest = *env;  // comma-separated in the environment
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma));
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  if (node == nullptr) return out;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    reject(key, fmt::format("must be an array of strings, not {}", type_name(*node)));
    return out;
  }
  for (const auto& item : *arr) {
    if (!item.is_string()) {
      reject(key, fmt::format("every element must be a string (found {})", type_name(item)));
      return {};
    }
    out.push_back(*item.value<std::string>());
  }
  return out;
}

Section Section::section(std::string_view key) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  if (node == nullptr) return Section(doc_, nullptr, full_key(key));
  if (!node->is_table()) {
    reject(key, fmt::format("must be a table ([{}]), not {}", full_key(key), type_name(*node)));
    return Section(doc_, nullptr, full_key(key));
  }
  return Section(doc_, node->as_table(), full_key(key));
}

std::vector<Section> Section::array_of_tables(std::string_view key) const {
  auto node = static_cast<const toml::node*>(lookup(key));
  std::vector<Section> out;
  if (node == nullptr) return out;
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    reject(key, fmt::format("must be an array of tables ([[{}]])", full_key(key)));
    return out;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string prefix = fmt::format("{}[{}]", full_key(key), i);
    doc_->impl_->known.insert(prefix);
    const toml::node* item = arr->get(i);
    out.push_back(Section(doc_, item ? item->as_table() : nullptr, prefix));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Document

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return fail(ErrorCode::NotFound,
                fmt::format("{}: configuration file not found", file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, fmt::format("{}: cannot be read", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  auto base = std::filesystem::absolute(file, ec).parent_path();
  return parse(text.str(), file.string(), base);
}

Result<Document> Document::parse(std::string_view text, std::string source_name,
                                 std::filesystem::path base_dir) {
  auto impl = std::make_unique<Impl>();
  impl->source_name = std::move(source_name);
  impl->base_dir = std::move(base_dir);
  try {
    impl->root = toml::parse(text, impl->source_name);
  } catch (const toml::parse_error& e) {
    // Start-up only: toml++ reports syntax errors by exception; they become a value here.
    const auto& where = e.source().begin;
    return fail(ErrorCode::Config, fmt::format("{}:{}:{}: {}", impl->source_name, where.line,
                                               where.column, e.description()));
  }
  return Document(std::move(impl));
}

Document Document::empty(std::string source_name) {
  auto impl = std::make_unique<Impl>();
  impl->source_name = std::move(source_name);
  return Document(std::move(impl));
}

Section Document::root() { return Section(this, &impl_->root, ""); }

const std::string& Document::source_name() const { return impl_->source_name; }

namespace {

void collect_unknown(const toml::table& table, const std::string& prefix,
                     const std::set<std::string, std::less<>>& known, std::vector<Problem>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (!known.contains(key)) {
      out.push_back({key, line_of(&node),
                     node.is_table() ? "unknown section (not used by any component; a typo?)"
                                     : "unknown key (not used by any component; a typo?)"});
      continue;
    }
    if (const auto* sub = node.as_table()) {
      collect_unknown(*sub, key, known, out);
    } else if (const auto* arr = node.as_array(); arr && arr->is_array_of_tables()) {
      for (std::size_t i = 0; i < arr->size(); ++i) {
        std::string item = fmt::format("{}[{}]", key, i);
        const toml::node* element = arr->get(i);
        const toml::table* sub_table = element ? element->as_table() : nullptr;
        if (sub_table && known.contains(item)) collect_unknown(*sub_table, item, known, out);
      }
    }
  }
}

}  // namespace

std::vector<Problem> Document::problems() const {
  std::vector<Problem> all = impl_->problems;
  collect_unknown(impl_->root, "", impl_->known, all);
  return all;
}

Status Document::finish(std::string_view only_under) const {
  auto all = problems();
  if (!only_under.empty()) {
    std::string prefix = std::string(only_under) + ".";
    std::erase_if(
        all, [&](const Problem& p) { return p.key != only_under && p.key.rfind(prefix, 0) != 0; });
  }
  if (all.empty()) return ok();
  std::string detail;
  for (const auto& p : all) {
    if (!detail.empty()) detail += '\n';
    detail += impl_->source_name;
    if (p.line > 0) detail += fmt::format(":{}", p.line);
    detail += fmt::format(": {}: {}", p.key.empty() ? "(file)" : p.key, p.reason);
  }
  return fail(ErrorCode::Config, std::move(detail));
}

// ---------------------------------------------------------------------------------------------
// Textual units

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return fail(ErrorCode::Malformed, "empty duration");
  // An integer with no unit is a number of seconds.
  if (auto plain = parse_int(s)) {
    if (*plain < 0) return fail(ErrorCode::Malformed, "a duration cannot be negative");
    return std::chrono::milliseconds(*plain * 1000);
  }
  struct UnitMs {
    std::string_view name;
    std::int64_t ms;
  };
  // Longest names first so "min" is not read as "m" + garbage and "ms" not as "m".
  static constexpr UnitMs kUnits[] = {{"min", 60'000}, {"ms", 1},        {"s", 1000},
                                      {"m", 60'000},   {"h", 3'600'000}, {"d", 86'400'000}};
  std::int64_t total = 0;
  bool any = false;
  while (!s.empty()) {
    std::size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits == 0) {
      return fail(ErrorCode::Malformed,
                  fmt::format("\"{}\" is not a duration (use e.g. \"500ms\", \"30s\", \"15min\", "
                              "\"2h\", \"1d\")",
                              text));
    }
    auto number = parse_int(s.substr(0, digits));
    if (!number || *number > 1'000'000'000) {
      return fail(ErrorCode::Malformed, fmt::format("\"{}\": number too large", text));
    }
    s.remove_prefix(digits);
    const UnitMs* unit = nullptr;
    for (const auto& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return fail(ErrorCode::Malformed,
                  fmt::format("\"{}\": unknown or missing unit (ms, s, min, h, d)", text));
    }
    s.remove_prefix(unit->name.size());
    total += *number * unit->ms;
    any = true;
  }
  if (!any) return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a duration", text));
  return std::chrono::milliseconds(total);
}

Result<std::uint64_t> parse_size(std::string_view text) {
  std::string_view s = trim(text);
  std::size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0) {
    return fail(
        ErrorCode::Malformed,
        fmt::format("\"{}\" is not a size (use e.g. \"64KiB\", \"16MiB\", \"1GiB\")", text));
  }
  auto number = parse_int(s.substr(0, digits));
  if (!number) return fail(ErrorCode::OutOfRange, fmt::format("\"{}\": number too large", text));
  std::string_view unit = trim(s.substr(digits));
  struct UnitBytes {
    std::string_view name;
    std::uint64_t bytes;
  };
  static constexpr UnitBytes kUnits[] = {
      {"", 1},      {"B", 1},     {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30},
      {"kB", 1000}, {"KB", 1000}, {"MB", 1000'000},    {"GB", 1000'000'000}};
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      auto n = static_cast<std::uint64_t>(*number);
      if (n > UINT64_MAX / u.bytes) {
        return fail(ErrorCode::OutOfRange, fmt::format("\"{}\": size too large", text));
      }
      return n * u.bytes;
    }
  }
  return fail(
      ErrorCode::Malformed,
      fmt::format("\"{}\": unknown unit \"{}\" (B, KiB, MiB, GiB, kB, MB, GB)", text, unit));
}

}  // namespace omni::config
