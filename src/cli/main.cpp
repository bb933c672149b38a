// omnimeter: one binary for the master station, the cloud platform, the field simulator, the
// demo and administration. See `omnimeter --help` and README.md.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/log.hpp"

namespace omni::cli {

bool setup_logging(const GlobalOptions& global) {
  auto format = log::parse_format(global.log_format);
  if (!format) {
    std::fprintf(stderr, "omnimeter: %s\n", format.error().detail.c_str());
    return false;
  }
  if (auto st = log::setup({*format, global.log_level}); !st) {
    std::fprintf(stderr, "omnimeter: %s\n", st.error().detail.c_str());
    return false;
  }
  return true;
}

namespace {

int run_main(int argc, char** argv) {
  CLI::App app{
      "Omnimeter: integrated water, electricity, gas and heat remote meter reading and "
      "monitoring (DB11/T, multi-meter remote reading system).\n"
      "Exit codes: 0 ok, 1 failure, 2 usage error, 78 configuration error.",
      "omnimeter"};
  app.require_subcommand(1);
  app.set_version_flag("--version", OMNI_VERSION);

  GlobalOptions global;
  app.add_option("--log-format", global.log_format, "Log format on stderr: text or json")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level,
                 "Log level: trace, debug, info, warn, error, critical, off")
      ->capture_default_str();

  CommandRun run;
  add_version_command(app, global, run);
  add_db_command(app, global, run);
  add_demo_command(app, global, run);
  add_frame_command(app, global, run);
  add_sim_command(app, global, run);
  add_station_command(app, global, run);
  add_cloud_command(app, global, run);
  add_exchange_command(app, global, run);
  add_ctl_command(app, global, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11; everything else is usage.
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!setup_logging(global)) return kExitUsage;
  return run ? run() : kExitUsage;
}

}  // namespace
}  // namespace omni::cli

int main(int argc, char** argv) {
  try {
    return omni::cli::run_main(argc, argv);
  } catch (const std::exception& e) {
    // Only start-up code may throw; a command that fails at run time returns an exit code.
    std::fprintf(stderr, "omnimeter: fatal: %s\n", e.what());
    return omni::cli::kExitFailure;
  }
}
