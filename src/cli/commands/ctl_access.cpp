// `omnimeter ctl user …` and `omnimeter ctl audit verify`: accounts and the audit chain of the
// database a configuration names (station.toml or cloud.toml; docs/access.md).
//
//   omnimeter ctl user add NAME --role operator [--region 110105] [--kind enterprise] -c F
//   omnimeter ctl user passwd NAME -c F
//   omnimeter ctl user lock|unlock NAME -c F
//   omnimeter ctl user list -c F
//   omnimeter ctl audit verify -c F
//
// Passwords are read from the first line of standard input, never from the command line (which
// other users see in `ps` and which shells keep in their history). Every change is written to
// the audit log as the user "cli:<login name>" from "local".
//
// Exit codes: 0 ok; 1 failure (unknown user, broken audit chain, database error); 2 usage (bad
// name, role, password refused by the policy); 78 configuration.
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "access/access_service.hpp"
#include "access/schema.hpp"
#include "cli/commands.hpp"
#include "core/config.hpp"
#include "core/time.hpp"
#include "storage/migrations.hpp"

namespace omni::cli {
namespace {

struct AccessArgs {
  std::string config_file;
  std::string name;
  std::string role = "read-only";
  std::string region;
  std::string kind = "enterprise";
};

constexpr const char* kWho = "omnimeter ctl";

// The configuration's database with the core and access tables in place (a fresh station
// database may not have been started yet).
std::unique_ptr<storage::Database> open_access_db(const std::string& file, int& exit_code) {
  auto doc = config::Document::load(file);
  if (!doc) {
    fmt::print(stderr, "{}: {}\n", kWho, doc.error().detail);
    exit_code = kExitConfig;
    return nullptr;
  }
  const char* fallback = doc->root().has("cloud") ? "cloud.db" : "station.db";
  auto options = storage::database_options_from(doc->root().section("database"), fallback);
  if (auto st = doc->finish("database"); !st) {
    fmt::print(stderr, "{}: configuration errors:\n{}\n", kWho, st.error().detail);
    exit_code = kExitConfig;
    return nullptr;
  }
  auto db = storage::open_database(options);
  if (!db) {
    fmt::print(stderr, "{}: {}\n", kWho, db.error().detail);
    exit_code = db.error().code == ErrorCode::Config ? kExitConfig : kExitFailure;
    return nullptr;
  }
  for (auto [set, steps] : {std::pair{"core", storage::core_migrations()},
                            std::pair{"access", access::access_migrations()}}) {
    if (auto applied = storage::migrate(**db, set, steps); !applied) {
      fmt::print(stderr, "{}: migration {}: {}\n", kWho, set, applied.error().to_string());
      exit_code = kExitFailure;
      return nullptr;
    }
  }
  return std::move(*db);
}

access::Actor local_actor() {
  std::string login = "unknown";
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    login = pw->pw_name;
  }
  return {"cli:" + login, "local"};
}

// The first line of stdin, without its line end. Prompts only when stdin is a terminal.
std::optional<std::string> read_password() {
  if (::isatty(STDIN_FILENO)) fmt::print(stderr, "password: ");
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int exit_for(const Error& e) {
  if (e.code == ErrorCode::OutOfRange || e.code == ErrorCode::Malformed) return kExitUsage;
  return kExitFailure;
}

int report(const Error& e) {
  fmt::print(stderr, "{}: {}\n", kWho, e.detail);
  return exit_for(e);
}

// The service with the project's default password cost, on the host's clock.
template <class Body>
int with_service(const AccessArgs& args, Body&& body) {
  int code = kExitOk;
  auto db = open_access_db(args.config_file, code);
  if (!db) return code;
  access::AccessService service(*db, SystemClock::instance());
  return body(service);
}

int run_add(const AccessArgs& args) {
  auto role = access::parse_role(args.role);
  if (!role) return report(role.error());
  auto kind = access::parse_account_kind(args.kind);
  if (!kind) return report(kind.error());
  auto password = read_password();
  if (!password) {
    fmt::print(stderr, "{}: no password on standard input\n", kWho);
    return kExitUsage;
  }
  return with_service(args, [&](access::AccessService& s) {
    auto id = s.add_user({args.name, *password, *role, args.region, *kind}, local_actor());
    if (!id) return report(id.error());
    fmt::print("user {} added (id {}, role {}{})\n", args.name, *id, args.role,
               args.region.empty() ? "" : ", region " + args.region);
    return kExitOk;
  });
}

int run_passwd(const AccessArgs& args) {
  auto password = read_password();
  if (!password) {
    fmt::print(stderr, "{}: no password on standard input\n", kWho);
    return kExitUsage;
  }
  return with_service(args, [&](access::AccessService& s) {
    if (auto st = s.set_password(args.name, *password, local_actor()); !st) {
      return report(st.error());
    }
    fmt::print("password of {} changed; its sessions ended\n", args.name);
    return kExitOk;
  });
}

int run_lock(const AccessArgs& args, bool lock) {
  return with_service(args, [&](access::AccessService& s) {
    auto st =
        lock ? s.lock_user(args.name, local_actor()) : s.unlock_user(args.name, local_actor());
    if (!st) return report(st.error());
    fmt::print("user {} {}\n", args.name, lock ? "locked" : "unlocked");
    return kExitOk;
  });
}

int run_list(const AccessArgs& args) {
  return with_service(args, [&](access::AccessService& s) {
    auto users = s.list_users();
    if (!users) return report(users.error());
    UtcTime now = SystemClock::instance().now();
    fmt::print("{:<20} {:<14} {:<12} {:<11} {:<10} {}\n", "user", "role", "region", "kind", "state",
               "password changed (UTC)");
    for (const auto& u : *users) {
      const char* state = u.locked ? "locked" : u.locked_until > now ? "locked-out" : "active";
      fmt::print("{:<20} {:<14} {:<12} {:<11} {:<10} {}\n", u.name, access::role_name(u.role),
                 u.region.empty() ? "*" : u.region, access::account_kind_name(u.kind), state,
                 format_iso8601(u.password_changed_at, TimeZone::utc()));
    }
    return kExitOk;
  });
}

int run_verify(const AccessArgs& args) {
  return with_service(args, [&](access::AccessService& s) {
    auto v = s.audit().verify();
    if (!v) return report(v.error());
    auto actor = local_actor();
    // The check itself is an auditor's act: recorded after the walk, so it is not judged.
    (void)s.audit().append({{},
                            actor.name,
                            actor.source,
                            "audit.verify",
                            "",
                            v->intact,
                            v->intact ? "" : "row " + std::to_string(v->first_bad_id)});
    if (!v->intact) {
      fmt::print(stderr, "{}: audit chain broken at row {}: {} ({} rows intact before it)\n", kWho,
                 v->first_bad_id, v->reason, v->rows_checked);
      return kExitFailure;
    }
    fmt::print("audit chain intact: {} rows\n", v->rows_checked);
    return kExitOk;
  });
}

}  // namespace

void add_ctl_access_commands(CLI::App& ctl, CommandRun& run) {
  auto args = std::make_shared<AccessArgs>();
  auto config = [args](CLI::App* c) {
    c->add_option("-c,--config", args->config_file, "station.toml or cloud.toml")->required();
  };
  auto name = [args](CLI::App* c) { c->add_option("name", args->name, "User name")->required(); };

  auto* user = ctl.add_subcommand("user", "Accounts: add, change password, lock, unlock, list");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Add a user (password on standard input)");
  name(add);
  config(add);
  add->add_option("--role", args->role, "administrator, operator, auditor or read-only")
      ->required();
  add->add_option("--region", args->region, "Region-code prefix the user is limited to");
  add->add_option("--kind", args->kind, "government, enterprise or public")->capture_default_str();
  add->callback([&run, args] { run = [args] { return run_add(*args); }; });

  auto* passwd = user->add_subcommand("passwd", "Set a user's password (on standard input)");
  name(passwd);
  config(passwd);
  passwd->callback([&run, args] { run = [args] { return run_passwd(*args); }; });

  auto* lock = user->add_subcommand("lock", "Lock a user until unlocked; ends the sessions");
  name(lock);
  config(lock);
  lock->callback([&run, args] { run = [args] { return run_lock(*args, true); }; });

  auto* unlock = user->add_subcommand("unlock", "Unlock a user (also ends a failure lock-out)");
  name(unlock);
  config(unlock);
  unlock->callback([&run, args] { run = [args] { return run_lock(*args, false); }; });

  auto* list = user->add_subcommand("list", "List users, roles and states");
  config(list);
  list->callback([&run, args] { run = [args] { return run_list(*args); }; });

  auto* audit = ctl.add_subcommand("audit", "The hash-chained audit log");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "Check every link of the audit chain");
  config(verify);
  verify->callback([&run, args] { run = [args] { return run_verify(*args); }; });
}

}  // namespace omni::cli
