#include "net/table_export.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace omni::net {
namespace {

void append_csv_field(std::string& out, std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string cell_text(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  return fmt::format("{}", std::get<double>(cell));  // shortest round-trip form
}

// A temporary file removed when the guard dies.
struct TempFile {
  std::string path;
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "omni-xlsx-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd >= 0) {
      ::close(fd);
      path = pattern;
    }
  }
  ~TempFile() {
    if (!path.empty()) std::filesystem::remove(path);
  }
};

}  // namespace

std::string to_csv(const Table& table) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 BOM: Excel otherwise guesses a legacy code page
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    if (i) out += ',';
    append_csv_field(out, table.columns[i]);
  }
  out += "\r\n";
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      append_csv_field(out, cell_text(row[i]));
    }
    out += "\r\n";
  }
  return out;
}

Result<std::string> to_xlsx(const Table& table) {
  TempFile file;
  if (file.path.empty()) return fail(ErrorCode::Io, "cannot create a temporary file for XLSX");
  lxw_workbook* book = workbook_new(file.path.c_str());
  if (book == nullptr) return fail(ErrorCode::Io, "libxlsxwriter cannot open its output file");
  // Excel limits sheet names to 31 characters and forbids some; the name is ours, kept short.
  std::string sheet_name = table.name.substr(0, 31);
  lxw_worksheet* sheet = workbook_add_worksheet(book, sheet_name.c_str());
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.columns[c].c_str(), bold);
  }
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      const Cell& cell = table.rows[r][c];
      if (const auto* s = std::get_if<std::string>(&cell)) {
        worksheet_write_string(sheet, row, col, s->c_str(), nullptr);
      } else if (const auto* i = std::get_if<std::int64_t>(&cell)) {
        worksheet_write_number(sheet, row, col, static_cast<double>(*i), nullptr);
      } else {
        worksheet_write_number(sheet, row, col, std::get<double>(cell), nullptr);
      }
    }
  }
  if (lxw_error e = workbook_close(book); e != LXW_NO_ERROR) {
    return fail(ErrorCode::Internal, fmt::format("XLSX: {}", lxw_strerror(e)));
  }
  std::ifstream in(file.path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return fail(ErrorCode::Io, "cannot read back the XLSX file");
  return std::move(bytes).str();
}

std::optional<Response> table_response(const Table& table, const Request& request) {
  auto it = request.query.find("format");
  if (it == request.query.end() || it->second == "json") return std::nullopt;
  Response res;
  if (it->second == "csv") {
    res.content_type = "text/csv; charset=utf-8";
    res.body = to_csv(table);
  } else if (it->second == "xlsx") {
    auto bytes = to_xlsx(table);
    if (!bytes) {
      return Response::error(500, error_code_name(bytes.error().code), bytes.error().detail,
                             request.request_id);
    }
    res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    res.body = std::move(*bytes);
  } else {
    return Response::error(400, "bad_format",
                           fmt::format("format must be json, csv or xlsx, not \"{}\"", it->second),
                           request.request_id);
  }
  res.set_header("Content-Disposition",
                 fmt::format("attachment; filename=\"{}.{}\"", table.name, it->second));
  return res;
}

}  // namespace omni::net
