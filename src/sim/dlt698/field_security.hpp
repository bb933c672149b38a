#pragma once
// Secured sessions for a whole simulated field from the folder crypto::session::make_field_pki
// wrote (`omnimeter sim pki`): every device loads devices/<address>.key and shares one registry
// (registry.txt: the stations it accepts). Meant for sim::Field, which owns the devices:
//
//   if (!config.security_dir.empty())
//     OMNI_TRY(enable_field_security(devices, config.security_dir));

#include <filesystem>
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "sim/dlt698/device.hpp"

namespace omni::sim {

// Errors: those of load_registry and load_identity (NotFound: a device without a key file;
// Config: a key file group or others can read), Malformed (a key file naming another address).
Status enable_field_security(const std::vector<std::unique_ptr<Dlt698Device>>& devices,
                             const std::filesystem::path& dir, bool required = true);

}  // namespace omni::sim
