// Decode and encode throughput of each protocol's common read reply, on one core.
//
//   protocol_bench [seconds per case]     (default 1.0)
//
// Targets (issue 3): >= 10 million DL/T 645 read replies decoded per second, >= 3 million
// DL/T 698.45 GET replies per second. "decode" is what a station does with a reply: find the
// frame, check it, take the identifier and turn the value into a Quantity.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/messages.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/objects.hpp"

namespace {

using namespace omni;
using namespace omni::protocol;
using Clock = std::chrono::steady_clock;

// Keeps the optimiser from dropping work whose result is otherwise unused.
volatile std::int64_t g_sink = 0;

struct Case {
  std::string name;
  double target_per_second;  // 0 = no target
  std::function<std::int64_t()> run_once;
};

double measure(const Case& c, double seconds) {
  std::int64_t done = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int i = 0; i < 1000; ++i) g_sink = g_sink + c.run_once();
    done += 1000;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(done) / elapsed;
}

std::vector<std::uint8_t> bytes_of(const Result<dlt645::Frame>& f) {
  std::vector<std::uint8_t> out;
  if (!f || !dlt645::encode_frame(*f, out)) {
    fmt::print(stderr, "cannot build the sample frame\n");
    std::exit(1);
  }
  return out;
}

std::vector<Case> dlt645_cases() {
  auto meter = *MeterAddress::from_digits("000102030425");
  const std::uint8_t value[4] = {0x42, 0x06, 0x12, 0x00};  // 1206.42 kWh
  static const auto wire = bytes_of(dlt645::read_reply(meter, 0x00010000, value));
  static std::vector<std::uint8_t> out;
  out.reserve(64);
  return {
      {"DL/T 645 read reply: decode + value", 10e6,
       [] {
         auto frame = dlt645::decode_frame(wire);
         auto reply = dlt645::parse_reply(*frame);
         return dlt645::reply_quantity(*reply)->mantissa();
       }},
      {"DL/T 645 read request: build + encode", 0,
       [meter] {
         out.clear();
         (void)dlt645::encode_frame(dlt645::read_request(meter, 0x00010000), out, 4);
         return static_cast<std::int64_t>(out.size());
       }},
  };
}

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::vector<Case> cjt188_cases() {
  // Water-meter 901F reply (fox-edge-server-protocol example, see cjt188_golden.hpp).
  static const auto water = hex(
      "68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C 31 01 22 11 05 15 20 "
      "21 84 13 16");
  return {
      {"CJ/T 188 water 901F reply: decode + values", 0,
       [] {
         auto frame = cjt188::decode_frame(water);
         auto data = cjt188::parse_meter_data(*frame);
         return std::get<cjt188::WaterGasData>(*data).current.value->mantissa();
       }},
  };
}

std::vector<Case> dlt698_cases() {
  // GET-Response of 00100200: total + 4 tariffs (dlt698_golden_test.cpp, GetForwardActiveEnergyArray).
  static const auto reply = hex(
      "68 34 00 C3 05 00 00 00 00 00 00 00 9C A1 85 01 00 00 10 02 00 01 01 05 06 00 01 "
      "E2 40 06 00 00 27 10 06 00 00 4E 20 06 00 00 75 30 06 00 00 F7 E0 00 00 CC B3 16");
  static std::vector<std::uint8_t> out;
  out.reserve(64);
  return {
      {"DL/T 698.45 GET reply (00100200): decode + 5 values", 3e6,
       [] {
         auto frame = dlt698::decode_frame(reply);
         auto get = dlt698::decode_get_response(frame->apdu);
         std::array<std::optional<Quantity>, 8> q;
         (void)dlt698::decode_quantities(get->result.oad, get->result.result.data, q);
         return q[0]->mantissa();
       }},
      {"DL/T 698.45 GET request: build + encode", 0,
       [] {
         dlt698::GetRequest get;
         get.piid = 1;
         get.oad = dlt698::Oad{0x0010, 0x02, 0x00};
         std::vector<std::uint8_t> apdu;
         dlt698::encode(get, apdu);
         dlt698::Frame f;
         f.server_address = *MeterAddress::from_digits("000000000001");
         f.apdu = apdu;
         out.clear();
         (void)dlt698::encode_frame(f, out);
         return static_cast<std::int64_t>(out.size());
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  std::vector<Case> cases = dlt645_cases();
  for (auto& c : cjt188_cases()) cases.push_back(std::move(c));
  for (auto& c : dlt698_cases()) cases.push_back(std::move(c));
  fmt::print("{:<48} {:>14} {:>14}  {}\n", "case", "frames/s", "target", "");
  for (const auto& c : cases) {
    double rate = measure(c, seconds);
    std::string target = c.target_per_second > 0 ? fmt::format("{:.0f}", c.target_per_second) : "-";
    const char* verdict = c.target_per_second <= 0            ? ""
                          : rate >= c.target_per_second ? "met"
                                                        : "NOT MET";
    fmt::print("{:<48} {:>14.0f} {:>14}  {}\n", c.name, rate, target, verdict);
  }
  return 0;
}
