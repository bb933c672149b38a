// `omnimeter demo`: everything on one machine on embedded SQLite, for a first look.
//
// What runs today: a simulated city (--meters, 2,000 by default) whose concentrators dial a
// master station over loopback TCP; the station imports the city's customer archive, collects
// the concentrators' daily values and exports them in exchange batches over HTTP to the cloud,
// whose data centre feeds the statistics API and the city dashboard. The station and the cloud
// each have their SQLite database under --data-dir (created and migrated on first start, reused
// afterwards; --fresh starts over). The web front end, the station's API, the cloud's API and
// its exchange route share one HTTP port.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cli/commands.hpp"
#include "cli/database_setup.hpp"
#include "core/log.hpp"
#include "net/http_server.hpp"
#include "cloud/api/stats_api.hpp"
#include "cloud/service/gateway.hpp"
#include "cloud/store/data_centre.hpp"
#include "exchange/receiver.hpp"
#include "sim/archive/archive.hpp"
#include "sim/field/field.hpp"
#include "sim/model/city.hpp"
#include "station/export/upload_link.hpp"
#include "station/store/archive_import.hpp"
#include "station/api/station_api.hpp"
#include "station/sessions/station_server.hpp"
#include "storage/database.hpp"

namespace omni::cli {
namespace {

struct DemoArgs {
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string data_dir = "demo-data";
  std::string web_root = OMNI_DEFAULT_WEB_ROOT;
  bool fresh = false;
  std::uint32_t meters = 2000;  // 0: no simulated field
};

std::string iso_utc(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// The installation id is made once and kept in omni_meta, so a reused demo keeps its identity.
Result<std::string> installation_id(storage::Database& db) {
  std::random_device rd;
  std::string fresh_id = fmt::format("{:08x}{:08x}", rd(), rd());
  OMNI_TRY(db.transaction([&](storage::Connection& c) -> Status {
    auto r = c.execute(
        "INSERT INTO omni_meta(key, value) VALUES ('installation_id', $1) ON CONFLICT DO NOTHING",
        {fresh_id});
    if (!r) return fail(r.error());
    return ok();
  }));
  auto rows = db.query("SELECT value FROM omni_meta WHERE key = 'installation_id'");
  if (!rows) return fail(rows.error());
  return rows->at(0).get<std::string>(0);
}

constexpr std::uint64_t kDemoSeed = 2026;

std::unique_ptr<storage::Database> open_demo_database(const std::filesystem::path& file, Role role) {
  storage::DatabaseOptions options;
  options.sqlite_path = file.string();
  auto db = storage::open_database(options);
  if (!db) {
    fmt::print(stderr, "omnimeter: {}\n", db.error().detail);
    return nullptr;
  }
  for (const auto& set : migration_sets_for(role)) {
    if (auto applied = storage::migrate(**db, set.name, set.steps); !applied) {
      fmt::print(stderr, "omnimeter: {}\n", applied.error().detail);
      return nullptr;
    }
  }
  return std::move(*db);
}

Status import_city_archive(storage::Database& db, std::uint32_t meters) {
  sim::City city = sim::generate_city({kDemoSeed, meters});
  std::string csv;
  sim::write_archive_csv(city, {}, [&csv](std::string_view chunk) { csv += chunk; });
  auto report = station::import_archive(db, csv, station::ImportMode::Apply,
                                        SystemClock::instance().now());
  if (!report) return fail(report.error());
  if (!report->problems.empty()) {
    return fail(ErrorCode::Internal, report->problems.front().to_string());
  }
  return ok();
}

int run_demo(const DemoArgs& args) {
  auto log = log::get("demo");
  namespace fs = std::filesystem;
  std::error_code ec;
  if (args.fresh) fs::remove_all(args.data_dir, ec);
  auto db = open_demo_database(fs::path(args.data_dir) / "station.db", Role::Station);
  if (!db) return kExitFailure;
  auto cloud_db = open_demo_database(fs::path(args.data_dir) / "cloud.db", Role::Cloud);
  if (!cloud_db) return kExitFailure;
  cloud::DataCentre centre(*cloud_db);
  // The utility's customer archive of the simulated city, as a station imports it (idempotent:
  // a reused demo finds it unchanged).
  if (args.meters > 0) {
    if (auto st = import_city_archive(*db, args.meters); !st) {
      fmt::print(stderr, "omnimeter: archive: {}\n", st.error().to_string());
      return kExitFailure;
    }
  }
  auto id = installation_id(*db);
  if (!id) {
    fmt::print(stderr, "omnimeter: {}\n", id.error().detail);
    return kExitFailure;
  }

  if (!fs::is_regular_file(fs::path(args.web_root) / "index.html")) {
    log->warn("no web front end at {} (build it with `make build`); serving the API only",
              args.web_root);
  }
  std::string started_at = iso_utc(std::chrono::system_clock::now());

  // The station, on its own thread, listening on a free loopback port.
  station::ArchiveStore store(*db);
  station::StationConfig station_config;
  station_config.listen_host = "127.0.0.1";
  station_config.port = 0;
  station_config.collect_every = std::chrono::minutes(5);
  station::StationServer station_server(station_config, store, SystemClock::instance());
  if (auto st = station_server.listen(); !st) {
    fmt::print(stderr, "omnimeter: station: {}\n", st.error().detail);
    return kExitFailure;
  }
  std::thread station_thread([&station_server] { station_server.run(); });

  // The simulated field, in real time, dialling the station.
  std::unique_ptr<sim::Field> field;
  std::thread field_thread;
  if (args.meters > 0) {
    sim::FieldConfig field_config;
    field_config.seed = kDemoSeed;
    field_config.meters = args.meters;
    field_config.start = SystemClock::instance().now();
    field_config.station_port = station_server.port();
    field_config.heartbeat_s = 300;
    field = std::make_unique<sim::Field>(field_config);
    field_thread = std::thread([&field] { (void)field->run(); });
    log->info("simulated field: {} meters behind {} concentrators", field->meter_count(),
              field->concentrator_count());
  }
  std::unique_ptr<station::UploadLink> upload;
  auto stop_background = [&] {
    if (upload) upload->stop();
    if (field) field->stop();
    if (field_thread.joinable()) field_thread.join();
    station_server.stop();
    if (station_thread.joinable()) station_thread.join();
  };

  net::Router router;
  storage::Database* database = db.get();
  station::add_station_routes(router, store);
  exchange::ReceiverCounters received;
  exchange::add_batch_route(router, cloud::batch_sink(centre, SystemClock::instance()), received);
  cloud::add_stats_routes(router, centre);
  router.get("/api/v1/info", [&](const net::Request&) {
    // The dashboard picks its default period from the data's first and last day.
    auto days = centre.data_days();
    auto day = [&days](bool first) -> nlohmann::json {
      if (!days) return nullptr;
      const auto& d = first ? days->first : days->last;
      return d ? nlohmann::json(format_date(*d)) : nlohmann::json(nullptr);
    };
    nlohmann::json info = {
        {"name", "omnimeter"},
        {"version", OMNI_VERSION},
        {"installation_id", *id},
        {"started_at", started_at},
        {"database", database->describe()},
        {"components",
         {{{"name", "storage"}, {"state", "ready"}},
          {{"name", "web"}, {"state", "ready"}},
          {{"name", "station"}, {"state", "running"}},
          {{"name", "cloud"}, {"state", "running"}},
          {{"name", "simulator"}, {"state", field ? "running" : "off"}}}},
        {"data", {{"first_day", day(true)}, {"last_day", day(false)}}},
    };
    return net::Response::json_text(200, info.dump());
  });

  net::HttpServerOptions options;
  options.bind_address = args.bind;
  options.port = static_cast<std::uint16_t>(args.port);
  options.static_root = args.web_root;
  net::HttpServer server(options, std::move(router));
  server.add_readiness_check("database", [database]() -> Status {
    auto r = database->query("SELECT 1");
    if (!r) return fail(r.error());
    return ok();
  });
  if (auto st = server.start(); !st) {
    fmt::print(stderr, "omnimeter: {}\n", st.error().detail);
    stop_background();
    return kExitFailure;
  }
  server.stop_on_signals();
  // The station sends what it collects to the cloud through the real exchange route.
  station::ExchangeConfig exchange;
  exchange.enabled = true;
  exchange.station_id = "demo-city";
  exchange.batch_records = 5000;
  exchange.interval = std::chrono::seconds(2);
  exchange.uploader.http.host = args.bind == "0.0.0.0" ? "127.0.0.1" : args.bind;
  exchange.uploader.http.port = server.port();
  upload = std::make_unique<station::UploadLink>(exchange, *db, SystemClock::instance());
  upload->start();
  // The URL line is what people and the browser tests look for.
  fmt::print("Omnimeter demo ready: http://{}:{}/  (city dashboard: http://{}:{}/dashboard/; "
             "data in {}; Ctrl-C stops)\n",
             args.bind, server.port(), args.bind, server.port(), args.data_dir);
  std::fflush(stdout);
  server.wait();
  stop_background();
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "Run the demo on this machine (embedded SQLite)");
  cmd->add_option("--bind", args->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "HTTP port (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--data-dir", args->data_dir, "Folder for the demo's databases")
      ->capture_default_str();
  cmd->add_option("--web-root", args->web_root, "Folder of the built web front end")
      ->capture_default_str();
  cmd->add_flag("--fresh", args->fresh, "Delete the data folder first and start over");
  cmd->add_option("--meters", args->meters, "Meters in the simulated city (0: no field)")
      ->check(CLI::Range(0u, 1'000'000u))
      ->capture_default_str();
  cmd->callback([args, &run] { run = [args] { return run_demo(*args); }; });
}

}  // namespace omni::cli
