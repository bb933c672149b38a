#pragma once
// Import of the utility's customer archive (营销系统档案) into the station: for every metering
// point its base information code, device address, energy, protocol, concentrator, parent
// supply meter, customer type, industry, key-user flag, meter type, multiplier, installation,
// and the names of its district, street and community. The file is the CSV that
// `omnimeter sim archive` writes (columns in src/sim/archive/archive.hpp); a utility's own
// export works the same way.
//
// All or nothing: every row is validated first, every problem is reported as
// "line N: column: reason", and if there is any, nothing is written. An import is idempotent:
// a row equal to what is stored changes nothing; a changed row (or region name) gets a new
// change sequence number, which makes it an archive change the exporter sends to the cloud.
// Points are never deleted by an import (a utility sends partial files): a dismantled meter is
// a row with `removed` set.
//
// Columns are found by the header row's names, in any order. Required: base_code, address,
// energy, protocol, customer_type, installed, district, street, community. Optional (absent or
// empty means the default): concentrator, parent_code (a supply meter, room 0000, of the same
// energy, in the file or already archived), industry (blank for households and only for them),
// key_user (false), remote (true), meter_type (the energy's CJ/T 188 family head: water 0x10,
// heat 0x20, gas 0x30, electricity 0x40), multiplier (1; other values for electricity only),
// removed, latitude and longitude (both or neither). Unknown columns are refused (a misspelt
// column would silently be lost). These are the rules of the exchange format's B record
// (docs/exchange-format.md), so every imported point can be exported.
//
// Thread safety: functions; import_archive uses the Database from the calling thread, and an
// import and the exporter exclude each other through the export_state lock row.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "exchange/records.hpp"
#include "storage/database.hpp"

namespace omni::station {

// One metering point of the file.
struct ArchivePoint {
  std::size_t line = 0;
  exchange::MeterRecord record;  // code, address, parent, customer, industry, key user, remote,
                                 // meter type, multiplier, installed, removed
  std::string protocol;          // dlt645-2007 | dlt645-1997 | dlt698 | cjt188-2004 | cjt188-2018
  std::optional<MeterAddress> concentrator;
};

// A region named by the file: district (6 digits), street (9) or community (12). Coordinates in
// micro-degrees (WGS-84), as stored.
struct ArchiveRegion {
  std::size_t line = 0;  // where it first appears
  exchange::RegionLevel level = exchange::RegionLevel::District;
  std::string name;
  std::optional<std::int64_t> latitude_e6, longitude_e6;
};

struct ImportProblem {
  std::size_t line = 0;  // 1-based; the header is line 1
  std::string column;
  std::string reason;
  std::string to_string() const;  // "line 7: parent_code: not in the file nor in the archive"
};

struct ParsedArchive {
  std::vector<ArchivePoint> points;              // the rows without problems
  std::set<std::string> codes;                   // every base code that parsed, bad rows' too
  std::map<std::string, ArchiveRegion> regions;  // by region code
  std::vector<ImportProblem> problems;           // in line order
};

// Reads and validates the file on its own (everything but what needs the database: parents
// that are only in the archive already, addresses owned by another code there).
ParsedArchive parse_archive_csv(std::string_view text);

enum class ImportMode { Apply, DryRun };

struct ImportCounts {
  std::int64_t added = 0;
  std::int64_t changed = 0;
  std::int64_t unchanged = 0;
};

struct ImportReport {
  std::vector<ImportProblem> problems;  // when not empty nothing was written
  ImportCounts points;
  ImportCounts regions;
  bool written = false;  // Apply without problems: committed
};

// Validates `csv` against itself and the stored archive and, in Apply mode when there is no
// problem, writes new and changed points and regions in one transaction. DryRun reads only.
// The station schema (migration step 3) must be in place. Errors: whatever the database
// returns (Io, Busy, …); bad rows are not errors but problems in the report.
Result<ImportReport> import_archive(storage::Database& db, std::string_view csv, ImportMode mode,
                                    UtcTime now);

}  // namespace omni::station
