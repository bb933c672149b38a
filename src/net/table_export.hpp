#pragma once
// Every table the APIs show can be downloaded (P-STAT, P-REG: "CSV and Excel export of every
// table"). A handler builds a Table once and answers in the format the request asks for.
//
//   net::Table t{"losses", {"supply", "loss"}, {}};
//   t.rows.push_back({std::string("110105…"), 12.5});
//   return net::table_response(t, request);   // ?format=csv | xlsx, else the caller's JSON
//
// CSV: RFC 4180, UTF-8 with a byte-order mark so that Excel opens Chinese text correctly.
// XLSX: one worksheet, a bold header row, numbers as numbers (sums work in Excel).
//
// Thread safety: pure functions (to_xlsx uses a private temporary file per call).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "net/http.hpp"

namespace omni::net {

using Cell = std::variant<std::string, std::int64_t, double>;

struct Table {
  std::string name;                  // the download's file name, without extension
  std::vector<std::string> columns;  // header row
  std::vector<std::vector<Cell>> rows;
};

std::string to_csv(const Table& table);
// Errors: Io (the temporary file), Internal (libxlsxwriter refused the data).
Result<std::string> to_xlsx(const Table& table);

// The table as an attachment when the request's `format` query parameter is csv or xlsx;
// nullopt when it is absent or "json" (the caller answers with its JSON); a 400 for any other.
std::optional<Response> table_response(const Table& table, const Request& request);

}  // namespace omni::net
