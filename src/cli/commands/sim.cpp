// `omnimeter sim`: the field simulator.
//
//   omnimeter sim -c sim.toml
//
// runs the field: every concentrator of the simulated city connects to the master station named
// in sim.toml over TCP and speaks DL/T 698.45 (docs/simulator.md).
//
//   omnimeter sim truth --seed 7 --meters 10000 --from 2026-11-01 --days 30 --step hour --out DIR
//
// writes the ground truth of a simulated city for scoring analytics.
//
//   omnimeter sim archive -c sim.toml [--energy water|electricity|gas|heat] > archive.csv
//
// writes the utility's customer archive of the same city (one CSV row per meter, the columns of
// src/sim/archive/archive.hpp), for `omnimeter station import`.
//
//   omnimeter sim pki -c sim.toml --out DIR [--station 000000000001]
//
// writes the secured-session keys of the same field (crypto/session/files.hpp), derived from the
// seed: DIR/ca.key, DIR/station.key and DIR/registry.txt for [station.security], and
// DIR/devices/<address>.key for every concentrator and IoT meter (key files mode 0600).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "crypto/session/files.hpp"
#include "sim/archive/archive.hpp"
#include "sim/field/field.hpp"
#include "sim/truth/ground_truth.hpp"

namespace omni::cli {
namespace {

struct TruthArgs {
  std::uint64_t seed = 1;
  std::uint32_t meters = 1000;
  std::string from = "2026-01-01";
  int days = 7;
  std::string step = "hour";
  std::string out;
};

int run_truth(const TruthArgs& args) {
  auto log = log::get("sim");
  auto from = parse_date(args.from);
  if (!from) {
    fmt::print(stderr, "omnimeter sim truth: {}\n", from.error().detail);
    return kExitUsage;
  }
  int step = args.step == "15min" ? 1 : args.step == "hour" ? 4 : 96;
  auto started = std::chrono::steady_clock::now();
  sim::City city = sim::generate_city({args.seed, args.meters});
  sim::ConsumptionModel model(city);
  std::int64_t first = sim::interval_of(TimeZone::shanghai().from_local(*from));
  sim::TruthSpan span{first, first + args.days * sim::kIntervalsPerDay, step};
  if (auto st = sim::write_ground_truth(model, span, args.out); !st) {
    fmt::print(stderr, "omnimeter sim truth: {}\n", st.error().to_string());
    return kExitFailure;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log->info("ground truth of {} meters, {} users, {} days written to {} in {:.1f} s",
            city.meters.size(), city.users.size(), args.days, args.out, seconds);
  return kExitOk;
}

int run_field(const std::string& config_path) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter sim: {}\n", doc.error().detail);
    return kExitConfig;
  }
  auto now = UtcTime{std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()};
  sim::FieldConfig config = sim::field_config_from(doc->root(), now);
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter sim: {}\n", st.error().detail);
    return kExitConfig;
  }
  sim::Field field(config);
  if (auto st = field.run(); !st) {
    fmt::print(stderr, "omnimeter sim: {}\n", st.error().to_string());
    return kExitFailure;
  }
  return kExitOk;
}

int run_archive(const std::string& config_path, const std::string& energy_name) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter sim archive: {}\n", doc.error().detail);
    return kExitConfig;
  }
  // The field's own reading of sim.toml, so that seed, size and concentrator capacity are the
  // ones the running field uses (and every key is checked as it would be).
  sim::FieldConfig config = sim::field_config_from(doc->root(), UtcTime{0});
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter sim archive: {}\n", st.error().detail);
    return kExitConfig;
  }
  sim::ArchiveOptions options;
  options.meters_per_concentrator = config.meters_per_concentrator;
  if (!energy_name.empty()) {
    auto kind = parse_energy_kind(energy_name);
    if (!kind) {
      fmt::print(stderr, "omnimeter sim archive: --energy {}: not an energy kind\n", energy_name);
      return kExitUsage;
    }
    options.energy = *kind;
  }
  sim::City city = sim::generate_city({config.seed, config.meters});
  bool failed = false;
  sim::write_archive_csv(city, options, [&failed](std::string_view chunk) {
    if (!failed && std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size()) {
      failed = true;
    }
  });
  if (failed || std::fflush(stdout) != 0) {
    fmt::print(stderr, "omnimeter sim archive: cannot write to standard output\n");
    return kExitFailure;
  }
  return kExitOk;
}

int run_pki(const std::string& config_path, const std::string& out, const std::string& station) {
  auto doc = config::Document::load(config_path);
  if (!doc) {
    fmt::print(stderr, "omnimeter sim pki: {}\n", doc.error().detail);
    return kExitConfig;
  }
  sim::FieldConfig config = sim::field_config_from(doc->root(), UtcTime{0});
  if (auto st = doc->finish(); !st) {
    fmt::print(stderr, "omnimeter sim pki: {}\n", st.error().detail);
    return kExitConfig;
  }
  auto station_address = MeterAddress::from_digits(station);
  if (!station_address) {
    fmt::print(stderr, "omnimeter sim pki: --station {}: {}\n", station,
               station_address.error().detail);
    return kExitUsage;
  }
  // The devices that dial the station, as sim::Field builds them: the planned concentrators,
  // then the DL/T 698.45 IoT meters.
  sim::City city = sim::generate_city({config.seed, config.meters});
  sim::ConcentratorPlan plan =
      sim::plan_concentrators(city, config.meters_per_concentrator, config.energy);
  std::vector<MeterAddress> devices;
  for (std::uint32_t id = 0; id < plan.meters.size(); ++id) {
    devices.push_back(sim::concentrator_address(id));
  }
  for (const sim::Meter& m : city.meters) {
    if (sim::dials_station(m) && (!config.energy || m.kind == *config.energy)) {
      devices.push_back(m.address);
    }
  }
  UtcTime now = SystemClock::instance().now();
  auto written = crypto::session::make_field_pki(out, config.seed, *station_address, devices,
                                                 UtcTime{now.seconds - 86400});
  if (!written) {
    fmt::print(stderr, "omnimeter sim pki: {}\n", written.error().to_string());
    return kExitFailure;
  }
  fmt::print(
      "station identity {} (mode 0600)\nregistry         {} ({} devices)\n"
      "device keys      {}/<address>.key\n",
      written->station_identity.string(), written->registry.string(), devices.size(),
      written->device_dir.string());
  return kExitOk;
}

}  // namespace

void add_sim_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* cmd = app.add_subcommand("sim", "Field simulator: a synthetic city of meters");
  cmd->require_subcommand(0, 1);
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "sim.toml: run the field against a station");
  cmd->callback([&run, cmd, config_path] {
    if (!cmd->get_subcommands().empty()) return;
    run = [config_path] {
      if (config_path->empty()) {
        fmt::print(stderr, "omnimeter sim: give -c sim.toml, or a subcommand (truth, archive)\n");
        return kExitUsage;
      }
      return run_field(*config_path);
    };
  });
  auto args = std::make_shared<TruthArgs>();
  auto* truth = cmd->add_subcommand("truth", "Write the ground truth of a simulated city as CSV");
  truth->add_option("--seed", args->seed, "City seed (same seed, same city)")
      ->capture_default_str();
  truth->add_option("--meters", args->meters, "Number of meters (50 to 1,000,000)")
      ->check(CLI::Range(50u, 1'000'000u))
      ->capture_default_str();
  truth->add_option("--from", args->from, "First day, Beijing calendar (YYYY-MM-DD)")
      ->capture_default_str();
  truth->add_option("--days", args->days, "Number of days")
      ->check(CLI::Range(1, 3660))
      ->capture_default_str();
  truth->add_option("--step", args->step, "Usage rows per 15min, hour or day")
      ->check(CLI::IsMember({"15min", "hour", "day"}))
      ->capture_default_str();
  truth->add_option("--out", args->out, "Folder to write (created if missing)")->required();
  truth->callback([&run, args] { run = [args] { return run_truth(*args); }; });

  auto archive_config = std::make_shared<std::string>();
  auto archive_energy = std::make_shared<std::string>();
  auto* archive = cmd->add_subcommand(
      "archive", "Write the utility's customer archive of the simulated city as CSV (stdout)");
  archive->add_option("-c,--config", *archive_config, "sim.toml (the field's configuration)")
      ->required();
  archive->add_option("--energy", *archive_energy, "Only the meters of one energy")
      ->check(CLI::IsMember({"water", "electricity", "gas", "heat"}));
  archive->callback([&run, archive_config, archive_energy] {
    run = [archive_config, archive_energy] {
      return run_archive(*archive_config, *archive_energy);
    };
  });

  auto pki_config = std::make_shared<std::string>();
  auto pki_out = std::make_shared<std::string>();
  auto pki_station = std::make_shared<std::string>("000000000001");
  auto* pki = cmd->add_subcommand(
      "pki", "Write the field's secured-session keys and registry (derived from the seed)");
  pki->add_option("-c,--config", *pki_config, "sim.toml (the field's configuration)")->required();
  pki->add_option("--out", *pki_out, "Folder to write (created, mode 0700)")->required();
  pki->add_option("--station", *pki_station, "The station's address in its certificate")
      ->capture_default_str();
  pki->callback([&run, pki_config, pki_out, pki_station] {
    run = [pki_config, pki_out, pki_station] {
      return run_pki(*pki_config, *pki_out, *pki_station);
    };
  });
}

}  // namespace omni::cli
