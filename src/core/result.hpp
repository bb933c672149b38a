#pragma once
// omni::Result<T>: a value or an omni::Error. tl::expected under C++20 (std::expected needs
// C++23 on g++ 12), aliased so that moving to std::expected later is a one-line change.
//
//   Result<Frame> decode(std::span<const std::uint8_t> bytes);
//   if (auto f = decode(b); !f) log(f.error().to_string()); else use(*f);
//   return omni::fail(ErrorCode::Malformed, "length byte says 12, only 9 left");

#include <tl/expected.hpp>

#include "core/error.hpp"

namespace omni {

template <class T>
using Result = tl::expected<T, Error>;

// Result<void> reads better as Status at call sites that only succeed or fail.
using Status = Result<void>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string detail) {
  return tl::unexpected<Error>(Error{code, std::move(detail)});
}
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

// A decoding failure at byte `offset` of the input.
inline tl::unexpected<Error> fail_at(ErrorCode code, std::size_t offset, std::string detail) {
  Error e{code, std::move(detail)};
  e.offset = static_cast<std::int64_t>(offset);
  return tl::unexpected<Error>(std::move(e));
}

inline Status ok() { return {}; }

}  // namespace omni

// Propagates an error from an expression returning Result<...>, else yields nothing.
//   OMNI_TRY(write_header(out));
#define OMNI_TRY(expr)                                          \
  do {                                                          \
    if (auto omni_try_result_ = (expr); !omni_try_result_) {    \
      return ::omni::fail(std::move(omni_try_result_).error()); \
    }                                                           \
  } while (false)
