#pragma once
// A strict RFC 4180 reader for the files operators bring to the station (the utility's archive):
// fields separated by commas, records by CRLF or LF, fields optionally in double quotes with
// inner quotes doubled; a quoted field may hold commas and line breaks. A UTF-8 byte-order mark
// at the start (Excel writes one) is skipped.
//
//   CsvReader reader(text);
//   while (auto record = reader.next()) {       // Result<std::optional<CsvRecord>>
//     if (!*record) break;                      // end of input
//     use((*record)->line, (*record)->fields);
//   }
//
// Thread safety: a reader is used by one thread; it views `text`, which must outlive it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace omni::station {

struct CsvRecord {
  std::size_t line = 0;  // 1-based physical line where the record starts
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // The next record; nullopt at the end of the input. A blank line is a record with one empty
  // field (callers decide whether that is an error). Errors: Malformed (a quote inside an
  // unquoted field, text after a closing quote, a quoted field never closed), the detail the
  // reason and error_line() the line. After an error the reader resumes at the next line, so
  // every bad line can be reported.
  Result<std::optional<CsvRecord>> next();
  std::size_t error_line() const { return error_line_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t error_line_ = 0;
};

}  // namespace omni::station
