// The decode path of every protocol allocates nothing: a station decodes millions of replies
// a day, and a heap allocation per frame is both slow and a way for a flood of frames to
// fragment memory. Counted with a replacement of the global operator new for this test binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/messages.hpp"
#include "protocol/cjt188/scan.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/objects.hpp"
#include "protocol/dlt698/scan.hpp"
#include "protocol/dlt645/messages.hpp"
#include "protocol/framing/scan.hpp"
#include "support/hex.hpp"

// GCC sees the replacement delete calling free() on memory from (the replacement) new and
// warns once both are inlined; they are a matched pair by construction here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace omni::protocol {
namespace {

// Allocations made while running f.
template <class F>
long allocations_in(F&& f) {
  long before = g_allocations.load();
  f();
  return g_allocations.load() - before;
}

TEST(DecodeAllocations, Dlt645ReadReplyAllocatesNothing) {
  // Source of the frame: dlt645_golden_test.cpp (553668.com worked example, 1206.42 kWh).
  const auto wire = omni::testing::hex("FE FE 68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16");
  std::int64_t mantissa = 0;
  long n = allocations_in([&] {
    for (int i = 0; i < 100; ++i) {
      auto found = scan_dlt645(wire);
      auto frame = dlt645::decode_frame(std::span(wire).subspan(found.skip, found.size));
      auto reply = dlt645::parse_reply(*frame);
      mantissa += dlt645::reply_quantity(*reply)->mantissa();
    }
  });
  EXPECT_EQ(mantissa, 100 * 120642);
  EXPECT_EQ(n, 0);
}

TEST(DecodeAllocations, Cjt188MeterDataAllocatesNothing) {
  // Heat-meter reply from ManThink/TKL-EB-SDK (see cjt188_golden.hpp).
  const auto wire = omni::testing::hex(
      "68 25 12 19 24 18 27 31 00 81 2E 1F 90 03 11 74 02 00 05 88 27 44 05 05 00 00 00 00 17 00 "
      "00 00 00 35 08 56 71 00 2C 79 26 00 64 26 00 66 47 07 11 52 17 03 09 25 20 00 05 2A 16");
  std::int64_t sum = 0;
  long n = allocations_in([&] {
    for (int i = 0; i < 100; ++i) {
      auto found = scan_cjt188(wire);
      auto frame = cjt188::decode_frame(std::span(wire).subspan(found.skip, found.size));
      auto data = cjt188::parse_meter_data(*frame);
      sum += std::get<cjt188::HeatData>(*data).cumulative_flow.value->mantissa();
    }
  });
  EXPECT_EQ(sum, 100 * 715608);
  EXPECT_EQ(n, 0);
}

TEST(DecodeAllocations, Dlt698GetResponseAllocatesNothing) {
  // GET-Response of 00100200, 1234.56 kWh total (see dlt698_golden_test.cpp).
  const auto wire = omni::testing::hex(
      "FE FE 68 34 00 C3 05 00 00 00 00 00 00 00 9C A1 85 01 00 00 10 02 00 01 01 05 06 00 01 "
      "E2 40 06 00 00 27 10 06 00 00 4E 20 06 00 00 75 30 06 00 00 F7 E0 00 00 CC B3 16");
  std::int64_t sum = 0;
  long n = allocations_in([&] {
    for (int i = 0; i < 100; ++i) {
      auto found = scan_dlt698(wire);
      auto frame = dlt698::decode_frame(std::span(wire).subspan(found.skip, found.size));
      auto get = dlt698::decode_get_response(frame->apdu);
      std::array<std::optional<Quantity>, 8> q;
      auto count = dlt698::decode_quantities(get->result.oad, get->result.result.data, q);
      sum += static_cast<std::int64_t>(*count) + q[0]->mantissa();
    }
  });
  EXPECT_EQ(sum, 100 * (5 + 123456));
  EXPECT_EQ(n, 0);
}

TEST(DecodeAllocations, CounterSeesAllocations) {
  // Proves the counter works, so the zero above means something.
  long n = allocations_in([] {
    auto* p = new std::vector<int>(10);
    delete p;
  });
  EXPECT_GE(n, 2);
}

}  // namespace
}  // namespace omni::protocol
