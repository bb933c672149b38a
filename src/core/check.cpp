#include "core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace omni::detail {

void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "omnimeter: internal check failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}

}  // namespace omni::detail
