// `omnimeter station bill -c station.toml --month YYYY-MM [--tariffs FILE]`: the month's bills at
// the master station (src/station/billing/bill_store.hpp). Loads the tariff plans (by default
// tariffs.toml beside station.toml; packaging/etc/tariffs.toml.example has the Beijing
// defaults), recomputes the bills a new or back-dated plan version affects, bills every point
// for the month and prints a summary: bills computed, new revisions, unchanged, flagged by
// reason, the month's total, and the prepaid mismatches. Exit 0 when done (flagged bills are
// not a failure), 1 on a database error, 2 on a bad month, 78 on a bad configuration or
// tariffs file (every problem listed with its line).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <map>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "core/config.hpp"
#include "station/billing/bill_store.hpp"
#include "station/billing/tariff.hpp"
#include "storage/database.hpp"

namespace omni::cli {

void add_station_bill_command(CLI::App& station, CommandRun& run);  // registered by station.cpp

namespace {

constexpr const char* kWho = "omnimeter station bill";

int run_bill(const std::string& config_path, const std::string& month_text,
             const std::string& tariffs_path) {
  auto db_options = database_options_only(config_path, "station.db", kWho);
  if (!db_options) return kExitConfig;
  auto month = station::parse_month(month_text);
  if (!month) {
    fmt::print(stderr, "{}: --month: {}\n", kWho, month.error().detail);
    return kExitUsage;
  }
  std::filesystem::path tariffs =
      tariffs_path.empty() ? std::filesystem::path(config_path).parent_path() / "tariffs.toml"
                           : std::filesystem::path(tariffs_path);
  auto book = station::load_tariff_file(tariffs);
  if (!book) {
    fmt::print(stderr, "{}: {}\n", kWho, book.error().detail);
    return kExitConfig;
  }
  auto db = storage::open_database(*db_options);
  if (!db) {
    fmt::print(stderr, "{}: {}\n", kWho, db.error().to_string());
    return kExitFailure;
  }
  if (!migrate_role(**db, Role::Station, kWho)) return kExitFailure;
  auto now = UtcTime{std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()};
  station::BillStore bills(**db, *book);
  auto changed = bills.apply_tariffs(now);
  if (!changed) {
    fmt::print(stderr, "{}: {}\n", kWho, changed.error().to_string());
    return kExitFailure;
  }
  if (changed->issued > 0) {
    fmt::print("tariff change: {} earlier bills recomputed into new revisions\n", changed->issued);
  }
  auto run = bills.compute_month(*month, now);
  if (!run) {
    fmt::print(stderr, "{}: {}\n", kWho, run.error().to_string());
    return kExitFailure;
  }
  auto list = bills.bills(*month);
  if (!list) {
    fmt::print(stderr, "{}: {}\n", kWho, list.error().to_string());
    return kExitFailure;
  }
  std::map<std::string, std::int64_t> flags;
  for (const auto& b : *list) {
    if (b.flag != station::BillFlag::Ok) ++flags[std::string(station::bill_flag_name(b.flag))];
  }
  fmt::print("Bills of {}: {} points, {} new revisions, {} unchanged, {} flagged; total {} yuan\n",
             month_text, run->points, run->issued, run->unchanged, run->flagged,
             run->amount.to_yuan_string());
  for (const auto& [flag, n] : flags) fmt::print("  flagged {}: {}\n", flag, n);
  auto mismatches = bills.mismatches(*month, Fen{0});
  if (!mismatches) {
    fmt::print(stderr, "{}: {}\n", kWho, mismatches.error().to_string());
    return kExitFailure;
  }
  fmt::print("prepaid meters not matching their bill: {} (GET /api/v1/bills/mismatches)\n",
             mismatches->size());
  return kExitOk;
}

}  // namespace

void add_station_bill_command(CLI::App& station, CommandRun& run) {
  auto config = std::make_shared<std::string>();
  auto month = std::make_shared<std::string>();
  auto tariffs = std::make_shared<std::string>();
  auto* bill = station.add_subcommand("bill", "Compute the month's bills and print a summary");
  bill->add_option("-c,--config", *config, "station.toml")->required();
  bill->add_option("--month", *month, "Beijing month YYYY-MM")->required();
  bill->add_option("--tariffs", *tariffs, "tariff plans (default: tariffs.toml beside -c)");
  bill->callback([&run, config, month, tariffs] {
    run = [config, month, tariffs] { return run_bill(*config, *month, *tariffs); };
  });
}

}  // namespace omni::cli
