#include "core/quantity.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/check.hpp"

namespace omni {
namespace {

constexpr std::int64_t kPow10[] = {1,
                                   10,
                                   100,
                                   1'000,
                                   10'000,
                                   100'000,
                                   1'000'000,
                                   10'000'000,
                                   100'000'000,
                                   1'000'000'000,
                                   10'000'000'000,
                                   100'000'000'000,
                                   1'000'000'000'000,
                                   10'000'000'000'000,
                                   100'000'000'000'000,
                                   1'000'000'000'000'000,
                                   10'000'000'000'000'000,
                                   100'000'000'000'000'000,
                                   1'000'000'000'000'000'000};

bool fits_i64(Int128 v) {
  return v >= std::numeric_limits<std::int64_t>::min() &&
         v <= std::numeric_limits<std::int64_t>::max();
}

Int128 abs128(Int128 v) { return v < 0 ? -v : v; }

Int128 gcd128(Int128 a, Int128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    Int128 t = a % b;
    a = b;
    b = t;
  }
  return a == 0 ? 1 : a;
}

Error overflow(std::string_view what) {
  return {ErrorCode::OutOfRange, fmt::format("{} does not fit a 64-bit register", what)};
}

Error unit_mismatch(const Quantity& a, const Quantity& b) {
  return {ErrorCode::Unsupported,
          fmt::format("units differ: {} and {}", unit_symbol(a.unit()), unit_symbol(b.unit()))};
}

bool valid_scale(int s) { return s >= 0 && s <= kMaxScale; }

}  // namespace

std::int64_t pow10_i64(int n) {
  OMNI_CHECK(n >= 0 && n <= kMaxScale);
  return kPow10[n];
}

Int128 divide_rounded(Int128 num, Int128 den, Rounding rounding) {
  OMNI_CHECK(den > 0);
  Int128 q = num / den;  // truncated toward zero
  Int128 r = num % den;  // same sign as num
  if (r == 0) return q;
  bool negative = num < 0;
  Int128 twice = abs128(r) * 2;
  bool away = false;  // move one step away from zero?
  switch (rounding) {
    case Rounding::Down:
      away = false;
      break;
    case Rounding::Up:
      away = true;
      break;
    case Rounding::Floor:
      away = negative;
      break;
    case Rounding::Ceiling:
      away = !negative;
      break;
    case Rounding::HalfUp:
      away = twice >= den;
      break;
    case Rounding::HalfEven:
      away = twice > den || (twice == den && (q % 2 != 0));
      break;
  }
  return away ? (negative ? q - 1 : q + 1) : q;
}

Result<Quantity> Quantity::make(std::int64_t mantissa, int scale, Unit unit) {
  if (!valid_scale(scale)) {
    return fail(ErrorCode::OutOfRange, fmt::format("scale {} is outside 0..{}", scale, kMaxScale));
  }
  return Quantity(mantissa, scale, unit);
}

Result<Quantity> Quantity::parse(std::string_view text, Unit unit) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  Int128 mantissa = 0;
  int scale = 0;
  bool dot = false;
  std::size_t digits = 0;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') {
      return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a decimal number", text));
    }
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
    if (dot) ++scale;
    if (scale > kMaxScale) {
      return fail(ErrorCode::OutOfRange,
                  fmt::format("\"{}\" has more than {} decimals", text, kMaxScale));
    }
    if (mantissa > std::numeric_limits<std::int64_t>::max()) {
      return fail(overflow(fmt::format("\"{}\"", text)));
    }
  }
  if (digits == 0) {
    return fail(ErrorCode::Malformed, fmt::format("\"{}\" is not a decimal number", text));
  }
  return Quantity(static_cast<std::int64_t>(negative ? -mantissa : mantissa), scale, unit);
}

std::string Quantity::to_decimal_string() const {
  // Digits are written backwards into a fixed buffer: 20 digits, a point, up to 18 leading
  // zeros and a sign fit in 48 bytes. Through unsigned 128 bits so INT64_MIN prints correctly.
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  bool negative = mantissa_ < 0;
  UInt128 magnitude = negative ? static_cast<UInt128>(-static_cast<Int128>(mantissa_))
                               : static_cast<UInt128>(mantissa_);
  int written = 0;
  do {
    if (scale_ > 0 && written == scale_) *--p = '.';
    *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
    ++written;
  } while (magnitude != 0 || written <= scale_);
  if (negative) *--p = '-';
  return std::string(p, static_cast<std::size_t>(end - p));
}

std::string Quantity::to_string() const {
  std::string out = to_decimal_string();
  if (unit_ != Unit::None) {
    out += ' ';
    out += unit_symbol(unit_);
  }
  return out;
}

double Quantity::to_double() const {
  return static_cast<double>(mantissa_) / static_cast<double>(kPow10[scale_]);
}

Result<Quantity> Quantity::rescaled(int new_scale, Rounding rounding) const {
  if (!valid_scale(new_scale)) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("scale {} is outside 0..{}", new_scale, kMaxScale));
  }
  Int128 m = mantissa_;
  if (new_scale >= scale_) {
    m *= kPow10[new_scale - scale_];
  } else {
    m = divide_rounded(m, kPow10[scale_ - new_scale], rounding);
  }
  if (!fits_i64(m)) return fail(overflow(to_string()));
  return Quantity(static_cast<std::int64_t>(m), new_scale, unit_);
}

Result<Quantity> Quantity::converted(Unit target, int scale, Rounding rounding) const {
  if (!valid_scale(scale)) {
    return fail(ErrorCode::OutOfRange, fmt::format("scale {} is outside 0..{}", scale, kMaxScale));
  }
  const UnitInfo& from = unit_info(unit_);
  const UnitInfo& to = unit_info(target);
  if (from.dimension != to.dimension) {
    return fail(ErrorCode::Unsupported, fmt::format("cannot convert {} to {}", from.symbol,
                                                    to.symbol.empty() ? "no unit" : to.symbol));
  }
  if (from.dimension == Dimension::Temperature && unit_ != target) {
    // K = °C + 273.15, done at a common scale of at least 2 decimals, rounded once.
    int common = std::max({static_cast<int>(scale_), scale, 2});
    Int128 v = static_cast<Int128>(mantissa_) * kPow10[common - scale_];
    Int128 offset = static_cast<Int128>(27315) * kPow10[common - 2];
    v += target == Unit::K ? offset : -offset;
    Int128 m = divide_rounded(v, kPow10[common - scale], rounding);
    if (!fits_i64(m)) return fail(overflow(to_string()));
    return Quantity(static_cast<std::int64_t>(m), scale, target);
  }
  // result = m * 10^scale * from.num * to.den / (10^scale_ * from.den * to.num), reduced first so
  // that the 128-bit product cannot overflow for any pair of units in the table.
  Int128 num = static_cast<Int128>(kPow10[scale]) * from.numerator * to.denominator;
  Int128 den = static_cast<Int128>(kPow10[scale_]) * from.denominator * to.numerator;
  Int128 g = gcd128(num, den);
  num /= g;
  den /= g;
  Int128 product = 0;
  if (__builtin_mul_overflow(static_cast<Int128>(mantissa_), num, &product)) {
    return fail(overflow(to_string()));
  }
  Int128 m = divide_rounded(product, den, rounding);
  if (!fits_i64(m)) return fail(overflow(to_string()));
  return Quantity(static_cast<std::int64_t>(m), scale, target);
}

Result<Quantity> Quantity::add(const Quantity& other) const {
  if (unit_ != other.unit_) return fail(unit_mismatch(*this, other));
  int s = std::max(scale_, other.scale_);
  Int128 a = static_cast<Int128>(mantissa_) * kPow10[s - scale_];
  Int128 b = static_cast<Int128>(other.mantissa_) * kPow10[s - other.scale_];
  Int128 sum = a + b;
  if (!fits_i64(sum)) return fail(overflow("the sum"));
  return Quantity(static_cast<std::int64_t>(sum), s, unit_);
}

Result<Quantity> Quantity::sub(const Quantity& other) const { return add(other.negated()); }

Result<Quantity> Quantity::multiplied(std::int64_t factor) const {
  Int128 p = static_cast<Int128>(mantissa_) * factor;
  if (!fits_i64(p)) return fail(overflow("the product"));
  return Quantity(static_cast<std::int64_t>(p), scale_, unit_);
}

Result<Quantity> Quantity::multiplied(const Quantity& ratio, int scale, Rounding rounding) const {
  if (ratio.unit_ != Unit::None) {
    return fail(ErrorCode::Unsupported,
                fmt::format("a ratio has no unit (got {})", unit_symbol(ratio.unit_)));
  }
  if (!valid_scale(scale)) {
    return fail(ErrorCode::OutOfRange, fmt::format("scale {} is outside 0..{}", scale, kMaxScale));
  }
  // mantissa product has scale_ + ratio.scale_ decimals (at most 36: still fits 128 bits).
  Int128 p = static_cast<Int128>(mantissa_) * ratio.mantissa_;
  int have = scale_ + ratio.scale_;
  Int128 m = 0;
  if (scale >= have) {
    if (__builtin_mul_overflow(p, static_cast<Int128>(kPow10[scale - have]), &m)) {
      return fail(overflow("the product"));
    }
  } else {
    int drop = have - scale;
    // 10^drop may exceed 10^18 (up to 10^36): divide in two steps without losing the rounding.
    Int128 den = 1;
    for (int i = 0; i < drop; ++i) den *= 10;
    m = divide_rounded(p, den, rounding);
  }
  if (!fits_i64(m)) return fail(overflow("the product"));
  return Quantity(static_cast<std::int64_t>(m), scale, unit_);
}

Result<int> Quantity::compare_to(const Quantity& other) const {
  if (unit_ != other.unit_) return fail(unit_mismatch(*this, other));
  int s = std::max(scale_, other.scale_);
  Int128 a = static_cast<Int128>(mantissa_) * kPow10[s - scale_];
  Int128 b = static_cast<Int128>(other.mantissa_) * kPow10[s - other.scale_];
  return a < b ? -1 : (a > b ? 1 : 0);
}

bool Quantity::operator==(const Quantity& other) const {
  auto c = compare_to(other);
  return c && *c == 0;
}

std::strong_ordering Quantity::operator<=>(const Quantity& other) const {
  auto c = compare_to(other);
  OMNI_CHECK(c.has_value());
  return *c <=> 0;
}

}  // namespace omni
