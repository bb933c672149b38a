#pragma once
// Money in fen (分, 1/100 yuan) as an integer, and tariffs in 1/10000 yuan per unit.
//
// Bills are sums of charges; each charge is rounded to fen exactly once, in a stated mode, so a
// bill recomputed anywhere gives the same fen. Tariffs need four decimals (0.4883 yuan/kWh is a
// Beijing residential tier-1 price), so prices are kept in ten-thousandths of a yuan.
//
// Thread safety: value types.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/quantity.hpp"
#include "core/result.hpp"

namespace omni {

struct Fen {
  std::int64_t value = 0;

  Fen operator+(Fen o) const { return {value + o.value}; }
  Fen operator-(Fen o) const { return {value - o.value}; }
  Fen& operator+=(Fen o) {
    value += o.value;
    return *this;
  }
  auto operator<=>(const Fen&) const = default;

  // "-12.05" (yuan with two decimals, no currency sign).
  std::string to_yuan_string() const;
  // "12.5" -> 1250 fen. Errors: Malformed (not a decimal, or more than two decimals),
  // OutOfRange.
  static Result<Fen> parse_yuan(std::string_view yuan);
};

// A unit price: yuan per `per_unit`, with four decimals.
struct Price {
  std::int64_t ten_thousandths_yuan = 0;  // 0.4883 yuan -> 4883
  Unit per_unit = Unit::kWh;

  // "0.4883" yuan per unit. Errors: Malformed, OutOfRange (more than four decimals).
  static Result<Price> parse(std::string_view yuan, Unit per_unit);
  std::string to_string() const;  // "0.4883 yuan/kWh"
  bool operator==(const Price&) const = default;
};

// usage × price, rounded once to fen. The usage is converted exactly into the price's unit first
// (an m³ price applies to a register in L). Errors: Unsupported (dimensions differ), OutOfRange.
Result<Fen> charge(const Quantity& usage, const Price& price, Rounding rounding);

}  // namespace omni
