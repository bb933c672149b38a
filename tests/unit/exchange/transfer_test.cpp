// The exchange's two ends over real loopback HTTP: the receiver (checks, acknowledgements,
// refusals, the drop folder) and the uploader (acknowledgement checking, retries, back-off).
// The store behind the receiver is a small in-memory table with the same (station, sequence,
// digest) rule as the cloud's: the rule is what is under test here; the cloud's own store is
// tested in tests/unit/cloud and end to end in tests/integration/cloud.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>

#include "exchange/batch.hpp"
#include "exchange/receiver.hpp"
#include "exchange/uploader.hpp"
#include "net/http_server.hpp"
#include "support/temp_dir.hpp"

namespace omni::exchange {
namespace {

Batch make_batch(std::string station, std::uint64_t sequence, int readings) {
  Batch b;
  b.station = std::move(station);
  b.sequence = sequence;
  b.created = UtcTime{1'764'000'000};
  for (int i = 0; i < readings; ++i) {
    ReadingRecord r;
    r.code.county = 110105;
    r.code.street = 3;
    r.code.community = 12;
    r.code.building = 21;
    r.code.unit = 2;
    r.code.room = static_cast<std::uint16_t>(100 + i);
    r.code.kind = EnergyKind::Electricity;
    r.at = UtcTime{1'763'913'600};
    r.value = Quantity(1000 + static_cast<std::int64_t>(sequence) * 10 + i, 2, Unit::kWh);
    b.readings.push_back(r);
  }
  return b;
}

// (station, sequence) -> digest, like the cloud's batch log.
struct MemoryStore {
  std::mutex mutex;
  std::map<std::pair<std::string, std::uint64_t>, std::string> seen;
  bool failing = false;
  int stored = 0;

  Sink sink() {
    return [this](const Batch& b, std::string_view digest) -> Result<Receipt> {
      std::lock_guard lock(mutex);
      if (failing) return fail(ErrorCode::Io, "database is down");
      auto [it, inserted] = seen.try_emplace({b.station, b.sequence}, std::string(digest));
      Receipt r;
      r.records = b.record_count();
      if (!inserted) {
        r.disposition = it->second == digest ? Disposition::Duplicate : Disposition::Conflict;
      } else {
        ++stored;
      }
      return r;
    };
  }
};

TEST(Receiver, AcceptsOnceThenAcknowledgesDuplicates) {
  MemoryStore store;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  std::string text = write_batch(make_batch("elec-01", 7, 3));
  auto first = receive_batch(text, {}, store.sink(), counters);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_NE(first->find("\"status\":\"accepted\""), std::string::npos);
  EXPECT_NE(first->find("\"sequence\":7"), std::string::npos);
  auto again = receive_batch(text, {}, store.sink(), counters);
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("\"status\":\"duplicate\""), std::string::npos);
  EXPECT_EQ(store.stored, 1);
  EXPECT_EQ(counters.accepted.value(), 1u);
  EXPECT_EQ(counters.duplicate.value(), 1u);
}

TEST(Receiver, SameSequenceWithOtherContentIsAConflict) {
  MemoryStore store;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  ASSERT_TRUE(receive_batch(write_batch(make_batch("elec-01", 7, 3)), {}, store.sink(), counters));
  auto other = receive_batch(write_batch(make_batch("elec-01", 7, 4)), {}, store.sink(), counters);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::Duplicate);
  EXPECT_EQ(counters.conflict.value(), 1u);
}

TEST(Receiver, TruncatedOrAlteredBatchIsRefusedBeforeTheStore) {
  MemoryStore store;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  std::string text = write_batch(make_batch("elec-01", 1, 5));
  auto truncated = receive_batch(text.substr(0, text.size() - 20), {}, store.sink(), counters);
  ASSERT_FALSE(truncated);
  std::string altered = text;
  altered[altered.size() - 5] = altered[altered.size() - 5] == '1' ? '2' : '1';
  auto changed = receive_batch(altered, {}, store.sink(), counters);
  ASSERT_FALSE(changed);
  EXPECT_EQ(store.stored, 0);
  EXPECT_EQ(counters.refused.value(), 2u);
}

TEST(Receiver, ClientCertificateMustNameTheSendingStation) {
  MemoryStore store;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  std::string text = write_batch(make_batch("elec-01", 1, 1));
  auto impostor = receive_batch(text, "CN=water-01,O=Beijing Water", store.sink(), counters);
  ASSERT_FALSE(impostor);
  EXPECT_EQ(impostor.error().code, ErrorCode::Unauthorized);
  auto genuine = receive_batch(text, "CN=elec-01,O=State Grid Beijing", store.sink(), counters);
  ASSERT_TRUE(genuine) << genuine.error().to_string();
}

TEST(Receiver, StoreFailureIsRetryableAndCounted) {
  MemoryStore store;
  store.failing = true;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  auto r = receive_batch(write_batch(make_batch("elec-01", 1, 1)), {}, store.sink(), counters);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_EQ(counters.failed.value(), 1u);
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(DropFolder, MovesAcceptedAndRefusedFilesAndKeepsWhatTheStoreCouldNotTake) {
  omni::testing::TempDir dir("omni-drop");
  MemoryStore store;
  metrics::Registry registry;
  ReceiverCounters counters{registry};
  write_file(dir / "a-0001.omx", write_batch(make_batch("gas-01", 1, 2)));
  write_file(dir / "a-0002.omx", "OMX|1|gas-01|2|garbage\n");
  // A damaged file just written may still be arriving: it waits for the next scan.
  write_file(dir / "a-0004.omx", "OMX|1|gas-01|4|half a ba");
  // The damaged file is old enough to be complete: it is refused.
  std::filesystem::last_write_time(
      dir / "a-0002.omx", std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
  write_file(dir / "notes.txt", "not a batch");
  auto moved = scan_drop_folder(dir.path(), store.sink(), counters);
  ASSERT_TRUE(moved) << moved.error().to_string();
  EXPECT_EQ(*moved, 2u);
  EXPECT_TRUE(std::filesystem::exists(dir / "done" / "a-0001.omx"));
  EXPECT_TRUE(std::filesystem::exists(dir / "rejected" / "a-0002.omx"));
  EXPECT_TRUE(std::filesystem::exists(dir / "rejected" / "a-0002.omx.reason"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "a-0004.omx")) << "left for the next scan";
  std::filesystem::remove(dir / "a-0004.omx");

  store.failing = true;
  write_file(dir / "a-0003.omx", write_batch(make_batch("gas-01", 3, 2)));
  moved = scan_drop_folder(dir.path(), store.sink(), counters);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, 0u);
  EXPECT_TRUE(std::filesystem::exists(dir / "a-0003.omx"));
  store.failing = false;
  moved = scan_drop_folder(dir.path(), store.sink(), counters);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, 1u);
  EXPECT_EQ(store.stored, 2);
}

// A station's outbox: batches 1..n, each acknowledged at most once.
struct Outbox {
  std::vector<OutgoingBatch> batches;
  std::vector<std::uint64_t> acknowledged;

  explicit Outbox(int n) {
    for (int i = 1; i <= n; ++i) {
      batches.push_back({static_cast<std::uint64_t>(i), write_batch(make_batch("heat-01", i, 4))});
    }
  }
  Uploader::Next next() {
    return [this](UtcTime) -> Result<std::optional<OutgoingBatch>> {
      if (acknowledged.size() == batches.size()) return std::optional<OutgoingBatch>();
      return std::optional<OutgoingBatch>(batches[acknowledged.size()]);
    };
  }
  Uploader::Acknowledge acknowledge() {
    return [this](std::uint64_t seq, UtcTime) -> Status {
      if (seq != acknowledged.size() + 1) return fail(ErrorCode::NotFound, "not the oldest batch");
      acknowledged.push_back(seq);
      return ok();
    };
  }
};

class UploaderTest : public ::testing::Test {
 protected:
  // The receiver route, with a switchable answer in front of it.
  void start() {
    net::Router router;
    Sink sink = store_.sink();
    router.post(std::string(kBatchPath), [this, sink](const net::Request& req) {
      std::lock_guard lock(mode_mutex_);
      if (answer_ == Answer::Unavailable) return net::Response::error(503, "busy", "maintenance");
      if (answer_ == Answer::Refuse)
        return net::Response::error(403, "forbidden", "unknown station");
      if (answer_ == Answer::Damaged) {
        return net::Response::error(400, "bad_checksum", "the body's SM3 does not match");
      }
      auto ack = receive_batch(req.body, {}, sink, counters_);
      if (!ack) return net::Response::error(400, "bad", ack.error().detail);
      if (answer_ == Answer::WrongAck) {
        return net::Response::json_text(
            200, R"({"station":"heat-01","sequence":999,"digest":"00","status":"accepted"})");
      }
      return net::Response::json_text(200, *ack);
    });
    server_ = std::make_unique<net::HttpServer>(net::HttpServerOptions{}, std::move(router));
    ASSERT_TRUE(server_->start());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  UploaderOptions options() {
    UploaderOptions o;
    o.http.port = server_->port();
    o.http.timeout = std::chrono::milliseconds(5000);
    o.min_backoff = std::chrono::milliseconds(100);
    o.max_backoff = std::chrono::milliseconds(3000);
    return o;
  }
  enum class Answer { Normal, Unavailable, Refuse, WrongAck, Damaged };
  void answer(Answer a) {
    std::lock_guard lock(mode_mutex_);
    answer_ = a;
  }

  MemoryStore store_;
  metrics::Registry registry_;
  ReceiverCounters counters_{registry_};
  std::mutex mode_mutex_;
  Answer answer_ = Answer::Normal;
  std::unique_ptr<net::HttpServer> server_;
};

UtcTime fixed_now() { return UtcTime{1'764'000'000}; }

TEST_F(UploaderTest, DeliversEveryBatchInOrderAndStopsWhenEmpty) {
  start();
  Outbox outbox(5);
  Uploader up(options(), outbox.next(), outbox.acknowledge(), fixed_now, registry_);
  auto n = up.drain();
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(outbox.acknowledged, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(store_.stored, 5);
  EXPECT_EQ(up.counters().first_attempt.value(), 5u);
  EXPECT_EQ(up.backoff().count(), 0);
}

TEST_F(UploaderTest, UnavailableCloudIsRetriedWithGrowingBackoff) {
  start();
  Outbox outbox(2);
  Uploader up(options(), outbox.next(), outbox.acknowledge(), fixed_now, registry_);
  answer(Answer::Unavailable);
  std::vector<long> waits;
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(up.drain());
    waits.push_back(up.backoff().count());
  }
  // 100, 200, 400, 800, 1600, 3000 ms each within ±25 %; the last is capped.
  const long base[] = {100, 200, 400, 800, 1600, 3000};
  for (int i = 0; i < 6; ++i) {
    EXPECT_GE(waits[i], base[i] * 3 / 4) << i;
    EXPECT_LE(waits[i], base[i] * 5 / 4) << i;
  }
  EXPECT_TRUE(outbox.acknowledged.empty());
  answer(Answer::Normal);
  auto n = up.drain();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(up.counters().first_attempt.value(), 1u);  // batch 2 went through at once
  EXPECT_EQ(up.counters().failures.value(), 6u);
}

TEST_F(UploaderTest, AnAcknowledgementForAnotherBatchDoesNotCount) {
  start();
  Outbox outbox(1);
  Uploader up(options(), outbox.next(), outbox.acknowledge(), fixed_now, registry_);
  answer(Answer::WrongAck);
  auto r = up.drain();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  EXPECT_TRUE(outbox.acknowledged.empty());
  // The cloud did store it; the resend is a harmless duplicate and is acknowledged properly.
  answer(Answer::Normal);
  ASSERT_TRUE(up.drain());
  EXPECT_EQ(outbox.acknowledged.size(), 1u);
  EXPECT_EQ(store_.stored, 1);
  EXPECT_EQ(counters_.duplicate.value(), 1u);
}

TEST_F(UploaderTest, RefusalWaitsTheLongestBackoff) {
  start();
  Outbox outbox(1);
  Uploader up(options(), outbox.next(), outbox.acknowledge(), fixed_now, registry_);
  answer(Answer::Refuse);
  ASSERT_FALSE(up.drain());
  EXPECT_EQ(up.backoff(), std::chrono::milliseconds(3000));
  EXPECT_EQ(up.counters().refused.value(), 1u);
}

TEST_F(UploaderTest, DamageOnTheWayIsRetriedAsUsual) {
  start();
  Outbox outbox(1);
  Uploader up(options(), outbox.next(), outbox.acknowledge(), fixed_now, registry_);
  answer(Answer::Damaged);
  auto r = up.drain();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(up.counters().refused.value(), 0u);
  EXPECT_LE(up.backoff(), std::chrono::milliseconds(125));
}

}  // namespace
}  // namespace omni::exchange
