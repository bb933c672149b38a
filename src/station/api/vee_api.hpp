#pragma once
// The review queue over HTTP (JSON; station/vee/review.hpp):
//
//   GET  /api/v1/review?state=open|resolved&limit=N
//                       suspect daily values waiting for a decision (open, oldest first; the
//                       default) or decided (resolved, latest first); limit 1..10000 (100)
//   POST /api/v1/review/{meter}/{day}      day YYYY-MM-DD, body
//                       {"action": "accept"|"replace"|"reject", "value": "1234.56", "reason": "…"}
//                       value (a decimal string in the register's unit, at most its decimals)
//                       only and always with replace; reason required for replace and reject.
//                       200 with the item after the decision.
//   GET  /api/v1/meters/{address}/edits    the meter's edit history (who, when, old, new, why)
//
// Who decided: the user of the request's Bearer token when `access` is given and the token is
// valid (the same session check the access guard makes, access::http::authenticate_request);
// else "operator" (a station run without [station.access] required). The guard, when on, has
// already refused callers without the route's permission (readings.edit for the POST).
//
// Errors (the error schema): 400 bad_request (parameters, body, value), 404 not_found (no such
// meter or review item), 409 conflict (the item was already resolved), 500 internal.
//
// Thread safety: handlers may run concurrently; `queue` and `access` must outlive the router.

#include "access/access_service.hpp"
#include "net/router.hpp"
#include "station/vee/review.hpp"

namespace omni::station {

void add_vee_routes(net::Router& router, vee::ReviewQueue& queue,
                    access::AccessService* access = nullptr);

}  // namespace omni::station
