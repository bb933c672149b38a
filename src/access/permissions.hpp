#pragma once
// Roles, account kinds and the permission table (S-SEC-1: "operation permission management;
// lock-out against sabotage and mis-operation").
//
// Every operation the station or the cloud offers has a name ("readings.read",
// "meter.remote_switch") and one row in the table: the roles allowed and whether it is
// dangerous. A dangerous operation needs a second, explicit confirmation from the caller (over
// HTTP: the header `X-Omni-Confirm: <operation name>`), so that one mistaken click or script
// line cannot switch off a district. An operation missing from the table is refused to everyone
// (deny by default). docs/access.md prints the table.
//
// Region scope: a user may carry a region prefix (a 6-digit county code "110105", a 9-digit
// street code …); such a user may act only on objects whose region code starts with it. An empty
// scope means every region.
//
// Thread safety: the table is immutable; every function is safe from any thread.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace omni::access {

// Separation of duties (GB/T 22239): the administrator manages accounts and configuration, the
// auditor reads and verifies the audit log, the operator runs the system, read-only looks.
enum class Role { Administrator, Operator, Auditor, ReadOnly };
std::string_view role_name(Role r);  // "administrator", "operator", "auditor", "read-only"
// Errors: OutOfRange naming the accepted names.
Result<Role> parse_role(std::string_view name);

// Who an account belongs to on the cloud (the station uses Enterprise for its own staff).
enum class AccountKind { Government, Enterprise, Public };
std::string_view account_kind_name(AccountKind k);  // "government", "enterprise", "public"
Result<AccountKind> parse_account_kind(std::string_view name);

struct Operation {
  std::string_view name{};
  std::uint8_t roles;  // bit (1 << Role)
  bool dangerous;
  std::string_view what{};  // one line for docs and `ctl` help
};

constexpr std::uint8_t role_bit(Role r) {
  return static_cast<std::uint8_t>(1u << static_cast<int>(r));
}

// The whole table, in a stable order.
std::span<const Operation> operations();
// nullopt for an operation not in the table.
std::optional<Operation> find_operation(std::string_view name);

// The caller of an operation, as authentication established it.
struct Principal {
  std::int64_t user_id = 0;
  std::string name{};
  Role role = Role::ReadOnly;
  std::string region{};  // prefix; empty = all regions
  AccountKind kind = AccountKind::Enterprise;
};

struct AuthorizeRequest {
  std::string_view operation{};
  std::string_view object_region{};  // the object's region code; empty = not region-bound
  bool confirmed = false;            // the caller gave the second confirmation
  // The object spans every region (a city-wide total, the whole region tree): refused to a
  // region-scoped user, whose scope it necessarily exceeds.
  bool all_regions = false;
};

// Errors: Unauthorized with detail "forbidden" (role not allowed, unknown operation, object
// outside the region scope) or "confirmation_required" (dangerous operation not confirmed).
// A region-scoped user may read data that is not region-bound (empty object_region, all_regions
// false) but may not run a dangerous operation without a region to check it against, nor touch
// an object that spans every region (all_regions).
Status authorize(const Principal& who, const AuthorizeRequest& request);

inline constexpr std::string_view kForbidden = "forbidden";
inline constexpr std::string_view kConfirmationRequired = "confirmation_required";

}  // namespace omni::access
