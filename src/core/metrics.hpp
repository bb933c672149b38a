#pragma once
// Process metrics in the Prometheus text exposition format 0.0.4, served at GET /metrics.
//
//   static auto& rejected = metrics::default_registry().counter(
//       "omnimeter_frames_rejected_total", "Frames rejected by a decoder",
//       {{"protocol", "dlt645"}, {"reason", "bad_checksum"}});
//   rejected.inc();
//
// Names follow omnimeter_<subsystem>_<what>_<unit>[_total]. Labels must have LOW cardinality
// (a protocol, a channel type, a result): never a meter, user or concentrator id — those belong
// in the API, and one series per meter would exhaust Prometheus and this process.
//
// Thread safety: everything is thread-safe. Updating a metric is a lock-free atomic operation;
// looking one up takes a mutex, so hot paths look up once and keep the reference (references stay
// valid for the life of the registry).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace omni::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Observations (typically seconds) counted into fixed upper bounds; renders cumulative buckets.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  std::uint64_t bucket_count(std::size_t i) const { return counts_[i].load(); }  // not cumulative
  std::uint64_t count() const { return count_.load(); }
  double sum() const { return sum_.load(); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Default latency buckets in seconds: 1 ms … 30 s (30 s is the standard's reply deadline).
std::vector<double> default_latency_buckets();

class Registry {
 public:
  // Returns the series with these labels, creating the family and the series on first use.
  // A name registered with another type is a programming error (OMNI_CHECK).
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       std::vector<double> upper_bounds = default_latency_buckets());

  // Text exposition format 0.0.4: families by name, series by labels, HELP and TYPE lines.
  std::string render() const;

 private:
  enum class Type { Counter, Gauge, Histogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// The registry of this process, rendered by the HTTP server at /metrics.
Registry& default_registry();

// Content-Type of render()'s output.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace omni::metrics
