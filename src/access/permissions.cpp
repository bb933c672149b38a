#include "access/permissions.hpp"

#include <array>

namespace omni::access {
namespace {

constexpr std::uint8_t kAdmin = role_bit(Role::Administrator);
constexpr std::uint8_t kOperator = role_bit(Role::Operator);
constexpr std::uint8_t kAuditor = role_bit(Role::Auditor);
constexpr std::uint8_t kReadOnly = role_bit(Role::ReadOnly);
constexpr std::uint8_t kEveryone = kAdmin | kOperator | kAuditor | kReadOnly;

// One row per operation. Reads are open to every role (the auditor must be able to see what
// an audit record refers to); writes belong to the operator; accounts, keys and configuration
// to the administrator; the audit trail to the auditor (and the administrator, who answers for
// the system, may read but never change it: no operation deletes audit rows).
constexpr std::array kOperations{
    Operation{"station.read", kEveryone, false, "station status, success rates, sessions"},
    Operation{"readings.read", kEveryone, false, "a meter's readings and events"},
    Operation{"alarms.read", kEveryone, false, "open alarms"},
    Operation{"alarms.acknowledge", kAdmin | kOperator, false, "acknowledge or close an alarm"},
    Operation{"readings.edit", kOperator, true, "edit or approve a reading in the review queue"},
    Operation{"archive.import", kAdmin | kOperator, true, "import the customer archive"},
    Operation{"meter.read_now", kAdmin | kOperator, false, "read a meter on demand"},
    Operation{"meter.clock_set", kOperator, true, "set a terminal's or meter's clock"},
    Operation{"meter.remote_switch", kOperator, true, "open or close a valve or relay remotely"},
    Operation{"tariff.change", kAdmin, true, "change a tariff"},
    Operation{"tariffs.read", kEveryone, false, "the tariff plans and their versions"},
    // Bills name customers' charges: not for the read-only role.
    Operation{"bills.read", kAdmin | kOperator | kAuditor, false,
              "monthly bills and prepaid mismatches"},
    Operation{"config.change", kAdmin, true, "change the configuration"},
    Operation{"user.manage", kAdmin, true, "add, lock, unlock users; reset passwords"},
    Operation{"user.read", kAdmin | kAuditor, false, "list users and their roles"},
    Operation{"audit.read", kAdmin | kAuditor, false, "search the audit log"},
    Operation{"audit.verify", kAdmin | kAuditor, false, "verify the audit hash chain"},
    Operation{"privacy.unmask", kAdmin | kOperator, false,
              "show one record's personal data unmasked (audited)"},
    // The cloud's data (ARC-3): every role reads, each only inside its region scope (the
    // cloud's guard passes the region a request touches; see access/http/guard.hpp).
    Operation{"stats.read", kEveryone, false, "cloud statistics: overview, series, rankings"},
    Operation{"regions.read", kEveryone, false, "cloud region tree: a region and its children"},
    Operation{"analysis.read", kEveryone, false, "cloud comparison of metering points"},
};

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::Administrator:
      return "administrator";
    case Role::Operator:
      return "operator";
    case Role::Auditor:
      return "auditor";
    case Role::ReadOnly:
      return "read-only";
  }
  return "read-only";
}

Result<Role> parse_role(std::string_view name) {
  for (Role r : {Role::Administrator, Role::Operator, Role::Auditor, Role::ReadOnly}) {
    if (role_name(r) == name) return r;
  }
  return fail(ErrorCode::OutOfRange,
              "role must be administrator, operator, auditor or read-only, not '" +
                  std::string(name) + "'");
}

std::string_view account_kind_name(AccountKind k) {
  switch (k) {
    case AccountKind::Government:
      return "government";
    case AccountKind::Enterprise:
      return "enterprise";
    case AccountKind::Public:
      return "public";
  }
  return "enterprise";
}

Result<AccountKind> parse_account_kind(std::string_view name) {
  for (AccountKind k : {AccountKind::Government, AccountKind::Enterprise, AccountKind::Public}) {
    if (account_kind_name(k) == name) return k;
  }
  return fail(
      ErrorCode::OutOfRange,
      "account kind must be government, enterprise or public, not '" + std::string(name) + "'");
}

std::span<const Operation> operations() { return kOperations; }

std::optional<Operation> find_operation(std::string_view name) {
  for (const auto& op : kOperations) {
    if (op.name == name) return op;
  }
  return std::nullopt;
}

Status authorize(const Principal& who, const AuthorizeRequest& request) {
  auto op = find_operation(request.operation);
  if (!op || (op->roles & role_bit(who.role)) == 0) {
    return fail(ErrorCode::Unauthorized, std::string(kForbidden));
  }
  if (!who.region.empty()) {
    if (request.all_regions) return fail(ErrorCode::Unauthorized, std::string(kForbidden));
    bool bound = !request.object_region.empty();
    if (bound && !request.object_region.starts_with(who.region)) {
      return fail(ErrorCode::Unauthorized, std::string(kForbidden));
    }
    // A dangerous operation with no region to check could reach outside the user's scope.
    if (!bound && op->dangerous) return fail(ErrorCode::Unauthorized, std::string(kForbidden));
  }
  if (op->dangerous && !request.confirmed) {
    return fail(ErrorCode::Unauthorized, std::string(kConfirmationRequired));
  }
  return ok();
}

}  // namespace omni::access
