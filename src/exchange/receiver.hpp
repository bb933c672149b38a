#pragma once
// The receiving end of the exchange (DT-3/DT-4), shared by every way a batch arrives: the data
// service API (POST /api/v1/exchange/batches) and the drop folder of file transfers. It checks
// the batch (format, digest, the sender's identity), hands it to the store through a Sink, and
// answers with an acknowledgement that names the batch by station, sequence and digest.
//
// Acknowledgement (JSON, 200):
//   {"station":"elec-01","sequence":42,"digest":"<sm3 hex>","status":"accepted"|"duplicate",
//    "records":1200,"unplaced":0}
// Refusals use the project's error schema: 400 malformed / bad_checksum / unsupported, 403
// (the TLS client certificate names another station), 409 conflict (the sequence was
// acknowledged with another digest), 413 (over kMaxBatchBytes), 503 (the store failed: retry).
//
// Thread safety: the handler may run on several threads at once if the Sink allows it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/metrics.hpp"
#include "core/result.hpp"
#include "exchange/batch.hpp"
#include "exchange/envelope.hpp"
#include "net/router.hpp"

namespace omni::exchange {

inline constexpr std::string_view kBatchPath = "/api/v1/exchange/batches";

enum class Disposition : std::uint8_t {
  Accepted,   // new: stored
  Duplicate,  // the same batch was stored before: nothing changed
  Conflict,   // the sequence was stored with another digest: refused, nothing changed
};
std::string_view disposition_name(Disposition d);

struct Receipt {
  Disposition disposition = Disposition::Accepted;
  std::size_t records = 0;
  std::size_t unplaced = 0;  // readings of points the store does not know (counted, not stored)
};

// Stores one checked batch; `digest` is the header's verified SM3. Errors are failures of the
// store itself (Io, Busy): the sender retries.
using Sink = std::function<Result<Receipt>(const Batch&, std::string_view digest)>;

// omnimeter_exchange_received_batches_total{result} in `registry` (the process's /metrics by
// default; tests pass their own).
struct ReceiverCounters {
  explicit ReceiverCounters(metrics::Registry& registry = metrics::default_registry());
  metrics::Counter& accepted;
  metrics::Counter& duplicate;
  metrics::Counter& conflict;  // same sequence, another digest
  metrics::Counter& refused;   // malformed, altered, truncated, wrong sender
  metrics::Counter& failed;    // the store failed
};

// The cloud's side of the envelope (SEC-11, docs/security.md "Exchange envelope"): with these
// keys an envelope is opened (recipient key, station signature, certificate chain, revocation,
// role, CN = station) before its batch is received, and the acknowledgement is signed; with
// `required`, a plain batch is refused (403).
struct EnvelopeKeys {
  std::vector<Recipient> recipients;
  SignerPolicy policy;
  crypto::Sm2KeyPair ack_key;
  crypto::pki::Certificate ack_cert;
  bool required = false;
  std::function<UtcTime()> now;
};

// A request body as it arrives: a plain batch, or an envelope when `keys` are given. The
// acknowledgement is JSON for a plain batch and a signed acknowledgement (kAckMagic) for an
// envelope. Errors as receive_batch; an envelope refused maps its failure to the same codes
// (damage in transit: BadChecksum; signer problems: Unauthorized).
Result<std::string> receive_body(std::string_view body, std::string_view client_subject,
                                 const Sink& sink, ReceiverCounters& counters,
                                 const EnvelopeKeys* keys);

// One batch from text, wherever it came from. `client_subject` is the verified TLS client
// certificate's subject, or empty when the channel has none (then any station id is taken).
// On success the JSON acknowledgement; the error's code maps to the HTTP status above.
Result<std::string> receive_batch(std::string_view text, std::string_view client_subject,
                                  const Sink& sink, ReceiverCounters& counters);

// Registers POST kBatchPath on `router`. `keys` (optional) must outlive the router.
void add_batch_route(net::Router& router, Sink sink, ReceiverCounters& counters,
                     const EnvelopeKeys* keys = nullptr);

// File transfer: every "*.omx" file in `folder` (oldest name first) is received; an accepted or
// duplicate batch moves to folder/done/, a refused one to folder/rejected/ with a ".reason"
// file beside it; a store failure leaves the file in place for the next scan, and so does a
// refused file written less than 5 s ago (it may still be arriving). Writers should write
// under another name (NAME.omx.part) and rename into place. Returns how many files were
// processed (moved).
// With `keys`, envelopes ("*.omxe") are opened as on the API, and plain files are refused when
// the envelope is required.
Result<std::size_t> scan_drop_folder(const std::filesystem::path& folder, const Sink& sink,
                                     ReceiverCounters& counters,
                                     const EnvelopeKeys* keys = nullptr);

}  // namespace omni::exchange
