// Simulated meters answering reads: how many per second one core serves, and memory per meter.
//
//   sim_bench [meters]      (default 100000)
//
// Each read is what a concentrator does on its local bus: build the request, encode it, decode
// it on the meter side, answer from the consumption model, encode and decode the reply. The
// city is read meter by meter every 15 simulated minutes for one simulated hour.
// Target (issue 4): >= 20,000 meter reads per second for 100,000 meters on 2 cores (the full
// figure includes the concentrators and the network, which are not in this program yet).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "protocol/cjt188/messages.hpp"
#include "protocol/dlt645/messages.hpp"
#include "sim/meters/cjt188_meter.hpp"
#include "sim/meters/dlt645_meter.hpp"

using namespace omni;
using namespace omni::sim;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::uint32_t n = argc > 1 ? static_cast<std::uint32_t>(std::atoi(argv[1])) : 100'000;
  auto t0 = Clock::now();
  City city = generate_city({2026, n});
  ConsumptionModel model(city);
  std::int64_t origin =
      interval_of(TimeZone::shanghai().from_local(*CivilTime::make(2026, 11, 24)));
  RegisterBook book(model, origin);
  std::vector<Dlt645MeterState> elec(city.meters.size());
  std::vector<Cjt188MeterState> other(city.meters.size());
  Dlt645Responder dlt645(book);
  Cjt188Responder cjt188(book);
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::vector<std::uint8_t> wire;
  std::int64_t answered = 0;
  auto read_once = [&](const Meter& m, UtcTime now) {
    wire.clear();
    if (m.kind == EnergyKind::Electricity) {
      auto req = m.protocol == MeterProtocol::Dlt645_1997
                     ? protocol::dlt645::read_request_1997(m.address, 0x9010)
                     : protocol::dlt645::read_request(m.address, 0x00010000);
      (void)protocol::dlt645::encode_frame(req, wire, 4);
      auto in = protocol::dlt645::decode_frame(wire);
      auto reply = dlt645.handle(m, elec[m.id], *in, now);
      if (!reply) return;
      wire.clear();
      (void)protocol::dlt645::encode_frame(*reply, wire);
      answered += !reply->control.abnormal && protocol::dlt645::decode_frame(wire).has_value();
    } else {
      auto req = protocol::cjt188::make_read_data(cjt188_type(m), m.address,
                                                  protocol::cjt188::kDiMeterData, 1);
      (void)protocol::cjt188::encode_frame(req, wire, 2);
      auto in = protocol::cjt188::decode_frame(wire);
      auto reply = cjt188.handle(m, other[m.id], *in, now);
      if (!reply) return;
      wire.clear();
      (void)protocol::cjt188::encode_frame(*reply, wire);
      answered += !reply->control.abnormal && protocol::cjt188::decode_frame(wire).has_value();
    }
  };
  // Every meter every 15 simulated minutes, for an hour.
  std::int64_t reads = 0;
  auto start = Clock::now();
  for (int round = 1; round <= 4; ++round) {
    UtcTime now = interval_start(origin + round) + 60;
    for (const Meter& m : city.meters) {
      read_once(m, now);
      ++reads;
    }
  }
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  // Every meter once a day at 00:05, for three days: what the concentrators' daily collection
  // asks of the model (a day of 96 intervals per meter and read).
  std::int64_t daily_reads = 0;
  auto daily_start = Clock::now();
  for (int day = 1; day <= 3; ++day) {
    UtcTime now = interval_start(origin + day * kIntervalsPerDay) + 300;
    for (const Meter& m : city.meters) {
      read_once(m, now);
      ++daily_reads;
    }
  }
  double daily_s = std::chrono::duration<double>(Clock::now() - daily_start).count();
  // The city's record, the register track, and the device state of one protocol.
  std::size_t per_meter =
      sizeof(Meter) + RegisterBook::bytes_per_meter() + sizeof(Dlt645MeterState);
  fmt::print("meters                         {:>12}\n", city.meters.size());
  fmt::print("city + model + registers built {:>12.2f} s\n", build_s);
  fmt::print("reads                          {:>12}  (normal replies {})\n", reads + daily_reads,
             answered);
  fmt::print("meter reads per second, 1 core {:>12.0f}  (target >= 20000 on 2 cores)\n",
             static_cast<double>(reads) / s);
  fmt::print("daily reads per second, 1 core {:>12.0f}  (a day of intervals each)\n",
             static_cast<double>(daily_reads) / daily_s);
  fmt::print("bytes per meter (state)        {:>12}\n", per_meter);
  return 0;
}
