#include "core/error.hpp"

namespace omni {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::Malformed:
      return "malformed";
    case ErrorCode::BadChecksum:
      return "bad_checksum";
    case ErrorCode::OutOfRange:
      return "out_of_range";
    case ErrorCode::Unsupported:
      return "unsupported";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::Duplicate:
      return "duplicate";
    case ErrorCode::Timeout:
      return "timeout";
    case ErrorCode::Unauthorized:
      return "unauthorized";
    case ErrorCode::Io:
      return "io";
    case ErrorCode::Busy:
      return "busy";
    case ErrorCode::Config:
      return "config";
    case ErrorCode::Internal:
      return "internal";
  }
  return "internal";
}

std::string Error::to_string() const {
  std::string out(error_code_name(code));
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  if (offset >= 0) {
    out += " (at byte ";
    out += std::to_string(offset);
    out += ')';
  }
  return out;
}

}  // namespace omni
