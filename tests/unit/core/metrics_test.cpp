#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace omni::metrics {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistogramsInTextFormat) {
  Registry r;
  r.counter("omnimeter_frames_rejected_total", "Frames rejected",
            {{"protocol", "dlt645"}, {"reason", "bad_checksum"}})
      .inc(3);
  r.counter("omnimeter_frames_rejected_total", "Frames rejected",
            {{"protocol", "cjt188"}, {"reason", "malformed"}})
      .inc();
  r.gauge("omnimeter_concentrator_sessions", "Open sessions").set(42);
  auto& h = r.histogram("omnimeter_read_latency_seconds", "Read latency", {{"channel", "plc"}},
                        {0.1, 1, 30});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(45);
  EXPECT_EQ(r.render(),
            "# HELP omnimeter_concentrator_sessions Open sessions\n"
            "# TYPE omnimeter_concentrator_sessions gauge\n"
            "omnimeter_concentrator_sessions 42\n"
            "# HELP omnimeter_frames_rejected_total Frames rejected\n"
            "# TYPE omnimeter_frames_rejected_total counter\n"
            "omnimeter_frames_rejected_total{protocol=\"cjt188\",reason=\"malformed\"} 1\n"
            "omnimeter_frames_rejected_total{protocol=\"dlt645\",reason=\"bad_checksum\"} 3\n"
            "# HELP omnimeter_read_latency_seconds Read latency\n"
            "# TYPE omnimeter_read_latency_seconds histogram\n"
            "omnimeter_read_latency_seconds_bucket{channel=\"plc\",le=\"0.1\"} 1\n"
            "omnimeter_read_latency_seconds_bucket{channel=\"plc\",le=\"1\"} 2\n"
            "omnimeter_read_latency_seconds_bucket{channel=\"plc\",le=\"30\"} 2\n"
            "omnimeter_read_latency_seconds_bucket{channel=\"plc\",le=\"+Inf\"} 3\n"
            "omnimeter_read_latency_seconds_sum{channel=\"plc\"} 45.55\n"
            "omnimeter_read_latency_seconds_count{channel=\"plc\"} 3\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
  Registry r;
  auto& a = r.counter("x_total", "x", {{"k", "v"}});
  auto& b = r.counter("x_total", "x", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  auto& c = r.counter("x_total", "x", {{"k", "w"}});
  EXPECT_NE(&a, &c);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.counter("e_total", "e", {{"path", "a\"b\\c\nd"}}).inc();
  EXPECT_NE(r.render().find("e_total{path=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos)
      << r.render();
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& c = r.counter("c_total", "c");
  auto& h = r.histogram("h_seconds", "h", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40'000u);
  EXPECT_EQ(h.count(), 40'000u);
  EXPECT_DOUBLE_EQ(h.sum(), 20'000.0);
}

}  // namespace
}  // namespace omni::metrics
