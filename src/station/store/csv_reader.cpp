#include "station/store/csv_reader.hpp"

namespace omni::station {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

Result<std::optional<CsvRecord>> CsvReader::next() {
  if (pos_ >= text_.size()) return std::optional<CsvRecord>{};
  CsvRecord record;
  record.line = line_;
  std::string field;
  // Skips to the start of the next physical line, so one damaged line costs one report.
  auto give_up = [&](std::string reason) -> Result<std::optional<CsvRecord>> {
    std::size_t end = text_.find('\n', pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    error_line_ = line_;
    ++line_;
    return fail(ErrorCode::Malformed, std::move(reason));
  };
  for (;;) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      // Quoted field: up to the closing quote; "" is one quote; line breaks are data.
      std::size_t start_line = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < text_.size()) {
        char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field += '"';
            ++pos_;
            continue;
          }
          closed = true;
          break;
        }
        if (c == '\n') ++line_;
        field += c;
      }
      if (!closed) {
        error_line_ = start_line;
        pos_ = text_.size();
        return fail(ErrorCode::Malformed, "a quoted field is never closed");
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
        return give_up("text after the closing quote of a field");
      }
    } else {
      while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == ',' || c == '\n' ||
            (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) {
          break;
        }
        if (c == '"') return give_up("a quote inside an unquoted field (quote the whole field)");
        field += c;
        ++pos_;
      }
    }
    record.fields.push_back(std::move(field));
    field.clear();
    if (pos_ >= text_.size()) break;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    // End of the record: CRLF or LF.
    if (text_[pos_] == '\r') ++pos_;
    ++pos_;
    ++line_;
    break;
  }
  return std::optional<CsvRecord>{std::move(record)};
}

}  // namespace omni::station
