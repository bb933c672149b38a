#include "core/money.hpp"

#include <fmt/format.h>

namespace omni {

std::string Fen::to_yuan_string() const {
  // Through Quantity's formatting so the sign and INT64_MIN are handled once.
  return Quantity(value, 2, Unit::None).to_decimal_string();
}

Result<Fen> Fen::parse_yuan(std::string_view yuan) {
  auto q = Quantity::parse(yuan, Unit::None);
  if (!q) return fail(q.error());
  if (q->scale() > 2) {
    return fail(ErrorCode::Malformed,
                fmt::format("\"{}\": money has at most two decimals (fen)", yuan));
  }
  auto fen = q->rescaled(2, Rounding::Down);  // exact: only adds zeros
  if (!fen) return fail(fen.error());
  return Fen{fen->mantissa()};
}

Result<Price> Price::parse(std::string_view yuan, Unit per_unit) {
  auto q = Quantity::parse(yuan, Unit::None);
  if (!q) return fail(q.error());
  if (q->scale() > 4) {
    return fail(ErrorCode::OutOfRange,
                fmt::format("\"{}\": prices have at most four decimals", yuan));
  }
  auto p = q->rescaled(4, Rounding::Down);
  if (!p) return fail(p.error());
  return Price{p->mantissa(), per_unit};
}

std::string Price::to_string() const {
  return fmt::format("{} yuan/{}",
                     Quantity(ten_thousandths_yuan, 4, Unit::None).to_decimal_string(),
                     unit_symbol(per_unit));
}

Result<Fen> charge(const Quantity& usage, const Price& price, Rounding rounding) {
  // Keep all of the usage's decimals in the price's unit (up to 18), then one rounding to fen:
  // fen = usage_mantissa * 10^-s * price * 10^-4 * 100.
  int scale = std::min(kMaxScale, usage.scale() + 3);  // kWh->Wh style conversions need room
  auto in_unit = usage.unit() == price.per_unit
                     ? Result<Quantity>(usage)
                     : usage.converted(price.per_unit, scale, Rounding::HalfEven);
  if (!in_unit) return fail(in_unit.error());
  Int128 product = static_cast<Int128>(in_unit->mantissa()) * price.ten_thousandths_yuan;
  // product has scale s + 4 in yuan; fen is scale 2.
  int drop = in_unit->scale() + 4 - 2;
  Int128 den = 1;
  for (int i = 0; i < drop; ++i) den *= 10;
  Int128 fen = divide_rounded(product, den, rounding);
  if (fen > INT64_MAX || fen < INT64_MIN) {
    return fail(ErrorCode::OutOfRange, "the charge does not fit a 64-bit amount");
  }
  return Fen{static_cast<std::int64_t>(fen)};
}

}  // namespace omni
