#pragma once
// Invariant checks for programmer errors, never for bad input (bad input gets an omni::Error).
//   OMNI_CHECK(cond)  always on; prints the location and aborts.
//   OMNI_ASSERT(cond) debug builds only.

namespace omni::detail {
[[noreturn]] void check_failed(const char* expr, const char* file, int line);
}  // namespace omni::detail

#define OMNI_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::omni::detail::check_failed(#cond, __FILE__, __LINE__))

#ifdef NDEBUG
#define OMNI_ASSERT(cond) static_cast<void>(0)
#else
#define OMNI_ASSERT(cond) OMNI_CHECK(cond)
#endif
