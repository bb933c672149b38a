// The batch text: the exact layout of every record kind (the examples of
// docs/exchange-format.md), round trips, and every kind of damage a transfer or a faulty writer
// can do, each with the error code and the line and field it names.
#include "exchange/batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "crypto/sm3.hpp"

namespace omni::exchange {
namespace {

UtcTime at(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return UtcTime{days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s};
}

BaseCode code(std::uint16_t room, EnergyKind kind = EnergyKind::Electricity,
              std::uint8_t sequence = 1) {
  BaseCode c;
  c.county = 110105;
  c.street = 3;
  c.community = 12;
  c.building = 21;
  c.unit = 2;
  c.room = room;
  c.kind = kind;
  c.sequence = sequence;
  return c;
}

// One record of every kind, with the odd cases: a name with '|', '\' and a newline, Chinese
// text, a parent, a removed meter, a non-residential key user, a two-tier bill, a bill without
// tiers, a household coverage row.
Batch sample() {
  Batch b;
  b.station = "bj-power.01";
  b.sequence = 42;
  b.created = at(2026, 11, 25, 1, 30);

  b.regions.push_back({"110105", RegionLevel::District, "朝阳区", 39.9219, 116.4436});
  b.regions.push_back({"110105003012", RegionLevel::Community, "望京|西园\\三区\n(北)", {}, {}});

  MeterRecord supply;
  supply.code = code(0);
  supply.address = *MeterAddress::from_digits("000000001021");
  supply.meter_type = 0x40;
  supply.multiplier = 80;
  supply.installed = at(2019, 6, 1, 2);
  b.meters.push_back(supply);

  MeterRecord home;
  home.code = code(301);
  home.address = *MeterAddress::from_digits("000012345678");
  home.parent = code(0);
  home.installed = at(2020, 3, 15, 8);
  home.removed = at(2026, 10, 31, 16);
  b.meters.push_back(home);

  MeterRecord shop;
  shop.code = code(101, EnergyKind::Water, 2);
  shop.address = *MeterAddress::from_digits("10000000012345");
  shop.customer = CustomerType::NonResidential;
  shop.industry = 'H';
  shop.key_user = true;
  shop.remote = false;
  shop.meter_type = 0x10;
  shop.installed = at(2021, 1, 4);
  b.meters.push_back(shop);

  b.readings.push_back(
      {code(301), at(2026, 11, 24, 16), Quantity(1234567, 2, Unit::kWh), 0x40, Quality::Measured});
  b.readings.push_back({code(101, EnergyKind::Water, 2), at(2026, 11, 24, 16),
                        Quantity(8123, 3, Unit::m3), 0x10, Quality::Estimated});
  b.readings.push_back({code(301, EnergyKind::Heat), at(2026, 11, 24, 16),
                        Quantity(1250, 2, Unit::GJ), 0x20, Quality::Suspect});
  b.readings.push_back({code(301, EnergyKind::Gas), at(2026, 11, 24, 16), Quantity(0, 0, Unit::m3),
                        0x30, Quality::Edited});

  CostRecord bill;
  bill.code = code(301);
  bill.period = 202611;
  bill.usage = Quantity(30000, 2, Unit::kWh);
  bill.tiers.push_back({Quantity(24000, 2, Unit::kWh), Price{4883, Unit::kWh}, Fen{11719}});
  bill.tiers.push_back({Quantity(6000, 2, Unit::kWh), Price{5383, Unit::kWh}, Fen{3230}});
  bill.amount = Fen{14949};
  b.costs.push_back(bill);
  CostRecord flat;
  flat.code = code(101, EnergyKind::Water, 2);
  flat.period = 202611;
  flat.usage = Quantity(12, 0, Unit::m3);
  flat.amount = Fen{6000};
  b.costs.push_back(flat);

  b.coverage.push_back({days_from_civil(2026, 11, 25), EnergyKind::Electricity, 'C', 1200, 1187});
  b.coverage.push_back({days_from_civil(2026, 11, 25), EnergyKind::Water, ' ', 5000, 4990});
  return b;
}

// The body of sample(), line by line: the examples in docs/exchange-format.md.
const char* const kSampleBody =
    "R|110105|district|朝阳区|39.9219|116.4436\n"
    "R|110105003012|community|望京\\|西园\\\\三区\\n(北)||\n"
    "B|1101050030120021020000101X|000000001021||R||0|1|40|80|2019-06-01T02:00:00Z|\n"
    "B|1101050030120021020301101X|000012345678|1101050030120021020000101X|R||0|1|40|1|"
    "2020-03-15T08:00:00Z|2026-10-31T16:00:00Z\n"
    "B|1101050030120021020101202X|10000000012345||N|H|1|0|10|1|2021-01-04T00:00:00Z|\n"
    "E|11010500301200210203011018|2026-11-24T16:00:00Z|12345.67|kWh|40|0\n"
    "E|1101050030120021020101202X|2026-11-24T16:00:00Z|8.123|m3|10|1\n"
    "E|1101050030120021020301401X|2026-11-24T16:00:00Z|12.50|GJ|20|3\n"
    "E|1101050030120021020301301X|2026-11-24T16:00:00Z|0|m3|30|2\n"
    "C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.4883|117.19|60.00|"
    "0.5383|32.30\n"
    "C|1101050030120021020101202X|202611|12|m3|60.00|0\n"
    "V|2026-11-25|1|C|1200|1187\n"
    "V|2026-11-25|2||5000|4990\n";

// Replaces each 'X' that ends a 25-digit run by that run's check digit, so the expected text
// above can be written (and read) without computing check digits by hand.
std::string fill_check_digits(std::string text) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      ++run;
    } else {
      if (text[i] == 'X' && run == 25) {
        text[i] = check_digit_mod11_10(std::string_view(text).substr(i - 25, 25));
      }
      run = 0;
    }
  }
  return text;
}

// A batch around any body, with a correct digest and (unless given) a correct count, so that
// what a test breaks in the body is the only problem.
std::string around(const std::string& body, std::optional<std::size_t> count = {},
                   const std::string& version = "1") {
  std::size_t lines = 0;
  for (char c : body) lines += c == '\n';
  return "OMX|" + version + "|st-1|7|2026-11-25T00:00:00Z|" +
         std::to_string(count.value_or(lines)) + "|" + body_digest(body) + "\n" + body;
}

void expect_same(const Quantity& a, const Quantity& b) {
  EXPECT_EQ(a.mantissa(), b.mantissa());
  EXPECT_EQ(a.scale(), b.scale());
  EXPECT_EQ(a.unit(), b.unit());
}

void expect_same(const Batch& a, const Batch& b) {
  EXPECT_EQ(a.station, b.station);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.created, b.created);
  ASSERT_EQ(a.regions.size(), b.regions.size());
  for (std::size_t i = 0; i < a.regions.size(); ++i) {
    EXPECT_EQ(a.regions[i].code, b.regions[i].code);
    EXPECT_EQ(a.regions[i].level, b.regions[i].level);
    EXPECT_EQ(a.regions[i].name, b.regions[i].name);
    EXPECT_EQ(a.regions[i].latitude, b.regions[i].latitude);
    EXPECT_EQ(a.regions[i].longitude, b.regions[i].longitude);
  }
  ASSERT_EQ(a.meters.size(), b.meters.size());
  for (std::size_t i = 0; i < a.meters.size(); ++i) {
    const auto& x = a.meters[i];
    const auto& y = b.meters[i];
    EXPECT_EQ(x.code, y.code);
    EXPECT_EQ(x.address, y.address);
    EXPECT_EQ(x.parent, y.parent);
    EXPECT_EQ(x.customer, y.customer);
    EXPECT_EQ(x.industry, y.industry);
    EXPECT_EQ(x.key_user, y.key_user);
    EXPECT_EQ(x.remote, y.remote);
    EXPECT_EQ(x.meter_type, y.meter_type);
    EXPECT_EQ(x.multiplier, y.multiplier);
    EXPECT_EQ(x.installed, y.installed);
    EXPECT_EQ(x.removed, y.removed);
  }
  ASSERT_EQ(a.readings.size(), b.readings.size());
  for (std::size_t i = 0; i < a.readings.size(); ++i) {
    EXPECT_EQ(a.readings[i].code, b.readings[i].code);
    EXPECT_EQ(a.readings[i].at, b.readings[i].at);
    expect_same(a.readings[i].value, b.readings[i].value);
    EXPECT_EQ(a.readings[i].meter_type, b.readings[i].meter_type);
    EXPECT_EQ(a.readings[i].quality, b.readings[i].quality);
  }
  ASSERT_EQ(a.costs.size(), b.costs.size());
  for (std::size_t i = 0; i < a.costs.size(); ++i) {
    const auto& x = a.costs[i];
    const auto& y = b.costs[i];
    EXPECT_EQ(x.code, y.code);
    EXPECT_EQ(x.period, y.period);
    expect_same(x.usage, y.usage);
    EXPECT_EQ(x.amount, y.amount);
    ASSERT_EQ(x.tiers.size(), y.tiers.size());
    for (std::size_t t = 0; t < x.tiers.size(); ++t) {
      expect_same(x.tiers[t].usage, y.tiers[t].usage);
      EXPECT_EQ(x.tiers[t].price, y.tiers[t].price);
      EXPECT_EQ(x.tiers[t].amount, y.tiers[t].amount);
    }
  }
  ASSERT_EQ(a.coverage.size(), b.coverage.size());
  for (std::size_t i = 0; i < a.coverage.size(); ++i) {
    EXPECT_EQ(a.coverage[i].day, b.coverage[i].day);
    EXPECT_EQ(a.coverage[i].kind, b.coverage[i].kind);
    EXPECT_EQ(a.coverage[i].industry, b.coverage[i].industry);
    EXPECT_EQ(a.coverage[i].installed, b.coverage[i].installed);
    EXPECT_EQ(a.coverage[i].online, b.coverage[i].online);
  }
}

std::string body_of(const std::string& text) { return text.substr(text.find('\n') + 1); }

// ---------------------------------------------------------------------------------------------

TEST(BatchText, DigestIsSm3InLowerCaseHex) {
  // GB/T 32905-2016 appendix A, example 1.
  EXPECT_EQ(body_digest("abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(BatchText, EveryRecordKindHasTheDocumentedLayout) {
  std::string text = write_batch(sample());
  std::string body = fill_check_digits(kSampleBody);
  EXPECT_EQ(body_of(text), body);
  EXPECT_EQ(text.substr(0, text.find('\n') + 1),
            "OMX|1|bj-power.01|42|2026-11-25T01:30:00Z|13|" + body_digest(body) + "\n");
}

TEST(BatchText, EveryRecordKindRoundTrips) {
  Batch b = sample();
  auto back = read_batch(write_batch(b));
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(*back, b);
  EXPECT_EQ(back->record_count(), 13u);
  EXPECT_EQ(back->regions[1].name, "望京|西园\\三区\n(北)");
  EXPECT_FALSE(back->regions[1].latitude);
  EXPECT_EQ(back->meters[0].multiplier, 80);
  EXPECT_EQ(back->readings[0].value.to_string(), "12345.67 kWh");
}

TEST(BatchText, OddNamesRoundTrip) {
  const std::vector<std::string> names = {"|",
                                          "\\",
                                          "\\|",
                                          "a\\nb",
                                          "\n\n",
                                          "行\r\n尾",
                                          "tab\there",
                                          "bell\x07",
                                          "del\x7f",
                                          "末尾\\",
                                          "||\\\\||",
                                          "😀 emoji",
                                          "北京市朝阳区望京街道望京西园三区",
                                          "x"};
  Batch b;
  b.station = "s";
  b.sequence = 1;
  for (const auto& n : names) b.regions.push_back({"110105", RegionLevel::District, n, {}, {}});
  std::string text = write_batch(b);
  // One line per record: no raw newline or separator escaped the escaping.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(names.size() + 1));
  auto back = read_batch(text);
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->regions.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(back->regions[i].name, names[i]);
}

TEST(BatchText, InvalidUtf8InANameIsReplacedOnWriteAndRejectedOnRead) {
  Batch b;
  b.station = "s";
  b.sequence = 1;
  b.regions.push_back({"110105", RegionLevel::District, "ab\xff\xc3(", {}, {}});
  auto back = read_batch(write_batch(b));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->regions[0].name, "ab\xEF\xBF\xBD\xEF\xBF\xBD(");

  for (std::string raw : {"ab\xff", "\xc3(", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"}) {
    auto r = read_batch(around("R|110105|district|" + raw + "||\n"));
    ASSERT_FALSE(r) << raw;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed);
    EXPECT_NE(r.error().detail.find("line 2: R field 4 (name)"), std::string::npos)
        << r.error().detail;
    EXPECT_NE(r.error().detail.find("UTF-8"), std::string::npos) << r.error().detail;
  }
}

TEST(BatchText, AnEmptyBatchAndRecordsInAnyOrderAreAccepted) {
  Batch empty;
  empty.station = "s";
  empty.sequence = 9;
  std::string text = write_batch(empty);
  EXPECT_EQ(text, "OMX|1|s|9|1970-01-01T00:00:00Z|0|" + body_digest("") + "\n");
  auto back = read_batch(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->record_count(), 0u);
  EXPECT_EQ(back->sequence, 9u);

  // Coverage first, then a reading, then a region.
  std::string body = fill_check_digits(
      "V|2026-11-25|1|C|1200|1187\n"
      "E|11010500301200210203011018|2026-11-24T16:00:00Z|12345.67|kWh|40|0\n"
      "R|110105|district|朝阳区||\n");
  auto mixed = read_batch(around(body));
  ASSERT_TRUE(mixed) << mixed.error().to_string();
  EXPECT_EQ(mixed->coverage.size(), 1u);
  EXPECT_EQ(mixed->readings.size(), 1u);
  EXPECT_EQ(mixed->regions.size(), 1u);
}

TEST(BatchText, TimesBeforeTheEpochAndLargeRegistersRoundTrip) {
  Batch b;
  b.station = "s";
  b.sequence = 1;
  b.created = UtcTime{-1};  // 1969-12-31T23:59:59Z
  b.readings.push_back({code(301), at(2026, 2, 28, 23, 59, 59),
                        Quantity(std::numeric_limits<std::int64_t>::max(), 18, Unit::kWh), 0x41,
                        Quality::Measured});
  std::string text = write_batch(b);
  EXPECT_NE(text.find("|1969-12-31T23:59:59Z|"), std::string::npos) << text;
  EXPECT_NE(text.find("|9.223372036854775807|kWh|41|"), std::string::npos) << text;
  auto back = read_batch(text);
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(*back, b);
}

// --- damage in transfer --------------------------------------------------------------------

TEST(BatchDamage, TruncatedBodyIsCorrupt) {
  std::string text = write_batch(sample());
  for (std::size_t cut : {1u, 2u, 30u, 200u}) {
    auto r = read_batch(std::string_view(text).substr(0, text.size() - cut));
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error().code, ErrorCode::BadChecksum) << r.error().detail;
    EXPECT_NE(r.error().detail.find("truncated or altered"), std::string::npos);
  }
  // Cut in the header: no newline left.
  auto r = read_batch(std::string_view(text).substr(0, 20));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
}

TEST(BatchDamage, EveryFlippedBodyByteIsCorrupt) {
  std::string text = write_batch(sample());
  std::size_t body_start = text.find('\n') + 1;
  for (std::size_t i = body_start; i < text.size(); i += 7) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto r = read_batch(bad);
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().code, ErrorCode::BadChecksum) << i << ": " << r.error().detail;
  }
  // A flipped digit of the digest itself.
  std::string bad = text;
  std::size_t digest_at = body_start - 2;
  bad[digest_at] = bad[digest_at] == '0' ? '1' : '0';
  EXPECT_EQ(read_batch(bad).error().code, ErrorCode::BadChecksum);
}

TEST(BatchDamage, WrongRecordCountIsCorrupt) {
  std::string body = body_of(write_batch(sample()));
  for (std::size_t count : {0u, 12u, 14u, 1000u}) {
    auto r = read_batch(around(body, count));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::BadChecksum);
    EXPECT_NE(
        r.error().detail.find("counts " + std::to_string(count) + " records, the body has 13"),
        std::string::npos)
        << r.error().detail;
  }
  EXPECT_TRUE(read_batch(around(body, 13u)));
}

TEST(BatchDamage, NewerVersionIsUnsupported) {
  std::string body = body_of(write_batch(sample()));
  auto r = read_batch(around(body, {}, "2"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
  EXPECT_NE(r.error().detail.find("version 2 is newer"), std::string::npos) << r.error().detail;
  // A version 2 header may change shape after the version: still Unsupported, not Malformed.
  r = read_batch("OMX|2|whatever comes next\nX|anything\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(read_batch(around(body, {}, "0")).error().code, ErrorCode::Malformed);
  EXPECT_EQ(read_batch(around(body, {}, "01")).error().code, ErrorCode::Malformed);
}

TEST(BatchDamage, OversizeIsOutOfRange) {
  std::string big(kMaxBatchBytes + 1, 'x');
  auto r = read_batch(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::OutOfRange);
  // Exactly at the limit is not refused for its size (it fails for what it says).
  std::string at_limit(kMaxBatchBytes, 'x');
  EXPECT_NE(read_batch(at_limit).error().code, ErrorCode::OutOfRange);
}

TEST(BatchDamage, CrlfLineEndingsAreRejectedWithAClearMessage) {
  std::string text = write_batch(sample());
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto r = read_batch(crlf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  EXPECT_NE(r.error().detail.find("line 1: ends with CR"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("LF only"), std::string::npos);

  // Only the body converted (and the digest made for it): each line names the CR.
  std::string body = fill_check_digits("V|2026-11-25|1|C|1200|1187\r\n");
  r = read_batch(around(body));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("line 2: ends with CR"), std::string::npos) << r.error().detail;

  // Only the body converted, the digest of the original: the digest fails and says why.
  std::string original = write_batch(sample());
  std::size_t header_end = original.find('\n') + 1;
  std::string converted = original.substr(0, header_end);
  for (char c : original.substr(header_end)) {
    if (c == '\n') converted += '\r';
    converted += c;
  }
  r = read_batch(converted);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadChecksum);
  EXPECT_NE(r.error().detail.find("CRLF"), std::string::npos) << r.error().detail;
}

TEST(BatchDamage, HeaderProblemsAreMalformedAndNameTheField) {
  std::string body = body_of(write_batch(sample()));
  std::string digest = body_digest(body);
  struct Case {
    std::string header;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"", "no newline"},
      {"\xEF\xBB\xBFOMX|1|s|1|2026-11-25T00:00:00Z|13|" + digest, "byte order mark"},
      {"OMZ|1|s|1|2026-11-25T00:00:00Z|13|" + digest, "not an exchange batch"},
      {"OMX|x|s|1|2026-11-25T00:00:00Z|13|" + digest, "header field 2 (version)"},
      {"OMX|1|s|1|2026-11-25T00:00:00Z|13", "has 6 fields"},
      {"OMX|1|s|1|2026-11-25T00:00:00Z|13|" + digest + "|extra", "has 8 fields"},
      {"OMX|1||1|2026-11-25T00:00:00Z|13|" + digest, "header field 3 (station)"},
      {"OMX|1|bad station|1|2026-11-25T00:00:00Z|13|" + digest, "header field 3 (station)"},
      {"OMX|1|" + std::string(65, 's') + "|1|2026-11-25T00:00:00Z|13|" + digest,
       "header field 3 (station)"},
      {"OMX|1|s|0|2026-11-25T00:00:00Z|13|" + digest, "header field 4 (sequence)"},
      {"OMX|1|s|-1|2026-11-25T00:00:00Z|13|" + digest, "header field 4 (sequence)"},
      {"OMX|1|s|18446744073709551616|2026-11-25T00:00:00Z|13|" + digest,
       "header field 4 (sequence)"},
      {"OMX|1|s|1|2026-11-25T00:00:00+08:00|13|" + digest, "header field 5 (created)"},
      {"OMX|1|s|1|2026-11-25 00:00:00Z|13|" + digest, "header field 5 (created)"},
      {"OMX|1|s|1|2026-11-25T00:00:00Z|+13|" + digest, "header field 6 (count)"},
      {"OMX|1|s|1|2026-11-25T00:00:00Z|13|" + digest.substr(1), "header field 7 (digest)"},
      {"OMX|1|s|1|2026-11-25T00:00:00Z|13|" + std::string(64, 'A'), "header field 7 (digest)"},
  };
  for (const auto& c : cases) {
    std::string text = c.header.empty() ? std::string("OMX|1") : c.header + "\n" + body;
    auto r = read_batch(text);
    ASSERT_FALSE(r) << c.header;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << c.header << ": " << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.expect), std::string::npos)
        << c.header << "\n  gave: " << r.error().detail << "\n  expected: " << c.expect;
  }
  EXPECT_EQ(read_batch("").error().code, ErrorCode::Malformed);
  // The largest sequence number is fine.
  EXPECT_TRUE(
      read_batch("OMX|1|s|18446744073709551615|2026-11-25T00:00:00Z|13|" + digest + "\n" + body));
}

// --- bad fields: a faulty writer ------------------------------------------------------------

struct BadLine {
  std::string line;    // with X for check digits (fill_check_digits)
  std::string expect;  // in the message after "line 2: "
};

// One valid line of each kind, then broken variants with the field their message names.
const std::vector<BadLine>& bad_lines() {
  static const std::vector<BadLine> cases = {
      // R
      {"R|1101|district|x||", "R field 2 (code)"},
      {"R|110105|District|x||", "R field 3 (level)"},
      {"R|010105|district|x||", "R field 2 (code)"},
      {"R|11010a|district|x||", "R field 2 (code)"},
      {"R|110105|district|||", "R field 4 (name): is empty"},
      {"R|110105|district|a\\qb||", "R field 4 (name): unknown escape"},
      {"R|110105|district|a\\|b||", ""},
      {"R|110105|district|a\\x41||", "R field 4 (name): \\x41 is not a control"},
      {"R|110105|district|a\tb||", "R field 4 (name): raw control character 0x09"},
      {"R|110105|district|" + std::string(kMaxNameBytes + 1, 'n') + "||", "R field 4 (name)"},
      {"R|110105|district|x|39.9|", "R field 6 (longitude): latitude and longitude"},
      {"R|110105|district|x|91|116", "R field 5 (latitude)"},
      {"R|110105|district|x|39.9|1e2", "R field 6 (longitude)"},
      {"R|110105|district|x|39.9|-181", "R field 6 (longitude)"},
      {"R|110105|district|x|.5|116", "R field 5 (latitude)"},
      {"R|110105|district|x||", ""},  // valid: the control case
      {"R|110105|district|x|-39.9|-116.25", ""},
      {"R|110105|district|x|", "R region record has 5 fields, expected 6"},
      // B
      {"B|11010500301200210203011018|000012345678||R||0|1|40|1|2020-03-15T08:00:00Z|", ""},
      {"B|11010500301200210203011017|000012345678||R||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 2 (code): \"11010500301200210203011017\": check digit is 7"},
      {"B|11010500301200210203011018|0000123456AA||R||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 3 (address)"},
      {"B|11010500301200210203011018|999999999999||R||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 3 (address)"},
      {"B|11010500301200210203011018|00001234567||R||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 3 (address)"},
      {"B|11010500301200210203011018|000012345678|11010500301200210203011018|R||0|1|40|1|"
       "2020-03-15T08:00:00Z|",
       "B field 4 (parent): a metering point is not its own parent"},
      {"B|11010500301200210203011018|000012345678|1101050030120021020302101X|R||0|1|40|1|"
       "2020-03-15T08:00:00Z|",
       "B field 4 (parent): the parent must be a supply meter"},
      {"B|11010500301200210203011018|000012345678|1101050030120021020000201X|R||0|1|40|1|"
       "2020-03-15T08:00:00Z|",
       "B field 4 (parent): the parent measures another energy"},
      {"B|11010500301200210203011018|000012345678||X||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 5 (customer)"},
      {"B|11010500301200210203011018|000012345678||R|C|0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 6 (industry): residential"},
      {"B|11010500301200210203011018|000012345678||N||0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 6 (industry): non-residential"},
      {"B|11010500301200210203011018|000012345678||N|U|0|1|40|1|2020-03-15T08:00:00Z|",
       "B field 6 (industry)"},
      {"B|11010500301200210203011018|000012345678||R||2|1|40|1|2020-03-15T08:00:00Z|",
       "B field 7 (key_user)"},
      {"B|11010500301200210203011018|000012345678||R||0|yes|40|1|2020-03-15T08:00:00Z|",
       "B field 8 (remote)"},
      {"B|11010500301200210203011018|000012345678||R||0|1|10|1|2020-03-15T08:00:00Z|",
       "B field 9 (meter_type): \"10\" is not a meter type of electricity"},
      {"B|11010500301200210203011018|000012345678||R||0|1|4|1|2020-03-15T08:00:00Z|",
       "B field 9 (meter_type)"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|0|2020-03-15T08:00:00Z|",
       "B field 10 (multiplier)"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|01|2020-03-15T08:00:00Z|",
       "B field 10 (multiplier): \"01\" has a leading zero"},
      {"B|1101050030120021020301202X|000012345678||R||0|1|10|5|2020-03-15T08:00:00Z|",
       "B field 10 (multiplier): only electricity"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|1|2020-02-30T08:00:00Z|",
       "B field 11 (installed): \"2020-02-30\" is not a calendar day"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|1|2020-03-15T24:00:00Z|",
       "B field 11 (installed)"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|1|2020-03-15T08:00:00Z|"
       "2020-03-15T07:59:59Z",
       "B field 12 (removed): is before the installation"},
      {"B|11010500301200210203011018|000012345678||R||0|1|40|1|2020-03-15T08:00:00Z",
       "B metering point record has 11 fields, expected 12"},
      // E
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12345.67|kWh|40|0", ""},
      {"E|1101050030120021020301101|2026-11-24T16:00:00Z|12345.67|kWh|40|0", "E field 2 (code)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00|12345.67|kWh|40|0", "E field 3 (at)"},
      {"E|11010500301200210203011018|2026-13-24T16:00:00Z|12345.67|kWh|40|0", "E field 3 (at)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|-1|kWh|40|0", "E field 4 (value)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|1,5|kWh|40|0", "E field 4 (value)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|1.|kWh|40|0", "E field 4 (value)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|007|kWh|40|0",
       "E field 4 (value): \"007\" has a leading zero"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|1e3|kWh|40|0", "E field 4 (value)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|99999999999999999999|kWh|40|0",
       "E field 4 (value): \"99999999999999999999\" does not fit"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|0.1234567890123456789|kWh|40|0",
       "E field 4 (value)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z||kWh|40|0",
       "E field 4 (value): is empty"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|m3|40|0",
       "E field 5 (unit): \"m3\" does not measure electricity"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kwh|40|0",
       "E field 5 (unit): \"kwh\" is not a unit symbol"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12||40|0", "E field 5 (unit)"},
      {"E|1101050030120021020301201X|2026-11-24T16:00:00Z|12|m³|10|0",
       "E field 5 (unit): \"m³\" is not a unit symbol"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|30|0", "E field 6 (meter_type)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|4a|0", "E field 6 (meter_type)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|40|4", "E field 7 (quality)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|40|", "E field 7 (quality)"},
      {"E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|40|0|",
       "E reading record has 8 fields, expected 7"},
      // C
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.4883|117.19|60.00|"
       "0.5383|32.30",
       ""},
      {"C|11010500301200210203011018|202613|300.00|kWh|149.49|0", "C field 3 (period)"},
      {"C|11010500301200210203011018|20261|300.00|kWh|149.49|0", "C field 3 (period)"},
      {"C|11010500301200210203011018|202611|300.00|m3|149.49|0", "C field 5 (unit)"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.5|0",
       "C field 6 (amount): \"149.5\": money is yuan with exactly two decimals"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|10", "C field 7 (tiers)"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.4883|117.19",
       "C monthly cost record has 10 fields, expected 13"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|1|240.00|0.4883|117.19|60.00|"
       "0.5383|32.30",
       "has 13 fields, expected 10"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.488|117.19|60.00|"
       "0.5383|32.30",
       "C field 9 (tier 1 price): \"0.488\": a price is yuan with exactly four decimals"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.4883|117.19|6O.00|"
       "0.5383|32.30",
       "C field 11 (tier 2 usage)"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.49|2|240.00|0.4883|117.19|60.00|"
       "0.5383|32.3",
       "C field 13 (tier 2 amount)"},
      {"C|11010500301200210203011018|202611|300.01|kWh|149.49|2|240.00|0.4883|117.19|60.00|"
       "0.5383|32.30",
       "C field 4 (usage): \"300.01\" is not the sum of the tiers' usage (300.00)"},
      {"C|11010500301200210203011018|202611|300.00|kWh|149.48|2|240.00|0.4883|117.19|60.00|"
       "0.5383|32.30",
       "C field 6 (amount): \"149.48\" is not the sum of the tiers' amounts (149.49)"},
      {"C|11010500301200210203011018|202611", "C monthly cost record has 3 fields"},
      // V
      {"V|2026-11-25|1|C|1200|1187", ""},
      {"V|2026-11-25|4||0|0", ""},
      {"V|20261125|1|C|1200|1187", "V field 2 (day)"},
      {"V|2026-11-31|1|C|1200|1187", "V field 2 (day)"},
      {"V|2026-11-25|5|C|1200|1187", "V field 3 (energy)"},
      {"V|2026-11-25|electricity|C|1200|1187", "V field 3 (energy)"},
      {"V|2026-11-25|1|CC|1200|1187", "V field 4 (industry)"},
      {"V|2026-11-25|1|C|-1|0", "V field 5 (installed)"},
      {"V|2026-11-25|1|C|1200|1201", "V field 6 (online): 1201 online meters of 1200 installed"},
      {"V|2026-11-25|1|C|1200", "V coverage record has 5 fields, expected 6"},
      // Any line
      {"X|1|2", "unknown record kind \"X\""},
      {"EE|1", "unknown record kind \"EE\""},
      {"", "empty line"},
      {std::string(kMaxLineBytes + 1, 'E'), "more than 4096"},
  };
  return cases;
}

TEST(BatchFields, EveryBadFieldIsMalformedAndNamesLineAndField) {
  for (const auto& c : bad_lines()) {
    std::string line = fill_check_digits(c.line);
    // Two good lines before it, so the line number is not an accident of position.
    std::string body = "V|2026-11-25|1|C|1200|1187\nV|2026-11-25|2||5000|4990\n" + line + "\n";
    auto r = read_batch(around(body));
    if (c.expect.empty()) {
      EXPECT_TRUE(r) << line << "\n  " << r.error().detail;
      continue;
    }
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << line << "\n  " << r.error().detail;
    EXPECT_EQ(r.error().detail.rfind("line 4: ", 0), 0u) << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.expect), std::string::npos)
        << line << "\n  gave:     " << r.error().detail << "\n  expected: " << c.expect;
  }
}

TEST(BatchFields, ErrorOffsetsPointAtTheField) {
  std::string body =
      fill_check_digits("E|11010500301200210203011018|2026-11-24T16:00:00Z|12a|kWh|40|0\n");
  std::string text = around(body);
  auto r = read_batch(text);
  ASSERT_FALSE(r);
  ASSERT_GE(r.error().offset, 0);
  EXPECT_EQ(text.substr(static_cast<std::size_t>(r.error().offset), 4), "a|kW");
  // A damaged code: the offset is its check digit.
  body = "E|11010500301200210203011017|2026-11-24T16:00:00Z|12|kWh|40|0\n";
  text = around(body);
  r = read_batch(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(static_cast<std::size_t>(r.error().offset), text.find("17|2026") + 1);
}

TEST(BatchFields, TheLastLineNeedsItsNewline) {
  std::string body = "V|2026-11-25|1|C|1200|1187\nV|2026-11-25|2||5000|4990";
  auto r = read_batch(around(body, 2u));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  EXPECT_NE(r.error().detail.find("line 3: the last line has no newline"), std::string::npos)
      << r.error().detail;
}

// --- the validator -----------------------------------------------------------------------------

TEST(Validate, AValidBatchHasNoProblems) {
  EXPECT_TRUE(validate_batch(write_batch(sample())).empty());
}

TEST(Validate, ReportsEveryProblemWithItsLine) {
  std::string body = fill_check_digits(
      "V|2026-11-25|1|C|1200|1187\n"                                     // 2 ok
      "V|2026-11-25|9|C|1200|1187\n"                                     // 3 energy
      "E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|40|0\n"  // 4 ok
      "E|11010500301200210203011018|2026-11-24T16:00:00Z|12|kWh|40|7\n"  // 5 quality
      "\n"                                                               // 6 empty
      "R|110105|district|朝阳区||\n");                                   // 7 ok
  std::string text = around(body, 9u);
  auto problems = validate_batch(text);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].line, 3u);
  EXPECT_NE(problems[0].message.find("V field 3 (energy)"), std::string::npos);
  EXPECT_EQ(problems[1].line, 5u);
  EXPECT_NE(problems[1].message.find("E field 7 (quality)"), std::string::npos);
  EXPECT_EQ(problems[2].line, 6u);
  EXPECT_EQ(problems[2].message, "empty line");
  EXPECT_EQ(problems[3].line, 0u);
  EXPECT_NE(problems[3].message.find("counts 9 records, the body has 6"), std::string::npos);
  // read_batch stops at the first of them.
  auto r = read_batch(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.rfind("line 3: V field 3 (energy)", 0), 0u) << r.error().detail;
}

TEST(Validate, ADamagedTransferIsReportedBeforeItsRecords) {
  std::string text = write_batch(sample());
  text[text.size() - 2] = '9';  // the last coverage row's online count: 4990 -> 4999
  auto problems = validate_batch(text);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].line, 0u);
  EXPECT_NE(problems[0].message.find("digest"), std::string::npos);

  problems = validate_batch("OMX|3|future\nwhatever\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 1u);
  EXPECT_NE(problems[0].message.find("newer"), std::string::npos);

  problems = validate_batch("not a batch\nE|x\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("not an exchange batch"), std::string::npos);
}

TEST(Validate, AHeaderProblemDoesNotHideTheRecords) {
  std::string body = "V|2026-11-25|1|C|1200|1187\nV|2026-11-25|1|C|1|2\n";
  std::string text =
      "OMX|1|bad station|1|2026-11-25T00:00:00Z|2|" + body_digest(body) + "\n" + body;
  auto problems = validate_batch(text);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].line, 1u);
  EXPECT_NE(problems[0].message.find("station"), std::string::npos);
  EXPECT_EQ(problems[1].line, 3u);
  EXPECT_NE(problems[1].message.find("V field 6 (online)"), std::string::npos);
}

}  // namespace
}  // namespace omni::exchange
