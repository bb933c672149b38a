#pragma once
// Configuration files (TOML), validated at start-up.
//
// Every component reads its own section through a Section and never sees TOML itself:
//
//   auto doc = config::Document::load("station.toml");          // Result<Document>
//   config::Section db = doc->root().section("database");
//   auto pool = db.get_int("pool_size", 4, 1, 64);                  // default 4, allowed 1..64
//   auto timeout = db.get_duration("connect_timeout", std::chrono::seconds(5));
//   if (auto st = doc->finish(); !st) { print(st.error().detail); return 78; }
//
// A getter never throws and always returns a usable value (the default when the key is missing
// or wrong); problems are collected and reported together by Document::finish(), which also
// reports every key in the file that no component asked for (a typo in an operations file is a
// classic outage, so unknown keys are errors, not warnings). Each message names the file, the
// line, the dotted key and the reason:
//   station.toml:12: database.pool_size: must be between 1 and 64 (got 0)
//
// Environment overrides: OMNIMETER_<SECTION>__<KEY> (upper case, '.' written as "__") wins over
// the file, e.g. OMNIMETER_DATABASE__POOL_SIZE=8. Command-line flags, handled by the CLI, win over
// both.
//
// Thread safety: a Document and its Sections are used from one thread during start-up.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace omni::config {

struct Problem {
  std::string key;  // dotted path, "database.pool_size"; empty for file-level problems
  int line = 0;     // 1-based line in the file, 0 when unknown (missing key, environment)
  std::string reason;
};

class Document;

class Section {
 public:
  // Dotted path of this section ("" for the root, "database", "station.listen").
  const std::string& path() const { return prefix_; }
  bool has(std::string_view key) const;

  std::string get_string(std::string_view key, std::string_view fallback) const;
  std::optional<std::string> get_optional_string(std::string_view key) const;
  // Records "missing required key" when absent and returns "".
  std::string require_string(std::string_view key) const;
  // One of `choices` (case-sensitive); anything else is a problem listing the choices.
  std::string get_choice(std::string_view key, std::string_view fallback,
                         std::initializer_list<std::string_view> choices) const;
  std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  bool get_bool(std::string_view key, bool fallback) const;
  // Durations are strings with a unit: "500ms", "30s", "15min", "2h", "1d" (or an integer number
  // of seconds). Bounds are inclusive.
  std::chrono::milliseconds get_duration(
      std::string_view key, std::chrono::milliseconds fallback,
      std::chrono::milliseconds min = std::chrono::milliseconds::zero(),
      std::chrono::milliseconds max = std::chrono::hours(24 * 366)) const;
  // Sizes are strings with a binary or decimal unit: "512B", "64KiB", "16MiB", "1GiB", "10MB"
  // (or an integer number of bytes).
  std::uint64_t get_size(std::string_view key, std::uint64_t fallback) const;
  // A file path; a relative one is resolved against the folder of the configuration file.
  std::filesystem::path get_path(std::string_view key, const std::filesystem::path& fallback) const;
  std::vector<std::string> get_string_list(std::string_view key) const;

  // A sub-table. A missing one gives an empty section whose getters return their defaults.
  Section section(std::string_view key) const;
  // An array of tables ([[meters]]); empty when missing.
  std::vector<Section> array_of_tables(std::string_view key) const;

  // Records a problem with a key found invalid by the component's own checks
  // (e.g. "max_period must not be below min_period").
  void reject(std::string_view key, std::string reason) const;

 private:
  friend class Document;
  Section(Document* doc, const void* table, std::string prefix)
      : doc_(doc), table_(table), prefix_(std::move(prefix)) {}
  std::string full_key(std::string_view key) const;
  const void* lookup(std::string_view key) const;  // marks the key as known; nullptr if absent

  Document* doc_;
  const void* table_;  // toml::table*, or nullptr for a missing section
  std::string prefix_;
};

class Document {
 public:
  // Errors: NotFound (no such file), Io (unreadable), Config (TOML syntax, with line and column).
  static Result<Document> load(const std::filesystem::path& file);
  // `source_name` stands for the file name in messages; `base_dir` resolves relative paths.
  static Result<Document> parse(std::string_view text, std::string source_name,
                                std::filesystem::path base_dir = {});
  // An empty document (every getter returns its default): for running without a file.
  static Document empty(std::string source_name = "(defaults)");

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Section root();
  const std::string& source_name() const;

  // Every problem so far plus every key of the file nobody asked for, as one ErrorCode::Config
  // error whose detail has one line per problem; ok() when there is nothing to report.
  // With `only_under` ("database"), only problems of keys in that section are reported: for a
  // tool that reads one section of a file written for a whole role (omnimeter db -c station.toml).
  Status finish(std::string_view only_under = {}) const;
  std::vector<Problem> problems() const;

 private:
  friend class Section;
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses "30s", "15min", "2h", "1d", "500ms" (also "1h30min"). Errors: Malformed.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// Parses "64MiB", "512KiB", "10MB", "123" (bytes). Errors: Malformed, OutOfRange.
Result<std::uint64_t> parse_size(std::string_view text);

}  // namespace omni::config
