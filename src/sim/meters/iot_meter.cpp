#include "sim/meters/iot_meter.hpp"

#include "sim/model/random.hpp"

namespace omni::sim {
namespace {
namespace p = protocol::dlt698;
}  // namespace

bool IotMeter698::write_object(p::Writer& w, const p::Oad& oad, UtcTime now) {
  std::int64_t k = interval_of(now);
  auto element = [&](std::size_t count, auto write_one) {
    // Element index 0: the whole array; n: the n-th element alone.
    w.u8(1);
    if (oad.index == 0) {
      w.data_array(count);
      for (std::size_t i = 0; i < count; ++i) write_one(i);
    } else if (oad.index <= count) {
      write_one(oad.index - 1u);
    } else {
      w.data_null();
    }
  };
  switch (oad.value() & 0xFFFFFF00u) {
    case 0x00100200: {
      Registers r = book_.at(meter_.id, k);
      element(5, [&](std::size_t i) {
        std::int64_t wh = i == 0 ? r.total() : r.by_tariff[i - 1];
        (void)w.data_int(p::DataType::DoubleLongUnsigned, wh / 10);
      });
      return true;
    }
    case 0x00200200:
      element(5, [&](std::size_t) { (void)w.data_int(p::DataType::DoubleLongUnsigned, 0); });
      return true;
    case 0x20000200:
    case 0x20010200:
    case 0x20040200: {
      std::int64_t watts = book_.model().usage(meter_, std::max(k - 1, book_.origin())).metered * 4;
      std::uint64_t h =
          hash_keys(book_.model().city().seed, meter_.id, static_cast<std::uint64_t>(k), 0x56);
      std::int64_t volts_x10 = 2200 + static_cast<std::int64_t>(h % 130) - 60;
      std::uint32_t obj = oad.value() & 0xFFFFFF00u;
      std::size_t count = obj == 0x20040200 ? 4 : 3;
      element(count, [&](std::size_t i) {
        bool phase_a = obj == 0x20040200 ? i <= 1 : i == 0;
        if (!phase_a) {
          w.data_null();  // single-phase meter
        } else if (obj == 0x20000200) {
          (void)w.data_int(p::DataType::LongUnsigned, volts_x10);
        } else if (obj == 0x20010200) {
          (void)w.data_int(p::DataType::DoubleLong, watts * 10000 / volts_x10);  // mA
        } else {
          (void)w.data_int(p::DataType::DoubleLong, watts * 10);  // 0.1 W
        }
      });
      return true;
    }
    default:
      return Dlt698Device::write_object(w, oad, now);
  }
}

}  // namespace omni::sim
