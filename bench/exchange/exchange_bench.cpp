// Throughput of the exchange batch text: write_batch, read_batch (the ingest path: digest,
// then every field checked) and the SM3 digest alone, for one batch of readings.
//
//   exchange_bench [readings]      (default 100000)
//
// Target (brief of the exchange format): read_batch above 1,000,000 lines/s on one core. Each
// figure is the best of several rounds, so a busy neighbour on the machine costs less.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "exchange/batch.hpp"

using namespace omni;
using namespace omni::exchange;

namespace {

// A station's day: readings of meters across a few communities, the four energies in the
// shares of a city (mostly electricity and water), daily frozen values at 16:00 UTC.
Batch make_batch(std::size_t readings) {
  Batch b;
  b.station = "bench-station";
  b.sequence = 1;
  b.created = UtcTime{days_from_civil(2026, 11, 25) * 86400};
  constexpr EnergyKind kKinds[] = {EnergyKind::Electricity, EnergyKind::Electricity,
                                   EnergyKind::Water, EnergyKind::Gas, EnergyKind::Heat};
  for (std::size_t i = 0; i < readings; ++i) {
    ReadingRecord r;
    r.code.county = 110105;
    r.code.street = static_cast<std::uint16_t>(1 + i % 40);
    r.code.community = static_cast<std::uint16_t>(1 + i / 40 % 30);
    r.code.building = static_cast<std::uint16_t>(1 + i / 1200 % 60);
    r.code.unit = static_cast<std::uint8_t>(1 + i % 4);
    r.code.room = static_cast<std::uint16_t>(101 + i % 2400);
    r.code.kind = kKinds[i % 5];
    r.code.sequence = 1;
    r.at = UtcTime{days_from_civil(2026, 11, 24) * 86400 + 16 * 3600};
    auto mantissa = static_cast<std::int64_t>(100000 + (i * 7919) % 9000000);
    switch (r.code.kind) {
      case EnergyKind::Electricity:
        r.value = Quantity(mantissa, 2, Unit::kWh);
        r.meter_type = 0x40;
        break;
      case EnergyKind::Water:
        r.value = Quantity(mantissa, 3, Unit::m3);
        r.meter_type = 0x10;
        break;
      case EnergyKind::Gas:
        r.value = Quantity(mantissa, 3, Unit::m3);
        r.meter_type = 0x30;
        break;
      case EnergyKind::Heat:
        r.value = Quantity(mantissa, 2, Unit::GJ);
        r.meter_type = 0x20;
        break;
    }
    b.readings.push_back(r);
  }
  return b;
}

template <class F>
double best_seconds(int rounds, F&& f) {
  double best = 1e30;
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void print(const char* what, std::size_t lines, std::size_t bytes, double s, const char* note) {
  fmt::print("{:<34} {:>12.0f} lines/s {:>9.1f} MB/s  {}\n", what, static_cast<double>(lines) / s,
             static_cast<double>(bytes) / s / 1e6, note);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 100'000;
  constexpr int kRounds = 7;
  Batch batch = make_batch(n);
  std::string text = write_batch(batch);
  std::string_view body = std::string_view(text).substr(text.find('\n') + 1);
  fmt::print("batch of {} readings: {} bytes, {:.1f} bytes a line\n", n, text.size(),
             static_cast<double>(text.size()) / static_cast<double>(n + 1));

  std::size_t sink = 0;
  double write_s = best_seconds(kRounds, [&] { sink += write_batch(batch).size(); });
  double digest_s = best_seconds(kRounds, [&] { sink += body_digest(body).size(); });
  double read_s = best_seconds(kRounds, [&] {
    auto b = read_batch(text);
    if (!b) {
      fmt::print(stderr, "read_batch: {}\n", b.error().to_string());
      std::exit(1);
    }
    sink += b->readings.size();
  });
  double validate_s = best_seconds(kRounds, [&] { sink += validate_batch(text).size(); });

  print("write_batch", n, text.size(), write_s, "");
  print("read_batch (digest + every field)", n, text.size(), read_s, "(target >= 1,000,000)");
  print("  of which the SM3 digest", n, body.size(), digest_s, "");
  print("validate_batch", n, text.size(), validate_s, "");
  return sink == 0 ? 1 : 0;
}
