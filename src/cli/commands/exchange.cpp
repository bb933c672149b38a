// `omnimeter exchange validate|code`: the operator's view of exchange batches and base codes
// (docs/exchange-format.md).
//
//   omnimeter exchange validate batch-000042.omx     every problem as "line N: message"; exit 0
//                                                     with a summary when valid, 1 when not
//   omnimeter exchange code 11010500301200210203011018   the parts of a base information code
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "exchange/batch.hpp"

namespace omni::cli {
namespace {

struct ExchangeArgs {
  std::string file;
  std::string code;
};

// The whole file ("-" for standard input), refusing to read far past the format's limit.
Result<std::string> read_file(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(ErrorCode::NotFound, fmt::format("cannot open {}", path));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f == stdin ? nullptr : f, &std::fclose);
  std::string text;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    // One byte over the limit is enough for read_batch/validate_batch to say it is too big.
    if (text.size() > exchange::kMaxBatchBytes) break;
  }
  if (std::ferror(f)) return fail(ErrorCode::Io, fmt::format("cannot read {}", path));
  return text;
}

int validate(const ExchangeArgs& args) {
  auto text = read_file(args.file);
  if (!text) {
    fmt::print(stderr, "omnimeter exchange validate: {}\n", text.error().detail);
    return kExitFailure;
  }
  auto problems = exchange::validate_batch(*text);
  if (!problems.empty()) {
    for (const auto& p : problems) {
      if (p.line == 0) {
        fmt::print("batch: {}\n", p.message);
      } else {
        fmt::print("line {}: {}\n", p.line, p.message);
      }
    }
    fmt::print("{}: not valid, {} problem{}\n", args.file, problems.size(),
               problems.size() == 1 ? "" : "s");
    return kExitFailure;
  }
  auto batch = exchange::read_batch(*text);
  if (!batch) {  // validate_batch and read_batch share one reader; this would be a bug
    fmt::print("batch: {}\n", batch.error().detail);
    return kExitFailure;
  }
  fmt::print(
      "{}: valid, station {} sequence {}: {} records ({} regions, {} metering points, {} "
      "readings, {} monthly costs, {} coverage)\n",
      args.file, batch->station, batch->sequence, batch->record_count(), batch->regions.size(),
      batch->meters.size(), batch->readings.size(), batch->costs.size(), batch->coverage.size());
  return kExitOk;
}

int explain_code(const ExchangeArgs& args) {
  auto c = exchange::BaseCode::parse(args.code);
  if (!c) {
    const Error& e = c.error();
    fmt::print(stderr, "omnimeter exchange code: {}\n", e.to_string());
    if (e.offset >= 0 && static_cast<std::size_t>(e.offset) <= args.code.size() &&
        args.code.size() <= 64) {
      fmt::print(stderr, "  {}\n  {}^\n", args.code,
                 std::string(static_cast<std::size_t>(e.offset), ' '));
    }
    return kExitFailure;
  }
  const std::string& s = args.code;
  auto part = [&](std::string_view name, std::size_t at, std::size_t n, const std::string& what) {
    fmt::print("  {:<10} {:<8} {}\n", name, s.substr(at, n), what);
  };
  std::string kind;
  if (c->building == 0) {
    kind = "community supply meter (小区总表)";
  } else if (c->room == 0) {
    kind = "building supply meter (楼栋总表)";
  } else {
    kind = "household metering point (户表)";
  }
  fmt::print("{}  base information code (基础信息编码): {}\n", s, kind);
  part("county", 0, 6, "county-level division (区/县), GB/T 2260");
  part("street", 6, 3, "street / town (街道/乡镇)");
  part("community", 9, 3,
       fmt::format("community / village committee (居委会/村委会); region {}",
                   c->community_region()));
  part("building", 12, 4, c->building == 0 ? "0000: the community itself" : "building (楼栋)");
  part("unit", 16, 2, c->unit == 0 ? "00: no unit" : "unit of the building (单元)");
  part("room", 18, 4, c->room == 0 ? "0000: a supply meter" : "room (户)");
  part("energy", 22, 1,
       fmt::format("{} ({})", energy_kind_name(c->kind), energy_kind_name_zh(c->kind)));
  part("sequence", 23, 2, "meter of this room and energy (01..99)");
  part("check", 25, 1, "ISO/IEC 7064 MOD 11,10 over the 25 digits before");
  return kExitOk;
}

}  // namespace

void add_exchange_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto args = std::make_shared<ExchangeArgs>();
  auto* cmd = app.add_subcommand(
      "exchange", "Check station-to-cloud exchange batches and base information codes");
  cmd->require_subcommand(1);

  auto* val = cmd->add_subcommand(
      "validate", "Check a batch file: every problem as \"line N: message\"; exit 1 if any");
  val->add_option("file", args->file, "The batch file, or - for standard input")->required();
  val->callback([&run, args] { run = [args] { return validate(*args); }; });

  auto* code = cmd->add_subcommand("code", "Explain the parts of a 26-digit base information code");
  code->add_option("basecode", args->code, "The 26 digits")->required();
  code->callback([&run, args] { run = [args] { return explain_code(*args); }; });
}

}  // namespace omni::cli
