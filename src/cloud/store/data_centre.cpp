#include "cloud/store/data_centre.hpp"

#include <fmt/format.h>

#include "cloud/store/impl.hpp"
#include "cloud/store/schema.hpp"
#include "storage/migrations.hpp"

namespace omni::cloud {

using detail::PointInfo;
using detail::PointState;
using detail::Version;
using storage::Connection;

std::string_view ingest_status_name(IngestStatus s) {
  switch (s) {
    case IngestStatus::Accepted:
      return "accepted";
    case IngestStatus::Duplicate:
      return "duplicate";
    case IngestStatus::Conflict:
      break;
  }
  return "conflict";
}

DataCentre::DataCentre(storage::Database& db, DataCentreOptions options)
    : db_(db), options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

DataCentre::~DataCentre() = default;

Status DataCentre::migrate() {
  auto applied = storage::migrate(db_, "cloud", cloud_migrations());
  if (!applied) return fail(applied.error());
  return ok();
}

namespace detail {

const char* const kSelectPointColumns =
    "id, code, address, parent_code, customer, industry, key_user, remote, meter_type, "
    "multiplier, installed, removed, station";

namespace {

Result<exchange::BaseCode> parse_code(const std::string& text) {
  auto c = exchange::BaseCode::parse(text);
  if (!c) return fail(ErrorCode::Malformed, "stored base code \"" + text + "\" does not parse");
  return *c;
}

std::optional<exchange::BaseCode> parse_optional_code(const storage::Row& row, std::size_t col) {
  if (row.is_null(col)) return std::nullopt;
  auto c = exchange::BaseCode::parse(row.get<std::string>(col).value_or(""));
  if (!c) return std::nullopt;
  return *c;
}

char industry_of(const storage::Row& row, std::size_t col) {
  std::string s = row.get<std::string>(col).value_or(" ");
  return s.empty() ? ' ' : s[0];
}

}  // namespace

Result<std::unique_ptr<PointInfo>> point_from_row(const storage::Row& row) {
  auto p = std::make_unique<PointInfo>();
  p->id = col_i64(row, 0);
  auto code = parse_code(row.get<std::string>(1).value_or(""));
  if (!code) return fail(code.error());
  p->code = *code;
  auto& m = p->record;
  m.code = *code;
  if (auto a = MeterAddress::from_digits(row.get<std::string>(2).value_or(""))) m.address = *a;
  m.parent = parse_optional_code(row, 3);
  m.customer = static_cast<exchange::CustomerType>(col_i64(row, 4));
  m.industry = industry_of(row, 5);
  m.key_user = col_i64(row, 6) != 0;
  m.remote = col_i64(row, 7) != 0;
  m.meter_type = static_cast<std::uint8_t>(col_i64(row, 8));
  m.multiplier = static_cast<int>(col_i64(row, 9, 1));
  m.installed = UtcTime{col_i64(row, 10)};
  if (auto r = col_opt(row, 11)) m.removed = UtcTime{*r};
  p->station = row.get<std::string>(12).value_or("");
  return p;
}

Result<std::vector<Version>> load_versions(Connection& c, std::int64_t point) {
  auto rows = c.query(
      "SELECT from_at, device, address, multiplier, customer, industry, parent_code "
      "FROM point_version WHERE point = $1 ORDER BY from_at",
      {point});
  if (!rows) return fail(rows.error());
  std::vector<Version> out;
  for (const auto& r : rows->rows) {
    Version v;
    v.from_at = col_i64(r, 0);
    v.device = static_cast<int>(col_i64(r, 1, 1));
    if (auto a = MeterAddress::from_digits(r.get<std::string>(2).value_or(""))) v.address = *a;
    v.multiplier = col_i64(r, 3, 1);
    v.customer = static_cast<exchange::CustomerType>(col_i64(r, 4));
    v.industry = industry_of(r, 5);
    v.parent = parse_optional_code(r, 6);
    out.push_back(std::move(v));
  }
  if (out.empty()) {
    return fail(ErrorCode::Internal, fmt::format("point {} has no archive version", point));
  }
  return out;
}

const char* const kUpsertStateBlock =
    "INSERT INTO state_block (block, data) VALUES ($1, $2) "
    "ON CONFLICT (block) DO UPDATE SET data = excluded.data";

}  // namespace detail

Result<PointInfo*> DataCentre::Impl::find(Connection& c, const exchange::BaseCode& code) {
  if (PointInfo* p = index.find(code, detail::PointIndex::hash(code))) return p;
  if (unknown.count(code)) return static_cast<PointInfo*>(nullptr);
  auto rows = c.query(std::string("SELECT ") + detail::kSelectPointColumns +
                          " FROM point WHERE code = $1",
                      {code.to_string()});
  if (!rows) return fail(rows.error());
  if (rows->empty()) {
    unknown.insert(code);
    return static_cast<PointInfo*>(nullptr);
  }
  auto p = detail::point_from_row(rows->at(0));
  if (!p) return fail(p.error());
  auto versions = detail::load_versions(c, (*p)->id);
  if (!versions) return fail(versions.error());
  (*p)->versions = std::move(*versions);
  return add(std::move(*p));
}

PointInfo* DataCentre::Impl::add(std::unique_ptr<PointInfo> p) {
  PointInfo* raw = p.get();
  index.insert(raw);
  points.emplace(raw->code, std::move(p));
  return raw;
}

Result<PointState*> DataCentre::Impl::state(Connection& c, std::int64_t point) {
  const std::int64_t block = detail::block_of(point);
  auto it = states.find(block);
  if (it == states.end()) {
    auto rows = c.query("SELECT data FROM state_block WHERE block = $1", {block});
    if (!rows) return fail(rows.error());
    auto b = std::make_unique<detail::StateBlock>();
    if (!rows->empty()) {
      auto blob = rows->at(0).get<storage::Blob>(0);
      if (!blob) return fail(blob.error());
      *b = detail::decode_states(*blob);
    }
    it = states.emplace(block, std::move(b)).first;
  }
  return &it->second->slots[detail::slot_of(point)];
}

}  // namespace omni::cloud
