#pragma once
// A batch: the unit of station → cloud exchange, the same bytes as a file (file transfer,
// remote file read, the gateway's drop folder) and as the body of a data-service API call.
//
// Text, UTF-8, one record per line, '|' between fields (docs/exchange-format.md):
//
//   OMX|1|<station id>|<sequence>|<created, RFC 3339 UTC>|<record count>|<SM3 of the body, hex>
//   R|…   region          B|…   metering point      E|…   reading
//   C|…   monthly cost    V|…   coverage counts
//
// The header's digest covers every byte after the header's own newline, so a truncated or
// altered body is detected before any record is read. The cloud acknowledges a batch by
// (station, sequence); receiving an acknowledged batch again changes nothing.
//
// Thread safety: value types and pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "exchange/records.hpp"

namespace omni::exchange {

struct Batch {
  std::string station;           // [A-Za-z0-9._-]{1,64}
  std::uint64_t sequence = 0;    // 1, 2, 3, … per station, never reused
  UtcTime created;
  std::vector<RegionRecord> regions;
  std::vector<MeterRecord> meters;
  std::vector<ReadingRecord> readings;
  std::vector<CostRecord> costs;
  std::vector<CoverageRecord> coverage;

  std::size_t record_count() const {
    return regions.size() + meters.size() + readings.size() + costs.size() + coverage.size();
  }
};

// The text form, header line first. Records appear in the order regions, meters, readings,
// costs, coverage (a reader accepts any order).
std::string write_batch(const Batch& batch);

// The SM3 digest (64 lowercase hex digits) the header carries.
std::string body_digest(std::string_view body);

// Strict: the first problem fails the whole batch (a batch is accepted whole or not at all).
// Errors: Malformed (header, a field, a record kind; the message names the line number and the
// field), Corrupt (digest or record count does not match: a truncated or altered transfer),
// Unsupported (format version newer than kFormatVersion), OutOfRange (more than kMaxBatchBytes).
inline constexpr std::size_t kMaxBatchBytes = 64u << 20;
Result<Batch> read_batch(std::string_view text);

// For the validator: every problem found, one per line, without stopping at the first.
struct Problem {
  std::size_t line = 0;  // 1-based; 0 for the batch as a whole
  std::string message;
};
std::vector<Problem> validate_batch(std::string_view text);

// Limits of the text form (docs/exchange-format.md, "Limits"); read_batch rejects a batch that
// exceeds one as Malformed naming the line, write_batch REQUIRES them (and valid records: see
// the field rules in the document). A writer can check its output with validate_batch().
inline constexpr std::size_t kMaxLineBytes = 4096;  // one record line without its newline
inline constexpr std::size_t kMaxNameBytes = 256;   // a region name, UTF-8, after unescaping
inline constexpr std::size_t kMaxTiers = 9;         // tiers of one monthly cost record

}  // namespace omni::exchange
