#include "cloud/store/internal.hpp"

#include <algorithm>
#include <compare>
#include <span>

#include "core/quantity.hpp"

namespace omni::cloud::detail {
namespace {

// splitmix64's finaliser: std::hash of an integer is the identity, which clusters codes that
// differ only in their low digits.
inline std::uint64_t avalanche(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline void mix(std::size_t& seed, std::uint64_t v) {
  seed = avalanche(seed ^ (v + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

// A usage beyond 10^11 reporting units in one interval (a city's yearly electricity) is a
// register fault, not consumption; refusing it keeps every sum far from int64 overflow.
constexpr Int128 kMaxIntervalUsage = static_cast<Int128>(100'000'000'000LL) * 1'000'000;

}  // namespace

int month_of_day(std::int64_t day) {
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  return y * 100 + m;
}

std::int64_t first_day_of_month(int yyyymm) { return days_from_civil(yyyymm / 100, yyyymm % 100, 1); }

int add_months_yyyymm(int yyyymm, int months) {
  int index = (yyyymm / 100) * 12 + (yyyymm % 100 - 1) + months;
  int y = index >= 0 ? index / 12 : (index - 11) / 12;
  return y * 100 + (index - y * 12) + 1;
}

int energy_code(EnergyKind k) {
  switch (k) {
    case EnergyKind::Electricity:
      return 1;
    case EnergyKind::Water:
      return 2;
    case EnergyKind::Gas:
      return 3;
    case EnergyKind::Heat:
      break;
  }
  return 4;
}

std::optional<EnergyKind> energy_from_code(std::int64_t code) {
  switch (code) {
    case 1:
      return EnergyKind::Electricity;
    case 2:
      return EnergyKind::Water;
    case 3:
      return EnergyKind::Gas;
    case 4:
      return EnergyKind::Heat;
    default:
      return std::nullopt;
  }
}

std::size_t BaseCodeHash::operator()(const exchange::BaseCode& c) const noexcept {
  std::size_t seed = 0;
  mix(seed, (static_cast<std::uint64_t>(c.county) << 32) |
                (static_cast<std::uint64_t>(c.street) << 16) | c.community);
  mix(seed, (static_cast<std::uint64_t>(c.building) << 40) |
                (static_cast<std::uint64_t>(c.unit) << 32) |
                (static_cast<std::uint64_t>(c.room) << 16) |
                (static_cast<std::uint64_t>(c.kind) << 8) | c.sequence);
  return seed;
}

std::size_t RegionKeyHash::operator()(const RegionKey& k) const noexcept {
  std::size_t seed = static_cast<std::size_t>(k.bucket);
  mix(seed, static_cast<std::uint64_t>(k.region));
  mix(seed, (static_cast<std::uint64_t>(k.grain) << 40) | (static_cast<std::uint64_t>(k.level) << 32) |
                (static_cast<std::uint64_t>(k.energy) << 16) |
                (static_cast<std::uint64_t>(k.customer) << 8) |
                static_cast<std::uint8_t>(k.industry));
  return seed;
}

std::size_t SupplyKeyHash::operator()(const SupplyKey& k) const noexcept {
  std::size_t seed = BaseCodeHash{}(k.code);
  mix(seed, static_cast<std::uint64_t>(k.bucket) * 2 + static_cast<std::uint64_t>(k.grain));
  return seed;
}

std::size_t CountKeyHash::operator()(const CountKey& k) const noexcept {
  std::size_t seed = static_cast<std::size_t>(k.region);
  mix(seed, (static_cast<std::uint64_t>(k.level) << 32) | (static_cast<std::uint64_t>(k.energy) << 16) |
                (static_cast<std::uint64_t>(k.customer) << 8) |
                static_cast<std::uint8_t>(k.industry));
  return seed;
}

void PointIndex::prefetch(std::size_t hash) const {
  if (slots_.empty()) return;
  __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
}

PointInfo* PointIndex::find(const exchange::BaseCode& c, std::size_t hash) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.point == nullptr) return nullptr;
    if (s.code == c) return s.point;
  }
}

void PointIndex::insert(PointInfo* p) {
  if ((size_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(1024, old.size() * 2), Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.point != nullptr) insert(s.point);
    }
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(p->code) & mask;
  while (slots_[i].point != nullptr) i = (i + 1) & mask;
  slots_[i] = Slot{p->code, p};
  ++size_;
}

void PointIndex::clear() {
  slots_.clear();
  size_ = 0;
}

const Version& PointInfo::version_at(std::int64_t t) const {
  // Versions are few (one per replacement or reclassification): a linear scan from the end.
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->from_at <= t) return *it;
  }
  return versions.front();
}

const Version& PointInfo::class_of_month(int yyyymm) const {
  if (versions.size() == 1) return versions.front();
  return version_at(day_start_utc(first_day_of_month(yyyymm)));
}

std::optional<std::int64_t> usable_register(const ReadingRow& r, EnergyKind kind) {
  if (r.quality == static_cast<int>(exchange::Quality::Suspect)) return std::nullopt;
  Unit target = reporting_unit(kind);
  if (r.unit == target && r.scale <= kUsageScale) {
    // The common case without the general conversion: the meter's unit, fewer decimals.
    Int128 v = static_cast<Int128>(r.mantissa) * pow10_i64(kUsageScale - r.scale);
    if (v > INT64_MAX / 4 || v < -(INT64_MAX / 4)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  auto q = Quantity::make(r.mantissa, r.scale, r.unit);
  if (!q) return std::nullopt;
  auto c = q->converted(target, kUsageScale, Rounding::HalfEven);
  if (!c) return std::nullopt;
  if (c->mantissa() > INT64_MAX / 4 || c->mantissa() < -(INT64_MAX / 4)) return std::nullopt;
  return c->mantissa();
}

Edge derive_edge(const PointInfo& point, std::int64_t prev_at, std::int64_t prev_reg,
                 std::int64_t at, std::int64_t reg, const CoalCoefficients& coal) {
  const Version& start = point.version_at(prev_at);
  if (point.versions.size() > 1 && start.device != point.version_at(at).device) {
    return {EdgeFlag::Replaced, 0, 0};
  }
  Int128 diff = static_cast<Int128>(reg) - prev_reg;
  if (diff < 0) return {EdgeFlag::Backwards, 0, 0};
  Int128 usage = diff * std::max<std::int64_t>(1, start.multiplier);
  if (usage > kMaxIntervalUsage) return {EdgeFlag::Overflow, 0, 0};
  auto u = static_cast<std::int64_t>(usage);
  return {EdgeFlag::Valid, u, to_kgce(u, point.energy(), coal)};
}

void RollupDeltas::region_bucket(const PointInfo& point, const Version& cls, Grain grain,
                                 std::int64_t bucket, std::int64_t usage, std::int64_t kgce,
                                 std::int64_t opened) {
  RegionKey key{grain,
                bucket,
                static_cast<std::int64_t>(point.code.community_region()),
                12,
                energy_code(point.energy()),
                static_cast<int>(cls.customer),
                cls.industry};
  // Neighbouring points mostly share a community and class: skip the hash when they do.
  if (last_region_ == nullptr || !(last_key_ == key)) {
    last_region_ = &regions_[key];
    last_key_ = key;
  }
  RegionDelta& d = *last_region_;
  d.usage += usage;
  d.kgce += kgce;
  d.points += opened;
}

void RollupDeltas::point_bucket(const PointInfo& point, Grain grain, std::int64_t bucket,
                                int yyyymm, std::int64_t usage, std::int64_t kgce,
                                std::int64_t before, std::int64_t after) {
  std::int64_t opened = (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
  if (usage == 0 && kgce == 0 && opened == 0 && before == after) return;
  const Version& cls = point.class_of_month(yyyymm);
  // A supply (master) meter measures what its customers' meters measure again, plus the loss:
  // it feeds the loss rollups only, never the consumption totals, or a district would count a
  // building's electricity twice (three times with a community meter above it).
  if (point.code.is_supply()) {
    SupplyDelta& s = supply_[SupplyKey{grain, bucket, point.code}];
    s.usage += usage;
    s.intervals += after - before;
  } else {
    region_bucket(point, cls, grain, bucket, usage, kgce, opened);
  }
  if (cls.parent) {
    // Siblings follow each other: their parent's row is usually the one just used.
    SupplyKey k{grain, bucket, *cls.parent};
    if (last_supply_ == nullptr || !(last_supply_key_ == k)) {
      last_supply_ = &supply_[k];
      last_supply_key_ = k;
    }
    last_supply_->child_usage += usage;
    last_supply_->children += opened;
  }
}

void RollupDeltas::point_count(const PointInfo& point, int sign) {
  // User base and coverage count customers' metering points; supply meters are the utility's.
  if (!point.active() || point.code.is_supply()) return;
  CountKey key{static_cast<std::int64_t>(point.code.community_region()), 12,
               energy_code(point.energy()), static_cast<int>(point.record.customer),
               point.record.industry};
  CountDelta& d = counts_[key];
  d.points += sign;
  d.remote += point.record.remote ? sign : 0;
  d.key_users += point.record.key_user ? sign : 0;
}

namespace {

// Every rollup row exists at the levels city (0), district (6), street (9), community (12),
// for the class itself (customer type, industry), for the customer type with all industries,
// and for everything (customer kAllCustomers, industry kAllIndustries). An industry across
// both customer types is the sum of its two class rows.
template <class Key, class F>
void expand(const Key& k, F&& f) {
  const std::int64_t community = k.region;
  const std::int64_t regions[4] = {0, community / 1'000'000, community / 1'000, community};
  const int levels[4] = {0, 6, 9, 12};
  const std::pair<int, char> classes[3] = {
      {k.customer, k.industry}, {k.customer, kAllIndustries}, {kAllCustomers, kAllIndustries}};
  for (int i = 0; i < 4; ++i) {
    for (auto [c, ind] : classes) {
      Key e = k;
      e.region = regions[i];
      e.level = levels[i];
      e.customer = c;
      e.industry = ind;
      f(e);
    }
  }
}

std::string industry_text(char c) { return std::string(1, c); }

}  // namespace

Status RollupDeltas::flush(storage::Connection& c) {
  if (!regions_.empty()) {
    std::unordered_map<RegionKey, RegionDelta, RegionKeyHash> all;
    all.reserve(regions_.size() * 8);
    for (const auto& [k, d] : regions_) {
      expand(k, [&](const RegionKey& e) {
        RegionDelta& t = all[e];
        t.usage += d.usage;
        t.kgce += d.kgce;
        t.points += d.points;
      });
    }
    std::vector<storage::Value> up[2];
    std::vector<storage::Params> del[2];
    for (const auto& [k, d] : all) {
      if (d.usage == 0 && d.kgce == 0 && d.points == 0) continue;
      int g = static_cast<int>(k.grain);
      for (storage::Value v : {storage::Value(k.bucket), storage::Value(k.region),
                               storage::Value(k.level), storage::Value(k.energy),
                               storage::Value(k.customer),
                               storage::Value(industry_text(k.industry)), storage::Value(d.usage),
                               storage::Value(d.kgce), storage::Value(d.points)}) {
        up[g].push_back(std::move(v));
      }
      if (d.points < 0) {
        del[g].push_back(
            {k.bucket, k.region, k.energy, k.customer, industry_text(k.industry), k.level});
      }
    }
    for (int g = 0; g < 2; ++g) {
      const std::string table = g == 0 ? "region_day" : "region_month";
      const std::string col = g == 0 ? "day" : "month";
      if (!up[g].empty()) {
        OMNI_TRY(insert_rows(
            c,
            "INSERT INTO " + table + " (" + col +
                ", region, level, energy, customer, industry, usage, kgce, points) VALUES",
            " ON CONFLICT (level, energy, customer, industry, " + col +
                ", region) DO UPDATE SET usage = " + table + ".usage + excluded.usage, kgce = " + table +
                ".kgce + excluded.kgce, points = " + table + ".points + excluded.points",
            9, up[g]));
      }
      if (!del[g].empty()) {
        std::string sql = "DELETE FROM " + table + " WHERE " + col +
                          " = $1 AND region = $2 AND energy = $3 AND customer = $4 AND "
                          "industry = $5 AND level = $6 AND points = 0";
        auto n = c.execute_batch(sql, del[g]);
        if (!n) return fail(n.error());
      }
    }
    regions_.clear();
    last_region_ = nullptr;
  }
  if (!supply_.empty()) {
    // Upserts 64 rows a statement (insert_rows), like the region rows: a batch touches a few
    // hundred supply meters, and a statement per row cost its preparation state each time.
    std::vector<storage::Value> up[2];
    std::vector<storage::Params> del[2];
    for (const auto& [k, d] : supply_) {
      if (d.usage == 0 && d.intervals == 0 && d.child_usage == 0 && d.children == 0) continue;
      std::string code = k.code.to_string();
      int g = static_cast<int>(k.grain);
      if (d.intervals < 0 || d.children < 0) del[g].push_back({k.bucket, code});
      for (storage::Value v : {storage::Value(k.bucket), storage::Value(std::move(code)),
                               storage::Value(energy_code(k.code.kind)),
                               storage::Value(static_cast<std::int64_t>(k.code.community_region())),
                               storage::Value(d.usage), storage::Value(d.intervals),
                               storage::Value(d.child_usage), storage::Value(d.children)}) {
        up[g].push_back(std::move(v));
      }
    }
    for (int g = 0; g < 2; ++g) {
      const char* table = g == 0 ? "supply_day" : "supply_month";
      const char* col = g == 0 ? "day" : "month";
      if (!up[g].empty()) {
        OMNI_TRY(insert_rows(
            c,
            std::string("INSERT INTO ") + table + " (" + col +
                ", code, energy, community, usage, intervals, child_usage, children) VALUES",
            std::string(" ON CONFLICT (") + col + ", code) DO UPDATE SET usage = " + table +
                ".usage + excluded.usage, intervals = " + table +
                ".intervals + excluded.intervals, child_usage = " + table +
                ".child_usage + excluded.child_usage, children = " + table +
                ".children + excluded.children",
            8, up[g]));
      }
      if (!del[g].empty()) {
        std::string sql = std::string("DELETE FROM ") + table + " WHERE " + col +
                          " = $1 AND code = $2 AND intervals = 0 AND children = 0";
        auto n = c.execute_batch(sql, del[g]);
        if (!n) return fail(n.error());
      }
    }
    supply_.clear();
    last_supply_ = nullptr;
  }
  if (!counts_.empty()) {
    std::unordered_map<CountKey, CountDelta, CountKeyHash> all;
    for (const auto& [k, d] : counts_) {
      expand(k, [&](const CountKey& e) {
        CountDelta& t = all[e];
        t.points += d.points;
        t.remote += d.remote;
        t.key_users += d.key_users;
      });
    }
    std::vector<storage::Params> up, del;
    for (const auto& [k, d] : all) {
      if (d.points == 0 && d.remote == 0 && d.key_users == 0) continue;
      up.push_back({k.region, k.level, k.energy, k.customer, industry_text(k.industry), d.points,
                    d.remote, d.key_users});
      if (d.points < 0) del.push_back({k.region, k.energy, k.customer, industry_text(k.industry)});
    }
    if (!up.empty()) {
      auto n = c.execute_batch(
          "INSERT INTO region_points (region, level, energy, customer, industry, points, remote, "
          "key_users) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
          "ON CONFLICT (region, energy, customer, industry) DO UPDATE SET "
          "points = region_points.points + excluded.points, "
          "remote = region_points.remote + excluded.remote, "
          "key_users = region_points.key_users + excluded.key_users",
          up);
      if (!n) return fail(n.error());
    }
    if (!del.empty()) {
      auto n = c.execute_batch(
          "DELETE FROM region_points WHERE region = $1 AND energy = $2 AND customer = $3 AND "
          "industry = $4 AND points = 0",
          del);
      if (!n) return fail(n.error());
    }
    counts_.clear();
  }
  return ok();
}

const char* const kInsertReading =
    "INSERT INTO reading (at, point, mantissa, scale, unit, quality, changes, prev_at, usage, "
    "kgce, flag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const char* const kUpdateReading =
    "UPDATE reading SET mantissa = $3, scale = $4, unit = $5, quality = $6, changes = $7, "
    "prev_at = $8, usage = $9, kgce = $10, flag = $11 WHERE at = $1 AND point = $2";
const char* const kSelectReadingColumns =
    "at, mantissa, scale, unit, quality, changes, prev_at, usage, kgce, flag";

storage::Params reading_insert_params(std::int64_t point, const ReadingRow& r) {
  return {r.at,
          point,
          r.mantissa,
          r.scale,
          std::string(unit_info(r.unit).ascii_symbol),
          r.quality,
          r.changes,
          r.prev_at ? storage::Value(*r.prev_at) : storage::Value(),
          r.usage,
          r.kgce,
          static_cast<int>(r.flag)};
}

// GCC 12 warns that the std::string alternative of a moved Value "may be used uninitialized"
// (a known false positive of std::variant moves at -O2).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void append_reading_values(std::vector<storage::Value>& flat, std::int64_t point,
                           const ReadingRow& r) {
  flat.emplace_back(r.at);
  flat.emplace_back(point);
  flat.emplace_back(r.mantissa);
  flat.emplace_back(r.scale);
  flat.emplace_back(unit_info(r.unit).ascii_symbol);
  flat.emplace_back(r.quality);
  flat.emplace_back(r.changes);
  flat.push_back(r.prev_at ? storage::Value(*r.prev_at) : storage::Value());
  flat.emplace_back(r.usage);
  flat.emplace_back(r.kgce);
  flat.emplace_back(static_cast<int>(r.flag));
}
#pragma GCC diagnostic pop

ReadingRow reading_from_row(const storage::Row& row, std::size_t f) {
  ReadingRow r;
  r.at = col_i64(row, f);
  r.mantissa = col_i64(row, f + 1);
  r.scale = static_cast<int>(col_i64(row, f + 2));
  auto unit = parse_unit(row.get<std::string>(f + 3).value_or(""));
  r.unit = unit ? *unit : Unit::None;
  r.quality = static_cast<int>(col_i64(row, f + 4));
  r.changes = col_i64(row, f + 5);
  r.prev_at = col_opt(row, f + 6);
  r.usage = col_i64(row, f + 7);
  r.kgce = col_i64(row, f + 8);
  r.flag = static_cast<EdgeFlag>(col_i64(row, f + 9));
  return r;
}

// ---- point blocks

namespace {

// Blobs: a 16-byte bitmap of the slots present, then each present slot's fields as LEB128
// varints (signed ones zigzag-coded). A day of a block is ~1 KB instead of 2.5 KB fixed-width,
// and every byte saved is a byte less through the WAL.
void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_signed(std::vector<std::uint8_t>& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

class Reader {
 public:
  explicit Reader(const std::vector<std::uint8_t>& b) : b_(b) {}
  bool ok() const { return ok_; }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i_ >= b_.size()) {
        ok_ = false;
        return 0;
      }
      std::uint8_t byte = b_[i_++];
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t signed_varint() {
    std::uint64_t z = varint();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  bool bit(std::size_t slot) const {
    return slot / 8 < b_.size() && (b_[slot / 8] >> (slot % 8) & 1) != 0;
  }
  void skip_bitmap() { i_ = kBitmap; }

  static constexpr std::size_t kBitmap = kBlockPoints / 8;

 private:
  const std::vector<std::uint8_t>& b_;
  std::size_t i_ = 0;
  bool ok_ = true;
};

template <class Slots, class Present>
std::vector<std::uint8_t> bitmap(const Slots& slots, Present present) {
  std::vector<std::uint8_t> out(Reader::kBitmap, 0);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (present(slots[i])) out[i / 8] = static_cast<std::uint8_t>(out[i / 8] | (1u << (i % 8)));
  }
  return out;
}

}  // namespace

storage::Blob encode_states(const StateBlock& b) {
  auto present = [](const PointState& s) { return s.any; };
  storage::Blob out{bitmap(b.slots, present)};
  for (const PointState& s : b.slots) {
    if (!present(s)) continue;
    out.bytes.push_back(s.has_usable ? 1 : 0);
    put_signed(out.bytes, s.last_at);
    put_signed(out.bytes, s.last_at - s.usable_at);  // 0 when the latest reading is usable
    put_signed(out.bytes, s.usable_reg);
  }
  return out;
}

StateBlock decode_states(const storage::Blob& blob) {
  StateBlock b;
  if (blob.bytes.size() < Reader::kBitmap) return b;
  Reader r(blob.bytes);
  r.skip_bitmap();
  for (std::size_t i = 0; i < b.slots.size() && r.ok(); ++i) {
    if (!r.bit(i)) continue;
    PointState& s = b.slots[i];
    s.any = true;
    s.has_usable = r.varint() != 0;
    s.last_at = r.signed_varint();
    s.usable_at = s.last_at - r.signed_varint();
    s.usable_reg = r.signed_varint();
  }
  return b;
}

storage::Blob encode_buckets(const BucketBlock& b) {
  auto present = [](const BucketSlot& s) { return !s.empty(); };
  storage::Blob out{bitmap(b.slots, present)};
  for (const BucketSlot& s : b.slots) {
    if (!present(s)) continue;
    put_signed(out.bytes, s.usage);
    put_signed(out.bytes, s.kgce);
    put_signed(out.bytes, s.intervals);
  }
  return out;
}

BucketBlock decode_buckets(const storage::Blob& blob) {
  BucketBlock b;
  if (blob.bytes.size() < Reader::kBitmap) return b;
  Reader r(blob.bytes);
  r.skip_bitmap();
  for (std::size_t i = 0; i < b.slots.size() && r.ok(); ++i) {
    if (!r.bit(i)) continue;
    b.slots[i].usage = r.signed_varint();
    b.slots[i].kgce = r.signed_varint();
    b.slots[i].intervals = r.signed_varint();
  }
  return b;
}

Status insert_rows(storage::Connection& c, std::string_view head, std::string_view tail,
                   std::size_t columns, std::vector<storage::Value>& flat) {
  // Few distinct statement texts (64, 16, 4 and 1 rows), each prepared once per connection.
  auto sql_for = [&](std::size_t rows) {
    std::string sql(head);
    std::size_t n = 1;
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r == 0 ? " (" : ", (";
      for (std::size_t k = 0; k < columns; ++k, ++n) {
        if (k) sql += ", ";
        sql += "$" + std::to_string(n);
      }
      sql += ")";
    }
    sql += tail;
    return sql;
  };
  const std::size_t total = flat.size() / columns;
  std::size_t done = 0;
  std::string sql[4];
  const std::size_t sizes[4] = {64, 16, 4, 1};
  while (done < total) {
    std::size_t left = total - done;
    int which = left >= 64 ? 0 : left >= 16 ? 1 : left >= 4 ? 2 : 3;
    std::size_t rows = sizes[which];
    if (sql[which].empty()) sql[which] = sql_for(rows);
    std::span<const storage::Value> params(flat.data() + done * columns, rows * columns);
    auto n = c.execute(sql[which], params);
    if (!n) return fail(n.error());
    done += rows;
  }
  return ok();
}

Status apply_point_deltas(storage::Connection& c, std::vector<PointBucketDelta>& deltas,
                          RollupDeltas& rollups) {
  // Key order: grain, block row key (bucket, then block), point. Ingest appends the deltas point
  // by point in id order, days before months, so within one (grain, bucket) they are in key
  // order already: a stable grouping by (grain, bucket), of which a batch has a handful, sorts
  // them in linear time. The full order is checked on precomputed keys (comparing the deltas
  // themselves costs a pointer chase each), and sorted in full should a caller break the rule.
  struct SortKey {
    int grain;
    std::int64_t key, point;
    std::size_t index;
    auto operator<=>(const SortKey&) const = default;
  };
  auto sort_key = [](const PointBucketDelta& d, std::size_t i) {
    return SortKey{static_cast<int>(d.grain), block_key(block_of(d.point->id), d.bucket),
                   d.point->id, i};
  };
  auto in_order = [&] {
    for (std::size_t i = 1; i < deltas.size(); ++i) {
      if (sort_key(deltas[i], i) < sort_key(deltas[i - 1], i - 1)) return false;
    }
    return true;
  };
  if (!in_order()) {
    std::vector<std::pair<int, std::int64_t>> groups;  // distinct (grain, bucket), sorted
    for (const PointBucketDelta& d : deltas) {
      std::pair<int, std::int64_t> g{static_cast<int>(d.grain), d.bucket};
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
      if (groups.size() > 64) break;  // not the shape ingest produces: sort in full below
    }
    std::vector<PointBucketDelta> sorted;
    sorted.reserve(deltas.size());
    if (groups.size() <= 64) {
      std::sort(groups.begin(), groups.end());
      for (const auto& g : groups) {
        for (const PointBucketDelta& d : deltas) {
          if (static_cast<int>(d.grain) == g.first && d.bucket == g.second) sorted.push_back(d);
        }
      }
      deltas.swap(sorted);
    }
    if (!in_order()) {
      std::vector<SortKey> order;
      order.reserve(deltas.size());
      for (std::size_t i = 0; i < deltas.size(); ++i) order.push_back(sort_key(deltas[i], i));
      std::sort(order.begin(), order.end());
      sorted.clear();
      for (const SortKey& k : order) sorted.push_back(deltas[k.index]);
      deltas.swap(sorted);
    }
  }
  for (int g = 0; g < 2; ++g) {
    const Grain grain = static_cast<Grain>(g);
    const std::string table = g == 0 ? "point_day_block" : "point_month_block";
    const std::string col = g == 0 ? "day" : "month";
    auto first = std::find_if(deltas.begin(), deltas.end(),
                              [&](const PointBucketDelta& d) { return d.grain == grain; });
    auto last = std::find_if(first, deltas.end(),
                             [&](const PointBucketDelta& d) { return d.grain != grain; });
    if (first == last) continue;
    // The stored blocks, read 64 keys a query.
    std::vector<std::int64_t> keys;
    for (auto it = first; it != last; ++it) {
      std::int64_t k = block_key(block_of(it->point->id), it->bucket);
      if (keys.empty() || keys.back() != k) keys.push_back(k);
    }
    std::unordered_map<std::int64_t, BucketBlock> stored;
    std::string select = "SELECT k, data FROM " + table + " WHERE k IN (";
    for (int i = 1; i <= 64; ++i) select += (i > 1 ? ", $" : "$") + std::to_string(i);
    select += ")";
    for (std::size_t i = 0; i < keys.size(); i += 64) {
      std::vector<storage::Value> params;
      for (std::size_t j = i; j < i + 64; ++j) {
        params.emplace_back(j < keys.size() ? keys[j] : std::int64_t{-1});
      }
      auto rows = c.query(select, std::span<const storage::Value>(params));
      if (!rows) return fail(rows.error());
      for (const auto& row : rows->rows) {
        auto blob = row.get<storage::Blob>(1);
        stored.emplace(col_i64(row, 0), blob ? decode_buckets(*blob) : BucketBlock{});
      }
    }
    std::vector<storage::Value> up;
    std::vector<storage::Params> del;
    for (auto it = first; it != last;) {
      const std::int64_t block = block_of(it->point->id);
      const std::int64_t bucket = it->bucket;
      const std::int64_t key = block_key(block, bucket);
      auto found = stored.find(key);
      const bool existed = found != stored.end();
      BucketBlock b = existed ? found->second : BucketBlock{};
      for (; it != last && block_of(it->point->id) == block && it->bucket == bucket; ++it) {
        BucketSlot& s = b.slots[slot_of(it->point->id)];
        const std::int64_t before = s.intervals;
        const std::int64_t mid = before - it->old_intervals;
        const std::int64_t after = mid + it->new_intervals;
        if (it->old_intervals != 0 || it->old_usage != 0 || it->old_kgce != 0) {
          rollups.point_bucket(*it->old_view, grain, bucket, it->yyyymm, -it->old_usage,
                               -it->old_kgce, before, mid);
        }
        rollups.point_bucket(*it->point, grain, bucket, it->yyyymm, it->new_usage, it->new_kgce,
                             mid, after);
        s.usage += it->new_usage - it->old_usage;
        s.kgce += it->new_kgce - it->old_kgce;
        s.intervals = after;
      }
      bool empty = std::all_of(b.slots.begin(), b.slots.end(),
                               [](const BucketSlot& s) { return s.empty(); });
      if (empty) {
        if (existed) del.push_back({key});
      } else {
        up.emplace_back(key);
        up.emplace_back(bucket);
        up.emplace_back(block);
        up.emplace_back(encode_buckets(b));
      }
    }
    if (!up.empty()) {
      OMNI_TRY(insert_rows(c, "INSERT INTO " + table + " (k, " + col + ", block, data) VALUES",
                           " ON CONFLICT (k) DO UPDATE SET data = excluded.data", 4, up));
    }
    if (!del.empty()) {
      auto n = c.execute_batch("DELETE FROM " + table + " WHERE k = $1", del);
      if (!n) return fail(n.error());
    }
  }
  return ok();
}

}  // namespace omni::cloud::detail
