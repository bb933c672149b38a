#include "cloud/service/gateway.hpp"

namespace omni::cloud {

exchange::Sink batch_sink(DataCentre& centre, const Clock& clock) {
  return [&centre, &clock](const exchange::Batch& batch,
                           std::string_view digest) -> Result<exchange::Receipt> {
    auto out = centre.ingest(batch, digest, clock.now());
    if (!out) return fail(out.error());
    exchange::Receipt receipt;
    receipt.records = batch.record_count();
    receipt.unplaced = static_cast<std::size_t>(out->readings_unknown);
    switch (out->status) {
      case IngestStatus::Accepted:
        receipt.disposition = exchange::Disposition::Accepted;
        break;
      case IngestStatus::Duplicate:
        receipt.disposition = exchange::Disposition::Duplicate;
        break;
      case IngestStatus::Conflict:
        receipt.disposition = exchange::Disposition::Conflict;
        break;
    }
    return receipt;
  };
}

}  // namespace omni::cloud
