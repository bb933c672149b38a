// `omnimeter station -c station.toml`: the master station of one utility. Concentrators and
// IoT meters dial in over TCP and speak DL/T 698.45; readings go to the database named in
// [database] (SQLite by default, PostgreSQL by configuration). Migrations are applied at start.
//
//   omnimeter station import -c station.toml FILE.csv [--dry-run]
//
// imports the utility's customer archive (src/station/store/archive_import.hpp): every bad row
// is reported as "line N: column: reason" and nothing is written (exit 1); --dry-run writes
// nothing and prints how many points and regions are new, changed and unchanged.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "net/http_server.hpp"
#include "station/api/access_api.hpp"
#include "station/api/billing_api.hpp"
#include "station/api/station_api.hpp"
#include "station/api/vee_api.hpp"
#include "station/billing/bill_store.hpp"
#include "station/billing/tariff.hpp"
#include "station/export/upload_link.hpp"
#include "station/sessions/station_server.hpp"
#include "station/store/archive_import.hpp"
#include "station/vee/config.hpp"
#include "station/vee/review.hpp"
#include "storage/database.hpp"

namespace omni::cli {

void add_station_bill_command(CLI::App& station, CommandRun& run);  // station_bill.cpp

namespace {

// The tariff plans the station prices bills with: [station.billing] tariffs, else tariffs.toml
// beside station.toml when there is one (as `omnimeter station bill` finds it), else none.
std::optional<std::filesystem::path> tariff_file(config::Section station,
                                                 const std::string& config_path) {
  std::string configured = station.section("billing").get_string("tariffs", "");
  std::filesystem::path beside = std::filesystem::path(config_path).parent_path() / "tariffs.toml";
  if (!configured.empty()) {
    std::filesystem::path file(configured);
    return file.is_relative() ? std::filesystem::path(config_path).parent_path() / file : file;
  }
  if (std::filesystem::is_regular_file(beside)) return beside;
  return std::nullopt;
}

int run_station(const std::string& config_path) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter station: {}\n", doc.error().detail);
    return kExitConfig;
  }
  station::StationConfig config = station::station_config_from(doc->root());
  config::Section http_section = doc->root().section("station").section("http");
  net::HttpServerOptions http;
  http.bind_address = http_section.get_string("listen", "127.0.0.1");
  http.port = static_cast<std::uint16_t>(http_section.get_int("port", 8081, 0, 65535));
  bool http_enabled = http_section.get_bool("enabled", true);
  storage::DatabaseOptions db_options =
      storage::database_options_from(doc->root().section("database"), "station.db");
  station::ExchangeConfig exchange = station::exchange_config_from(doc->root());
  station::AccessConfig access_config = station::access_config_from(doc->root().section("station"));
  station::vee::Config vee_config = station::vee::vee_config_from(doc->root().section("station"));
  std::optional<std::filesystem::path> tariffs_path =
      tariff_file(doc->root().section("station"), config_path);
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter station: {}\n", st.error().detail);
    return kExitConfig;
  }
  std::optional<station::TariffBook> tariffs;
  if (tariffs_path) {
    auto book = station::load_tariff_file(*tariffs_path);
    if (!book) {
      fmt::print(stderr, "omnimeter station: [station.billing] {}\n", book.error().detail);
      return kExitConfig;
    }
    tariffs = std::move(*book);
  }
  if (auto st = station::load_envelope_seal(exchange); !st) {
    fmt::print(stderr, "omnimeter station: [station.exchange.envelope] {}\n", st.error().detail);
    return kExitConfig;
  }
  auto db = storage::open_database(db_options);
  if (!db) {
    fmt::print(stderr, "omnimeter station: {}\n", db.error().to_string());
    return kExitFailure;
  }
  if (!migrate_role(**db, Role::Station, "omnimeter station")) return kExitFailure;
  station::ArchiveStore store(**db, vee_config);
  std::unique_ptr<station::BillStore> bills;
  if (tariffs) bills = std::make_unique<station::BillStore>(**db, *tariffs);
  // Sessions and the audit log run on the host's clock even when the field's is simulated.
  access::AccessService access_service(**db, SystemClock::instance(), access_config.options);
  // Decisions on suspect values are audited beside the logins (SEC-2).
  station::vee::ReviewQueue review(**db, SystemClock::instance(), &access_service.audit());
  std::unique_ptr<Clock> simulated;
  if (config.simulated_start) {
    simulated = std::make_unique<ScaledClock>(*config.simulated_start, config.simulated_speed);
  }
  const Clock& clock = simulated ? *simulated : static_cast<const Clock&>(SystemClock::instance());
  station::StationServer server(config, store, clock);
  if (auto st = server.listen(); !st) {
    fmt::print(stderr, "omnimeter station: {}\n", st.error().detail);
    return kExitFailure;
  }
  // The line tests and operators wait for; the port matters when port = 0.
  std::unique_ptr<net::HttpServer> api;
  if (http_enabled) {
    net::Router routes;
    station::add_station_routes(routes, store);
    if (bills) station::add_billing_routes(routes, *tariffs, *bills);
    station::add_vee_routes(routes, review, &access_service);
    // [station.access] required = true puts every route behind a token and a permission.
    net::Router router = station::guard_routes(routes, access_service, access_config.required);
    station::add_access_routes(router, access_service);
    api = std::make_unique<net::HttpServer>(http, std::move(router));
    storage::Database* database = db->get();
    api->add_readiness_check("database", [database]() -> Status {
      auto r = database->query("SELECT 1");
      if (!r) return fail(r.error());
      return ok();
    });
    if (auto st = api->start(); !st) {
      fmt::print(stderr, "omnimeter station: API: {}\n", st.error().detail);
      return kExitFailure;
    }
    fmt::print("Omnimeter station API on http://{}:{}/\n", http.bind_address, api->port());
  }
  // The cloud link: batches of what is new, retried until the cloud acknowledges them.
  std::unique_ptr<station::UploadLink> upload;
  if (exchange.enabled) {
    upload = std::make_unique<station::UploadLink>(exchange, **db, clock);
    upload->start();
    log::get("station")->info("exporting to {}:{} as {}", exchange.uploader.http.host,
                              exchange.uploader.http.port, exchange.station_id);
  }
  fmt::print("Omnimeter station listening on port {}\n", server.port());
  std::fflush(stdout);
  server.run();
  if (upload) upload->stop();
  if (api) {
    api->request_stop();
    api->wait();
  }
  const auto& c = server.counters();
  log::get("station")->info(
      "stopped: {} logins, {} readings stored ({} suspect), {} alarms, {} timeouts",
      c.logins.value(), c.readings_stored.value(), c.readings_suspect.value(),
      c.alarms_raised.value(), c.timeouts.value());
  return kExitOk;
}

// S-PERF-3 thresholds of daily reading success, for the table's footer.
constexpr const char* kThresholds =
    "S-PERF-3 daily success: dedicated line >= 99.5 %, power-line carrier > 99 %, wired network "
    ">= 99.5 %, fibre > 99.6 %, wireless >= 98 %";

int run_stats(const std::string& config_path, const std::string& day_text) {
  auto db_options = database_options_only(config_path, "station.db", "omnimeter station stats");
  if (!db_options) return kExitConfig;
  auto date = parse_date(day_text);
  if (!date) {
    fmt::print(stderr, "omnimeter station stats: --day {}: {}\n", day_text, date.error().detail);
    return kExitUsage;
  }
  auto db = storage::open_database(*db_options);
  if (!db) {
    fmt::print(stderr, "omnimeter station stats: {}\n", db.error().to_string());
    return kExitFailure;
  }
  station::ArchiveStore store(**db);
  auto rows = store.daily_success(days_from_civil(date->year, date->month, date->day));
  if (!rows) {
    fmt::print(stderr, "omnimeter station stats: {}\n", rows.error().to_string());
    return kExitFailure;
  }
  fmt::print("Daily reading success, {}\n", day_text);
  fmt::print("{:<16} {:>8} {:>8} {:>10}\n", "concentrator", "meters", "read", "success");
  std::int64_t meters = 0, read = 0;
  for (const auto& r : *rows) {
    double pct =
        r.meters ? 100.0 * static_cast<double>(r.read) / static_cast<double>(r.meters) : 0.0;
    fmt::print("{:<16} {:>8} {:>8} {:>8.2f} %\n", r.concentrator, r.meters, r.read, pct);
    meters += r.meters;
    read += r.read;
  }
  double all = meters ? 100.0 * static_cast<double>(read) / static_cast<double>(meters) : 0.0;
  fmt::print("{:<16} {:>8} {:>8} {:>8.2f} %\n{}\n", "all", meters, read, all, kThresholds);
  return kExitOk;
}

int run_import(const std::string& config_path, const std::string& file, bool dry_run) {
  constexpr const char* kWho = "omnimeter station import";
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "{}: {}\n", kWho, doc.error().detail);
    return kExitConfig;
  }
  storage::DatabaseOptions db_options =
      storage::database_options_from(doc->root().section("database"), "station.db");
  if (auto st = doc->finish("database"); !st) {
    fmt::print(stderr, "{}: {}\n", kWho, st.error().detail);
    return kExitConfig;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "{}: cannot read {}\n", kWho, file);
    return kExitFailure;
  }
  std::ostringstream text;
  text << in.rdbuf();
  // A dry run must not even create a missing SQLite file.
  bool missing = db_options.backend == storage::Backend::Sqlite &&
                 !std::filesystem::exists(db_options.sqlite_path);
  std::string where = "sqlite:" + db_options.sqlite_path;
  if (dry_run && missing) db_options.sqlite_path = ":memory:";
  auto db = storage::open_database(db_options);
  if (!db) {
    fmt::print(stderr, "{}: {}\n", kWho, db.error().to_string());
    return kExitFailure;
  }
  if (dry_run) {
    // A dry run writes nothing, not even the schema. A database without the archive tables
    // (new, or older than the archive) has no archive yet: compare with an empty one.
    auto applied = storage::migration_status(**db, "station");
    bool current =
        applied && !applied->empty() &&
        applied->back().version >= static_cast<int>(station::station_migrations().size());
    if (!current) {
      storage::DatabaseOptions memory;
      memory.sqlite_path = ":memory:";
      auto empty = storage::open_database(memory);
      if (!empty) {
        fmt::print(stderr, "{}: {}\n", kWho, empty.error().to_string());
        return kExitFailure;
      }
      for (const auto& set : migration_sets_for(Role::Station)) {
        if (auto st = storage::migrate(**empty, set.name, set.steps); !st) {
          fmt::print(stderr, "{}: {}\n", kWho, st.error().to_string());
          return kExitFailure;
        }
      }
      fmt::print(stderr, "{}: {} holds no archive yet; every row counts as new\n", kWho,
                 missing ? where : (*db)->describe());
      db = std::move(empty);
    }
  } else {
    for (const auto& set : migration_sets_for(Role::Station)) {
      if (auto applied = storage::migrate(**db, set.name, set.steps); !applied) {
        fmt::print(stderr, "{}: migration {}: {}\n", kWho, set.name, applied.error().to_string());
        return kExitFailure;
      }
    }
  }
  auto now = UtcTime{std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()};
  auto report = station::import_archive(
      **db, text.str(), dry_run ? station::ImportMode::DryRun : station::ImportMode::Apply, now);
  if (!report) {
    fmt::print(stderr, "{}: {}\n", kWho, report.error().to_string());
    return kExitFailure;
  }
  if (!report->problems.empty()) {
    for (const auto& p : report->problems) fmt::print(stderr, "{}\n", p.to_string());
    fmt::print(stderr, "{}: {} problem{} in {}; nothing was written\n", kWho,
               report->problems.size(), report->problems.size() == 1 ? "" : "s", file);
    return kExitFailure;
  }
  const auto& pt = report->points;
  const auto& rg = report->regions;
  fmt::print(
      "{}{} points: {} new, {} changed, {} unchanged; regions: {} new, {} changed, {} "
      "unchanged\n",
      dry_run ? "dry run, nothing written: " : "", file, pt.added, pt.changed, pt.unchanged,
      rg.added, rg.changed, rg.unchanged);
  return kExitOk;
}

}  // namespace

void add_station_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* cmd =
      app.add_subcommand("station", "Master station: concentrator sessions, reading, storage");
  cmd->require_subcommand(0, 1);
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "station.toml: run the station");
  cmd->callback([&run, cmd, config_path] {
    if (!cmd->get_subcommands().empty()) return;
    run = [config_path] {
      if (config_path->empty()) {
        fmt::print(
            stderr,
            "omnimeter station: give -c station.toml, or a subcommand (stats, import, bill)\n");
        return kExitUsage;
      }
      return run_station(*config_path);
    };
  });
  auto stats_config = std::make_shared<std::string>();
  auto stats_day = std::make_shared<std::string>();
  auto* stats = cmd->add_subcommand("stats", "Daily reading success per concentrator (S-PERF-3)");
  stats->add_option("-c,--config", *stats_config, "station.toml")->required();
  stats->add_option("--day", *stats_day, "Beijing date YYYY-MM-DD")->required();
  stats->callback([&run, stats_config, stats_day] {
    run = [stats_config, stats_day] { return run_stats(*stats_config, *stats_day); };
  });
  add_station_bill_command(*cmd, run);
  auto import_config = std::make_shared<std::string>();
  auto import_file = std::make_shared<std::string>();
  auto import_dry = std::make_shared<bool>(false);
  auto* import = cmd->add_subcommand("import", "Import the utility's customer archive (CSV)");
  import->add_option("-c,--config", *import_config, "station.toml")->required();
  import->add_option("file", *import_file, "The archive, CSV (omnimeter sim archive writes one)")
      ->required();
  import->add_flag("--dry-run", *import_dry, "Validate and count; write nothing");
  import->callback([&run, import_config, import_file, import_dry] {
    run = [import_config, import_file, import_dry] {
      return run_import(*import_config, *import_file, *import_dry);
};
}  // namespace omni::cli
);
}

}  // namespace omni::cli
