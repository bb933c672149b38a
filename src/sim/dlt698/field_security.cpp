#include "sim/dlt698/field_security.hpp"

#include "crypto/session/files.hpp"

namespace omni::sim {

Status enable_field_security(const std::vector<std::unique_ptr<Dlt698Device>>& devices,
                             const std::filesystem::path& dir, bool required) {
  namespace cs = crypto::session;
  auto registry = cs::load_registry(dir / "registry.txt");
  if (!registry) return fail(registry.error());
  auto shared = std::make_shared<const cs::Registry>(std::move(*registry));
  for (const auto& device : devices) {
    auto identity = cs::load_identity(dir / "devices" / (device->address().to_string() + ".key"));
    if (!identity) return fail(identity.error());
    if (identity->address != device->address()) {
      return fail(ErrorCode::Malformed, "key file of " + device->address().to_string() + " names " +
                                            identity->address.to_string());
    }
    device->enable_security({std::move(*identity), shared, required, {}, {}});
  }
  return ok();
}

}  // namespace omni::sim
