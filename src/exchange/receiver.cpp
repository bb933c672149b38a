#include "exchange/receiver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/log.hpp"

namespace omni::exchange {
namespace {

// The CN of an RFC 2253 subject ("CN=elec-01,O=Beijing Power" -> "elec-01"); empty if none.
std::string common_name(std::string_view subject) {
  std::size_t at = 0;
  while (at < subject.size()) {
    std::size_t end = subject.find(',', at);
    if (end == std::string_view::npos) end = subject.size();
    std::string_view part = subject.substr(at, end - at);
    if (part.starts_with("CN=")) return std::string(part.substr(3));
    at = end + 1;
  }
  return {};
}

metrics::Counter& counter(metrics::Registry& registry, const char* result) {
  return registry.counter("omnimeter_exchange_received_batches_total",
                          "Exchange batches received, by result", {{"result", result}});
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::Malformed:
    case ErrorCode::BadChecksum:
    case ErrorCode::Unsupported:
      return 400;
    case ErrorCode::Unauthorized:
      return 403;
    case ErrorCode::Duplicate:
      return 409;
    case ErrorCode::OutOfRange:
      return 413;
    default:
      return 503;
  }
}

// The store's answer, or a refusal of the batch itself: only failures of the store are worth
// retrying unchanged.
bool retryable(ErrorCode code) { return http_status(code) == 503; }

std::string acknowledgement(const Batch& batch, std::string_view digest, const Receipt& r) {
  nlohmann::json ack = {
      {"station", batch.station}, {"sequence", batch.sequence},
      {"digest", digest},         {"status", disposition_name(r.disposition)},
      {"records", r.records},     {"unplaced", r.unplaced},
  };
  return ack.dump();
}

}  // namespace

ReceiverCounters::ReceiverCounters(metrics::Registry& registry)
    : accepted(counter(registry, "accepted")),
      duplicate(counter(registry, "duplicate")),
      conflict(counter(registry, "conflict")),
      refused(counter(registry, "refused")),
      failed(counter(registry, "failed")) {}

std::string_view disposition_name(Disposition d) {
  switch (d) {
    case Disposition::Accepted:
      return "accepted";
    case Disposition::Duplicate:
      return "duplicate";
    case Disposition::Conflict:
      return "conflict";
  }
  return "?";
}

Result<std::string> receive_batch(std::string_view text, std::string_view client_subject,
                                  const Sink& sink, ReceiverCounters& counters) {
  auto batch = read_batch(text);
  if (!batch) {
    counters.refused.inc();
    return fail(batch.error());
  }
  if (!client_subject.empty()) {
    std::string cn = common_name(client_subject);
    if (cn != batch->station) {
      counters.refused.inc();
      return fail(ErrorCode::Unauthorized,
                  fmt::format("the client certificate is for \"{}\", the batch is from \"{}\"", cn,
                              batch->station));
    }
  }
  // read_batch verified the header's digest against the body, so the header's is the one.
  std::string_view rest = text.substr(text.find('\n') + 1);
  std::string digest = body_digest(rest);
  auto receipt = sink(*batch, digest);
  if (!receipt) {
    counters.failed.inc();
    return fail(receipt.error());
  }
  switch (receipt->disposition) {
    case Disposition::Accepted:
      counters.accepted.inc();
      break;
    case Disposition::Duplicate:
      counters.duplicate.inc();
      break;
    case Disposition::Conflict:
      counters.conflict.inc();
      return fail(ErrorCode::Duplicate,
                  fmt::format("batch {} of station {} was received before with another digest",
                              batch->sequence, batch->station));
  }
  return acknowledgement(*batch, digest, *receipt);
}

Result<std::string> receive_body(std::string_view body, std::string_view client_subject,
                                 const Sink& sink, ReceiverCounters& counters,
                                 const EnvelopeKeys* keys) {
  if (!is_envelope(body)) {
    if (keys != nullptr && keys->required) {
      counters.refused.inc();
      return fail(ErrorCode::Unauthorized,
                  "this cloud takes batches only in the signed, encrypted envelope");
    }
    return receive_batch(body, client_subject, sink, counters);
  }
  if (keys == nullptr) {
    counters.refused.inc();
    return fail(ErrorCode::Unsupported, "this cloud has no envelope keys configured");
  }
  auto opened = open_envelope(body, keys->recipients, keys->policy, keys->now());
  if (!opened) {
    counters.refused.inc();
    Error e = opened.error().error;
    e.detail =
        fmt::format("envelope {}: {}", envelope_failure_name(opened.error().failure), e.detail);
    return fail(std::move(e));
  }
  auto ack = receive_batch(opened->text, client_subject, sink, counters);
  if (!ack) return fail(ack.error());
  return sign_ack(*ack, keys->ack_key, keys->ack_cert);
}

void add_batch_route(net::Router& router, Sink sink, ReceiverCounters& counters,
                     const EnvelopeKeys* keys) {
  router.post(
      std::string(kBatchPath),
      [sink = std::move(sink), &counters, keys](const net::Request& req) {
        auto ack = receive_body(req.body, req.client_subject, sink, counters, keys);
        if (ack && ack->starts_with(kAckMagic)) return net::Response::text(200, std::move(*ack));
        if (ack) return net::Response::json_text(200, std::move(*ack));
        const Error& e = ack.error();
        if (retryable(e.code)) {
          log::get("exchange")->warn("batch from {} not stored: {}", req.peer, e.to_string());
        } else {
          log::get("exchange")->info("batch from {} refused: {}", req.peer, e.to_string());
        }
        return net::Response::error(http_status(e.code), error_code_name(e.code), e.detail,
                                    req.request_id);
      },
      net::RouteOptions{.max_body_bytes = kMaxEnvelopeBytes});
}

namespace {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, fmt::format("cannot open {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::Io, fmt::format("cannot read {}", path.string()));
  return std::move(text).str();
}

Status move_into(const std::filesystem::path& file, const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (!ec) std::filesystem::rename(file, folder / file.filename(), ec);
  if (ec) {
    return fail(ErrorCode::Io, fmt::format("cannot move {} into {}: {}", file.string(),
                                           folder.string(), ec.message()));
  }
  return ok();
}

}  // namespace

constexpr auto kSettleTime = std::chrono::seconds(5);

Result<std::size_t> scan_drop_folder(const std::filesystem::path& folder, const Sink& sink,
                                     ReceiverCounters& counters, const EnvelopeKeys* keys) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() &&
        (entry.path().extension() == ".omx" || entry.path().extension() == ".omxe"))
      files.push_back(entry.path());
  }
  if (ec)
    return fail(ErrorCode::Io, fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  std::sort(files.begin(), files.end());
  std::size_t moved = 0;
  for (const auto& file : files) {
    auto text = read_file(file);
    if (!text) return fail(text.error());
    auto ack = receive_body(*text, {}, sink, counters, keys);
    // A file refused within seconds of its last write may still be on its way in (a writer that
    // does not rename into place): look again at the next scan before rejecting it.
    std::error_code age_ec;
    const auto written = std::filesystem::last_write_time(file, age_ec);
    const bool fresh =
        !age_ec && std::filesystem::file_time_type::clock::now() - written < kSettleTime;
    if (!ack && !retryable(ack.error().code) && fresh) continue;
    if (!ack && retryable(ack.error().code)) {
      log::get("exchange")
          ->warn("{} left for the next scan: {}", file.filename().string(),
                 ack.error().to_string());
      continue;
    }
    if (ack) {
      OMNI_TRY(move_into(file, folder / "done"));
    } else {
      log::get("exchange")
          ->info("{} refused: {}", file.filename().string(), ack.error().to_string());
      OMNI_TRY(move_into(file, folder / "rejected"));
      std::ofstream reason(folder / "rejected" / (file.filename().string() + ".reason"));
      reason << ack.error().to_string() << '\n';
    }
    ++moved;
  }
  return moved;
}

}  // namespace omni::exchange
