#pragma once
// The sending end of the exchange: takes the station's oldest unacknowledged batch, posts it to
// the cloud, and marks it sent only when the cloud's acknowledgement names the same station,
// sequence and digest ("Acknowledge only what is durable", docs/architecture.md). Anything else —
// no answer, a 5xx, an acknowledgement for another batch — is retried with exponential back-off
// and jitter, the same bytes every time, so the cloud's (station, sequence) idempotence makes a
// resend harmless (a batch the cloud found damaged, 400 bad_checksum, is such a case: the
// station's copy is intact). A refusal (any other 4xx) is not retried blindly: it is logged,
// counted and retried at the longest back-off, because a human has to look (bad archive,
// conflicting sequence).
//
// Thread safety: one thread drives an Uploader; counters may be read from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "exchange/envelope.hpp"
#include "net/http_client.hpp"

namespace omni::exchange {

struct OutgoingBatch {
  std::uint64_t sequence = 0;
  std::string text;  // the batch's bytes, identical on every attempt
};

// The station's side of the envelope (SEC-11): each batch is sealed at send time (so a renewed
// certificate applies to batches already in the outbox) and the cloud's acknowledgement must
// carry the cloud's signature.
struct EnvelopeSeal {
  crypto::Sm2KeyPair sign_key;
  crypto::pki::Certificate sign_cert;
  crypto::pki::Certificate cloud_enc_cert;
  crypto::pki::Certificate cloud_sign_cert;
};

struct UploaderOptions {
  net::HttpClientOptions http;
  std::string path = "/api/v1/exchange/batches";
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{300'000};
  std::uint64_t jitter_seed = 1;
  std::optional<EnvelopeSeal> envelope{};
};

// omnimeter_exchange_upload_*_total in `registry` (the process's /metrics by default).
struct UploaderCounters {
  explicit UploaderCounters(metrics::Registry& registry = metrics::default_registry());
  metrics::Counter& delivered;      // batches acknowledged
  metrics::Counter& attempts;       // POSTs sent
  metrics::Counter& first_attempt;  // batches acknowledged on their first POST (DT-3)
  metrics::Counter& failures;       // attempts without a valid acknowledgement
  metrics::Counter& refused;        // of which the cloud refused the batch (4xx)
};

class Uploader {
 public:
  // `next` yields the oldest unacknowledged batch (nullopt: nothing to send); `acknowledge`
  // records that the cloud has it. Both are the station's exporter.
  using Next = std::function<Result<std::optional<OutgoingBatch>>(UtcTime now)>;
  using Acknowledge = std::function<Status(std::uint64_t sequence, UtcTime now)>;

  Uploader(UploaderOptions options, Next next, Acknowledge acknowledge,
           std::function<UtcTime()> now, metrics::Registry& registry = metrics::default_registry());

  // Sends batches until there is nothing left (returns the number delivered) or an attempt
  // fails (returns its error; the caller waits backoff() and calls again).
  Result<std::size_t> drain();
  // How long to wait after the current run of failures.
  std::chrono::milliseconds backoff() const;
  // drain() in a loop, sleeping `idle` when there is nothing to send and backoff() after a
  // failure, until `stop` is requested.
  void run(std::stop_token stop, std::chrono::milliseconds idle);

  // From any thread: abandons the POST in flight (a stopping process must not wait out the
  // timeout of a peer that no longer answers); drain() then fails until the process ends.
  void cancel() { client_.cancel(); }

  const UploaderCounters& counters() const { return counters_; }

 private:
  Status send(const OutgoingBatch& batch);

  UploaderOptions options_;
  Next next_;
  Acknowledge acknowledge_;
  std::function<UtcTime()> now_;
  net::HttpClient client_;
  UploaderCounters counters_;
  int consecutive_failures_ = 0;
  bool last_refused_ = false;
  std::uint64_t jitter_state_;
  std::uint64_t current_sequence_ = 0;
  int current_attempts_ = 0;
};

}  // namespace omni::exchange
