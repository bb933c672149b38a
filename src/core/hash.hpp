#pragma once
// Small non-cryptographic mixing for deterministic randomness (simulation, jitter). Not for
// anything an attacker may choose: use SM3 (crypto/sm3.hpp) there.

#include <cstdint>

namespace omni {

// The splitmix64 finaliser: a bijective 64-bit mix with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace omni
