#pragma once
// An exact fixed-point physical quantity: an int64 mantissa, a number of decimal places and a
// unit. Meter registers, interval usage and tariffs are Quantities, never doubles: a register of
// 12345.67 kWh is {1234567, 2, kWh}, and sums of millions of readings stay exact to the last
// digit the meter sent.
//
//   Quantity a{1234567, 2, Unit::kWh};                    // 12345.67 kWh
//   auto b = Quantity::parse("0.5", Unit::kWh);           // Result<Quantity>: 0.5 kWh
//   auto sum = a.add(*b);                                 // Result: 12346.17 kWh (scale 2)
//   auto gj = a.converted(Unit::GJ, 6, Rounding::HalfEven);  // 44.444412 GJ
//
// Arithmetic returns Result because it can fail on real data: different units (Unsupported),
// int64 overflow (OutOfRange). Rounding happens only where asked for, in the mode given.
// Intermediate products use 128-bit integers, so a conversion rounds once, at the end.
//
// Thread safety: a value type; safe to copy and share read-only.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/units.hpp"

namespace omni {

enum class Rounding {
  Down,      // toward zero (truncate)
  Up,        // away from zero
  Floor,     // toward negative infinity
  Ceiling,   // toward positive infinity
  HalfUp,    // nearest; ties away from zero (the usual commercial rounding, 四舍五入)
  HalfEven,  // nearest; ties to the even neighbour (banker's rounding)
};

inline constexpr int kMaxScale = 18;

// 128-bit integers for exact intermediate products (a GCC/Clang extension; __extension__ keeps
// -Wpedantic quiet about it).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

class Quantity {
 public:
  constexpr Quantity() = default;
  // REQUIRES: 0 <= scale <= kMaxScale (use make() for untrusted input).
  constexpr Quantity(std::int64_t mantissa, int scale, Unit unit)
      : mantissa_(mantissa), scale_(static_cast<std::int8_t>(scale)), unit_(unit) {}
  // Errors: OutOfRange when scale is outside 0..18.
  static Result<Quantity> make(std::int64_t mantissa, int scale, Unit unit);
  // "-12.340" -> {-12340, 3}. Errors: Malformed (not a plain decimal: no exponent, no
  // thousands separator), OutOfRange (more than 18 decimals, or beyond int64).
  static Result<Quantity> parse(std::string_view decimal, Unit unit);

  std::int64_t mantissa() const { return mantissa_; }
  int scale() const { return scale_; }
  Unit unit() const { return unit_; }
  bool is_zero() const { return mantissa_ == 0; }

  // "12.340 kWh" (no exponent, trailing zeros kept: they are the meter's resolution).
  std::string to_string() const;
  // The number alone: "12.340".
  std::string to_decimal_string() const;
  // For charts and statistics only: loses exactness beyond 2^53.
  double to_double() const;

  // Same value with another number of decimals; more decimals are exact, fewer are rounded.
  Result<Quantity> rescaled(int new_scale, Rounding rounding) const;
  // Into another unit of the same dimension (or °C <-> K), rounded once to `scale` decimals.
  // Errors: Unsupported (dimensions differ), OutOfRange (does not fit).
  Result<Quantity> converted(Unit target, int scale, Rounding rounding) const;

  // Exact; the result has the larger scale. Errors: Unsupported (units differ), OutOfRange.
  Result<Quantity> add(const Quantity& other) const;
  Result<Quantity> sub(const Quantity& other) const;
  // By an integer (a CT/PT multiplier, a count). Errors: OutOfRange.
  Result<Quantity> multiplied(std::int64_t factor) const;
  // By a dimensionless ratio (unit None), rounded to `scale`: a loss factor, a coal coefficient
  // applied before the unit change. Errors: Unsupported (ratio has a unit), OutOfRange.
  Result<Quantity> multiplied(const Quantity& ratio, int scale, Rounding rounding) const;
  Quantity negated() const { return {-mantissa_, scale_, unit_}; }

  // Exact comparison across scales: -1, 0, 1. Errors: Unsupported (units differ).
  Result<int> compare_to(const Quantity& other) const;
  // Same unit and same value (1.5 == 1.50). Different units are never equal.
  bool operator==(const Quantity& other) const;
  // REQUIRES: same unit (checked: a programming error otherwise). Use compare_to() for data.
  std::strong_ordering operator<=>(const Quantity& other) const;

 private:
  std::int64_t mantissa_ = 0;
  std::int8_t scale_ = 0;
  Unit unit_ = Unit::None;
};

// 10^n for 0 <= n <= 18.
std::int64_t pow10_i64(int n);

// num / den rounded as told; den must be positive. Used by Quantity and Money.
Int128 divide_rounded(Int128 num, Int128 den, Rounding rounding);

}  // namespace omni
