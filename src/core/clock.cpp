#include "core/clock.hpp"

#include <chrono>

namespace omni {

UtcTime SystemClock::now() const {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::seconds>(since).count()};
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}



ScaledClock::ScaledClock(UtcTime start, double speed)
    : start_(start),
      speed_(speed),
      steady_start_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count()) {}

UtcTime ScaledClock::now() const {
  std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count() -
                    steady_start_ns_;
  return {start_.seconds + static_cast<std::int64_t>(static_cast<double>(ns) * 1e-9 * speed_)};
}

}  // namespace omni
