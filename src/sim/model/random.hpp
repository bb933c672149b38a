#pragma once
// Deterministic randomness for the simulator. Everything the simulated city does is a pure
// function of (seed, who, when), so the same seed gives the same bytes on every machine and a
// year of history can be computed for any meter without replaying the others.
//
// std::mt19937 with std::*_distribution is not used: the distributions are implementation-defined,
// which would make "same seed => same bytes" depend on the standard library.

#include <cmath>
#include <cstdint>

#include "core/hash.hpp"

namespace omni::sim {

using omni::mix64;

// A key for (seed, a, b, c): one random draw addressed by who and when.
constexpr std::uint64_t hash_keys(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                  std::uint64_t c = 0) {
  return mix64(mix64(mix64(seed ^ mix64(a)) ^ b) ^ (c * 0xD6E8FEB86659FD93ull));
}

// [0, 1) from the top 53 bits.
constexpr double unit_double(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// A small sequential generator (splitmix64) for building the city.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return unit_double(next()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // An integer in [0, n); n > 0. The tiny modulo bias is irrelevant for a simulation.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box–Muller with the library's log/cos, which are correctly rounded enough
  // on every platform we build for; determinism is per build, bit-exactness is not promised
  // across libm versions).
  double normal() {
    double u1 = 1.0 - uniform();  // (0, 1]
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace omni::sim
