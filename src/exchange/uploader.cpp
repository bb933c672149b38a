#include "exchange/uploader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/hash.hpp"
#include "core/log.hpp"
#include "exchange/batch.hpp"

namespace omni::exchange {
namespace {

// The acknowledgement must name exactly the batch that was sent; anything else (a proxy's
// page, an answer to another batch) is not an acknowledgement.
Status check_acknowledgement(const net::ClientResponse& reply, std::uint64_t sequence,
                             std::string_view digest) {
  auto ack = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (ack.is_discarded() || !ack.is_object()) {
    return fail(ErrorCode::Malformed, "the acknowledgement is not a JSON object");
  }
  auto seq = ack.find("sequence");
  auto dig = ack.find("digest");
  auto status = ack.find("status");
  if (seq == ack.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() != sequence ||
      dig == ack.end() || !dig->is_string() || dig->get<std::string>() != digest ||
      status == ack.end() || !status->is_string() ||
      (status->get<std::string>() != "accepted" && status->get<std::string>() != "duplicate")) {
    return fail(ErrorCode::Malformed,
                fmt::format("the acknowledgement does not name batch {} with its digest: {}",
                            sequence, reply.body.substr(0, 200)));
  }
  return ok();
}

// The "code" of the project's error schema, or empty.
std::string error_code_of(const net::ClientResponse& reply) {
  auto body = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return {};
  auto code = body.find("code");
  return code != body.end() && code->is_string() ? code->get<std::string>() : std::string();
}

}  // namespace

UploaderCounters::UploaderCounters(metrics::Registry& r)
    : delivered(r.counter("omnimeter_exchange_upload_delivered_total",
                          "Exchange batches acknowledged by the cloud")),
      attempts(r.counter("omnimeter_exchange_upload_attempts_total", "Exchange batch POSTs")),
      first_attempt(r.counter("omnimeter_exchange_upload_first_attempt_total",
                              "Exchange batches acknowledged on their first POST")),
      failures(r.counter("omnimeter_exchange_upload_failures_total",
                         "Exchange POSTs without a valid acknowledgement")),
      refused(r.counter("omnimeter_exchange_upload_refused_total",
                        "Exchange batches the cloud refused (4xx)")) {}

Uploader::Uploader(UploaderOptions options, Next next, Acknowledge acknowledge,
                   std::function<UtcTime()> now, metrics::Registry& registry)
    : options_(std::move(options)),
      next_(std::move(next)),
      acknowledge_(std::move(acknowledge)),
      now_(std::move(now)),
      client_(options_.http),
      counters_(registry),
      jitter_state_(mix64(options_.jitter_seed)) {}

std::chrono::milliseconds Uploader::backoff() const {
  if (consecutive_failures_ == 0) return std::chrono::milliseconds(0);
  if (last_refused_) return options_.max_backoff;
  const int doublings = std::min(consecutive_failures_ - 1, 30);
  const auto base = std::min<std::int64_t>(options_.min_backoff.count() << doublings,
                                           options_.max_backoff.count());
  // ±25 % jitter, so stations that lost the cloud together do not return together.
  const auto spread = std::max<std::int64_t>(base / 2, 1);
  const auto r = static_cast<std::int64_t>(
      mix64(jitter_state_ + static_cast<std::uint64_t>(consecutive_failures_)) %
      static_cast<std::uint64_t>(spread));
  return std::chrono::milliseconds(base - spread / 2 + r);
}

Status Uploader::send(const OutgoingBatch& batch) {
  const std::size_t newline = batch.text.find('\n');
  if (newline == std::string::npos) {
    return fail(ErrorCode::Internal, fmt::format("batch {} has no header line", batch.sequence));
  }
  const std::string digest = body_digest(std::string_view(batch.text).substr(newline + 1));
  if (batch.sequence != current_sequence_) {
    current_sequence_ = batch.sequence;
    current_attempts_ = 0;
  }
  ++current_attempts_;
  counters_.attempts.inc();
  std::string sealed;
  if (options_.envelope) {
    const EnvelopeSeal& e = *options_.envelope;
    auto envelope = seal_envelope(batch.text, e.sign_key, e.sign_cert, e.cloud_enc_cert);
    if (!envelope) return fail(envelope.error());
    sealed = std::move(*envelope);
  }
  auto reply = client_.post(options_.path, options_.envelope ? sealed : batch.text,
                            "text/plain; charset=utf-8");
  if (!reply) return fail(reply.error());
  // The station's stored copy is intact, so a digest mismatch means damage on the way: worth an
  // ordinary retry, unlike a refusal of the batch itself.
  if (reply->status == 400 && error_code_of(*reply) == "bad_checksum") {
    return fail(ErrorCode::BadChecksum, fmt::format("batch {} arrived damaged: {}", batch.sequence,
                                                    reply->body.substr(0, 300)));
  }
  if (reply->status >= 400 && reply->status < 500) {
    last_refused_ = true;
    counters_.refused.inc();
    return fail(ErrorCode::Unauthorized,
                fmt::format("the cloud refused batch {} ({}): {}", batch.sequence, reply->status,
                            reply->body.substr(0, 300)));
  }
  if (reply->status != 200) {
    return fail(ErrorCode::Io,
                fmt::format("the cloud answered {} to batch {}", reply->status, batch.sequence));
  }
  if (options_.envelope) {
    // Only the cloud's signature makes the answer an acknowledgement.
    auto ack = verify_ack(reply->body, options_.envelope->cloud_sign_cert);
    if (!ack) {
      return fail(ErrorCode::Unauthorized,
                  fmt::format("the acknowledgement of batch {} is not signed by the cloud: {}: {}",
                              batch.sequence, envelope_failure_name(ack.error().failure),
                              ack.error().error.detail));
    }
    reply->body = std::move(*ack);
  }
  OMNI_TRY(check_acknowledgement(*reply, batch.sequence, digest));
  OMNI_TRY(acknowledge_(batch.sequence, now_()));
  counters_.delivered.inc();
  if (current_attempts_ == 1) counters_.first_attempt.inc();
  return ok();
}

Result<std::size_t> Uploader::drain() {
  std::size_t delivered = 0;
  for (;;) {
    auto batch = next_(now_());
    if (!batch) return fail(batch.error());
    if (!*batch) break;
    if (auto st = send(**batch); !st) {
      ++consecutive_failures_;
      counters_.failures.inc();
      return fail(st.error());
    }
    consecutive_failures_ = 0;
    last_refused_ = false;
    ++delivered;
  }
  return delivered;
}

void Uploader::run(std::stop_token stop, std::chrono::milliseconds idle) {
  auto log = log::get("exchange");
  while (!stop.stop_requested()) {
    auto result = drain();
    std::chrono::milliseconds wait = idle;
    if (!result) {
      wait = backoff();
      log->warn("upload failed ({} in a row), next try in {} ms: {}", consecutive_failures_,
                wait.count(), result.error().to_string());
    }
    // Sleep in short steps so a stop is noticed promptly.
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now())));
    }
  }
}

}  // namespace omni::exchange
