#pragma once
// The source of "now", injected so tests and the simulator control time (LevelDB's Env idea):
// production code takes a Clock&, tests pass a FakeClock and advance it instead of sleeping.

#include <atomic>

#include "core/time.hpp"

namespace omni {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcTime now() const = 0;
};

// The host's clock (kept right by NTP/chrony on a real station).
class SystemClock final : public Clock {
 public:
  UtcTime now() const override;
  static SystemClock& instance();
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UtcTime start = {}) : seconds_(start.seconds) {}
  UtcTime now() const override { return {seconds_.load()}; }
  void set(UtcTime t) { seconds_.store(t.seconds); }
  void advance(std::int64_t seconds) { seconds_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> seconds_;
};

}  // namespace omni
