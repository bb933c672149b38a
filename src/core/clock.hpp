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

// Simulated time for demos and end-to-end tests: starts at `start` and runs `speed` times as
// fast as the host's steady clock (speed 3600: an hour a second). The station and the field
// simulator configured with the same start and speed agree on the time.
class ScaledClock final : public Clock {
 public:
  ScaledClock(UtcTime start, double speed);
  UtcTime now() const override;

 private:
  UtcTime start_;
  double speed_;
  std::int64_t steady_start_ns_;
};

}  // namespace omni
