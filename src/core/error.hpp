#pragma once
// Errors as values (docs/architecture.md, "Errors"). Every function on a data path that can
// fail on bad input returns omni::Result<T> instead of throwing: a malformed frame, an unknown
// meter or a failed query is ordinary traffic for a meter-reading system, not an exception.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace omni {

// A small, closed set of error kinds. Callers branch on the code; the detail is for people
// (logs, API messages) and is never parsed.
enum class ErrorCode {
  Malformed,     // input does not follow its grammar (frame layout, JSON, TOML, CSV row)
  BadChecksum,   // checksum, CRC, MAC or digest mismatch
  OutOfRange,    // well-formed but a value is outside what is allowed (BCD digit > 9, month 13)
  Unsupported,   // valid but not implemented here (unknown data identifier, protocol edition)
  NotFound,      // the named thing does not exist (meter, row, file, route)
  Duplicate,     // the thing exists already (unique key, replayed sequence number)
  Timeout,       // no answer within the deadline (the 30 s rule for reads)
  Unauthorized,  // authentication or authorisation failed
  Io,            // the environment failed: disk, socket, database connection
  Busy,          // a limit was reached; retry later (pool exhausted, queue full)
  Config,        // a configuration value is wrong (file, key and reason in the detail)
  Internal,      // a bug: an invariant did not hold
};

// Stable lower-case name of a code ("bad_checksum"), used as a metrics label and in API errors.
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string detail;
  // For decoders: the byte of the input where decoding failed (preamble included), so a field
  // engineer can find the damage in a capture; -1 when it does not apply.
  std::int64_t offset = -1;

  Error() = default;
  Error(ErrorCode c, std::string d) : code(c), detail(std::move(d)) {}

  // "bad_checksum: expected 0x3A, got 0x3B (at byte 14)"
  std::string to_string() const;
};

}  // namespace omni
