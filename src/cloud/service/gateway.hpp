#pragma once
// The gateway's one job: turn a checked exchange batch into a data-centre ingest and the
// store's outcome into the receipt the sender is acknowledged with. Shared by the cloud
// service, the demo and the tests, so all of them acknowledge by the same rule.

#include "cloud/store/data_centre.hpp"
#include "core/clock.hpp"
#include "exchange/receiver.hpp"

namespace omni::cloud {

// `centre` and `clock` must outlive the returned sink.
exchange::Sink batch_sink(DataCentre& centre, const Clock& clock);

}  // namespace omni::cloud
