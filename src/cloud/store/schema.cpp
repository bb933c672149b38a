// Layout of the data centre (migration set "cloud").
//
// Readings arrive per batch as many points at one or a few times, in time order with a few late
// ones. A key of (point, time) would put every row of a batch on a different page; the raw table
// is therefore keyed (at, point), so an in-order batch appends to the end of one B-tree (SQLite
// WITHOUT ROWID: the row is the key's leaf). The rows a point needs for derivation are found
// through point_state (the latest reading) and the chain link prev_at (the previous usable
// reading of the same point), each one primary-key probe: no (point, time) index exists.
//
// Derived usage lives on the reading row that closes the interval (prev_at, at]: usage and kgce
// at six decimals (see coal.hpp) and a flag. The per-point state (chain end) and the per-point
// day and month rollups are stored 128 consecutive point ids to a row (state_block,
// point_day_block, point_month_block; blob layout in internal.cpp), keyed bucket-major so that
// a batch of 10,000 points of one day writes ~80 adjacent rows per table, not 10,000 rows.
// Region rollups are per region × energy × customer × industry at every level (city 0,
// district 6, street 9, community 12 digits) with "all" rows (customer 2 with industry '*', and
// each customer type with industry '*') so that an unfiltered dashboard query reads one row per
// bucket. Their key puts the class and the bucket before the region: a ranking of the regions of
// a level is one key range per bucket, and one region's series is one key lookup per bucket (the
// queries list the buckets), with no secondary index to maintain at ingest. Supply rollups hold
// each supply meter's own usage and the sum of its children's.
//
// Days are Beijing calendar day numbers (days since 1970-01-01), months yyyymm, times UTC epoch
// seconds. Region codes are stored as integers (the digits of the code; the level says how many).
#include "cloud/store/schema.hpp"

namespace omni::cloud {
namespace {

#define OMNI_CLOUD_COMMON_TABLES(POINT_ID, WITHOUT_ROWID, KEY, BLOB)                                        \
  "CREATE TABLE cloud_state (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL);"              \
  "INSERT INTO cloud_state (id, generation) VALUES (1, 0);"                                     \
  "CREATE TABLE cloud_batch ("                                                                  \
  " station TEXT NOT NULL, sequence BIGINT NOT NULL, digest TEXT NOT NULL,"                     \
  " created_at BIGINT NOT NULL, received_at BIGINT NOT NULL, records BIGINT NOT NULL,"           \
  " readings BIGINT NOT NULL, readings_new BIGINT NOT NULL, readings_changed BIGINT NOT NULL,"  \
  " readings_unknown BIGINT NOT NULL, readings_suspect BIGINT NOT NULL,"                        \
  " UNIQUE (station, sequence));"                                                               \
  "CREATE TABLE region ("                                                                       \
  " code TEXT PRIMARY KEY, level INTEGER NOT NULL, name TEXT NOT NULL, parent TEXT,"            \
  " lat_e6 BIGINT, lon_e6 BIGINT, updated_at BIGINT NOT NULL);"                                 \
  "CREATE INDEX region_parent ON region (parent);"                                              \
  "CREATE TABLE point ("                                                                        \
  " id " POINT_ID ","                                                                           \
  " code TEXT NOT NULL UNIQUE, energy INTEGER NOT NULL, community BIGINT NOT NULL,"             \
  " building BIGINT NOT NULL, address TEXT NOT NULL, parent_code TEXT,"                         \
  " customer INTEGER NOT NULL, industry TEXT NOT NULL, key_user INTEGER NOT NULL,"              \
  " remote INTEGER NOT NULL, meter_type INTEGER NOT NULL, multiplier BIGINT NOT NULL,"          \
  " installed BIGINT NOT NULL, removed BIGINT, station TEXT NOT NULL,"                          \
  " updated_at BIGINT NOT NULL);"                                                               \
  "CREATE INDEX point_parent ON point (parent_code);"                                           \
  "CREATE TABLE point_version ("                                                                \
  " point BIGINT NOT NULL, from_at BIGINT NOT NULL, device INTEGER NOT NULL,"                   \
  " address TEXT NOT NULL, multiplier BIGINT NOT NULL, customer INTEGER NOT NULL,"              \
  " industry TEXT NOT NULL, parent_code TEXT, PRIMARY KEY (point, from_at));"                   \
  "CREATE TABLE state_block (block " KEY ", data " BLOB " NOT NULL);"                            \
  "CREATE TABLE reading ("                                                                      \
  " at BIGINT NOT NULL, point BIGINT NOT NULL, mantissa BIGINT NOT NULL,"                       \
  " scale INTEGER NOT NULL, unit TEXT NOT NULL, quality INTEGER NOT NULL,"                      \
  " changes INTEGER NOT NULL, prev_at BIGINT, usage BIGINT, kgce BIGINT, flag INTEGER NOT NULL," \
  " PRIMARY KEY (at, point))" WITHOUT_ROWID ";"                                                 \
  "CREATE TABLE point_day_block (k " KEY ", day BIGINT NOT NULL, block BIGINT NOT NULL,"         \
  " data " BLOB " NOT NULL);"                                                                    \
  "CREATE TABLE point_month_block (k " KEY ", month INTEGER NOT NULL, block BIGINT NOT NULL,"     \
  " data " BLOB " NOT NULL);"                                                                    \
  "CREATE TABLE region_day ("                                                                   \
  " level INTEGER NOT NULL, energy INTEGER NOT NULL, customer INTEGER NOT NULL,"                \
  " industry TEXT NOT NULL, day BIGINT NOT NULL, region BIGINT NOT NULL,"                       \
  " usage BIGINT NOT NULL, kgce BIGINT NOT NULL, points BIGINT NOT NULL,"                       \
  " PRIMARY KEY (level, energy, customer, industry, day, region))" WITHOUT_ROWID ";"           \
  "CREATE TABLE region_month ("                                                                 \
  " level INTEGER NOT NULL, energy INTEGER NOT NULL, customer INTEGER NOT NULL,"                \
  " industry TEXT NOT NULL, month INTEGER NOT NULL, region BIGINT NOT NULL,"                    \
  " usage BIGINT NOT NULL, kgce BIGINT NOT NULL, points BIGINT NOT NULL,"                       \
  " PRIMARY KEY (level, energy, customer, industry, month, region))" WITHOUT_ROWID ";"         \
  "CREATE TABLE supply_day ("                                                                   \
  " day BIGINT NOT NULL, code TEXT NOT NULL, energy INTEGER NOT NULL,"                          \
  " community BIGINT NOT NULL, usage BIGINT NOT NULL, intervals BIGINT NOT NULL,"               \
  " child_usage BIGINT NOT NULL, children BIGINT NOT NULL, PRIMARY KEY (day, code))" WITHOUT_ROWID ";"           \
  "CREATE TABLE supply_month ("                                                                 \
  " month INTEGER NOT NULL, code TEXT NOT NULL, energy INTEGER NOT NULL,"                       \
  " community BIGINT NOT NULL, usage BIGINT NOT NULL, intervals BIGINT NOT NULL,"               \
  " child_usage BIGINT NOT NULL, children BIGINT NOT NULL, PRIMARY KEY (month, code))" WITHOUT_ROWID ";"         \
  "CREATE TABLE region_points ("                                                                \
  " region BIGINT NOT NULL, level INTEGER NOT NULL, energy INTEGER NOT NULL,"                   \
  " customer INTEGER NOT NULL, industry TEXT NOT NULL, points BIGINT NOT NULL,"                 \
  " remote BIGINT NOT NULL, key_users BIGINT NOT NULL,"                                         \
  " PRIMARY KEY (region, energy, customer, industry))" WITHOUT_ROWID ";"                                         \
  "CREATE TABLE coverage_report ("                                                              \
  " station TEXT NOT NULL, day BIGINT NOT NULL, energy INTEGER NOT NULL, industry TEXT NOT NULL," \
  " installed BIGINT NOT NULL, online BIGINT NOT NULL,"                                         \
  " PRIMARY KEY (station, day, energy, industry))" WITHOUT_ROWID ";"                                             \
  "CREATE INDEX coverage_report_day ON coverage_report (day);"                                  \
  "CREATE TABLE cost ("                                                                         \
  " point BIGINT NOT NULL, period INTEGER NOT NULL, usage_mantissa BIGINT NOT NULL,"            \
  " usage_scale INTEGER NOT NULL, unit TEXT NOT NULL, amount_fen BIGINT NOT NULL,"              \
  " tiers INTEGER NOT NULL, PRIMARY KEY (point, period));"

constexpr storage::Migration kSteps[] = {
    {1, "data centre: archive, readings, rollups",
     OMNI_CLOUD_COMMON_TABLES("INTEGER PRIMARY KEY", " WITHOUT ROWID", "INTEGER PRIMARY KEY",
                              "BLOB"),
     // PostgreSQL: an identity column for point ids; no WITHOUT ROWID (heap tables).
     OMNI_CLOUD_COMMON_TABLES("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "",
                              "BIGINT PRIMARY KEY", "BYTEA")},
};

#undef OMNI_CLOUD_COMMON_TABLES

}  // namespace

std::span<const storage::Migration> cloud_migrations() { return kSteps; }

}  // namespace omni::cloud
