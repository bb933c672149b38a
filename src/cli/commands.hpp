#pragma once
// Subcommands of the `omnimeter` binary. Each subcommand file registers itself explicitly from
// main.cpp (no static self-registration: docs/architecture.md, "Conventions").
//
// Exit codes (sysexits-style, documented in `omnimeter --help`):
//   0 success, 1 failure at run time, 2 usage error, 78 configuration error (EX_CONFIG).

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace omni::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 78;

// Options every subcommand shares, filled in by CLI11 before a command runs.
struct GlobalOptions {
  std::string log_format = "text";
  std::string log_level = "info";
};

// A registered command's body: runs after parsing, returns the process exit code.
using CommandRun = std::function<int()>;

// Each add_* function adds one subcommand to `app` and sets `run` when it is the one chosen.
void add_version_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_db_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_demo_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_frame_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_sim_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_station_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_cloud_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_exchange_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);
void add_ctl_command(CLI::App& app, const GlobalOptions& global, CommandRun& run);

// Sets up logging from the global options; false (after printing why) on a bad option.
bool setup_logging(const GlobalOptions& global);

}  // namespace omni::cli
