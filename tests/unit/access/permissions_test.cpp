// The permission table: roles, deny by default, region scope, second confirmation.
#include "access/permissions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace omni::access {
namespace {

Principal user(Role role, std::string region = "") {
  return {1, "u", role, std::move(region), AccountKind::Enterprise};
}

std::string refusal(const Status& st) { return st ? "ok" : st.error().detail; }

TEST(Permissions, TableHasUniqueNamesAndEveryOperationSomeRole) {
  std::set<std::string_view> names;
  for (const auto& op : operations()) {
    EXPECT_TRUE(names.insert(op.name).second) << op.name;
    EXPECT_NE(op.roles, 0) << op.name;
  }
  EXPECT_GE(names.size(), 10u);
}

TEST(Permissions, RolesSeparateDuties) {
  EXPECT_EQ(refusal(authorize(user(Role::ReadOnly), {.operation = "readings.read"})), "ok");
  EXPECT_EQ(refusal(authorize(user(Role::ReadOnly), {.operation = "alarms.acknowledge"})),
            kForbidden);
  EXPECT_EQ(refusal(authorize(user(Role::Operator), {.operation = "alarms.acknowledge"})), "ok");
  // The operator runs the system but neither manages users nor reads the audit trail.
  EXPECT_EQ(
      refusal(authorize(user(Role::Operator), {.operation = "user.manage", .confirmed = true})),
      kForbidden);
  EXPECT_EQ(refusal(authorize(user(Role::Operator), {.operation = "audit.read"})), kForbidden);
  EXPECT_EQ(refusal(authorize(user(Role::Auditor), {.operation = "audit.read"})), "ok");
  EXPECT_EQ(refusal(authorize(user(Role::Auditor), {.operation = "audit.verify"})), "ok");
  EXPECT_EQ(refusal(authorize(user(Role::Auditor),
                              {.operation = "meter.remote_switch", .confirmed = true})),
            kForbidden);
  EXPECT_EQ(refusal(authorize(user(Role::Administrator), {.operation = "audit.read"})), "ok");
  // Bills name customers' charges: the read-only role sees the tariffs but not the bills.
  EXPECT_EQ(refusal(authorize(user(Role::ReadOnly), {.operation = "tariffs.read"})), "ok");
  EXPECT_EQ(refusal(authorize(user(Role::ReadOnly), {.operation = "bills.read"})), kForbidden);
  EXPECT_EQ(refusal(authorize(user(Role::Operator), {.operation = "bills.read"})), "ok");
}

TEST(Permissions, UnknownOperationIsDeniedToEveryone) {
  for (Role r : {Role::Administrator, Role::Operator, Role::Auditor, Role::ReadOnly}) {
    EXPECT_EQ(refusal(authorize(user(r), {.operation = "no.such.thing", .confirmed = true})),
              kForbidden);
  }
}

TEST(Permissions, DangerousOperationsNeedConfirmation) {
  auto op = find_operation("meter.remote_switch");
  ASSERT_TRUE(op.has_value());
  EXPECT_TRUE(op->dangerous);
  EXPECT_EQ(refusal(authorize(user(Role::Operator),
                              {.operation = "meter.remote_switch", .object_region = "110105001"})),
            kConfirmationRequired);
  EXPECT_EQ(refusal(authorize(user(Role::Operator), {.operation = "meter.remote_switch",
                                                     .object_region = "110105001",
                                                     .confirmed = true})),
            "ok");
  // A safe operation does not ask for one.
  EXPECT_EQ(refusal(authorize(user(Role::Operator), {.operation = "meter.read_now"})), "ok");
}

TEST(Permissions, RegionScopeLimitsObjects) {
  Principal chaoyang = user(Role::Operator, "110105");
  EXPECT_EQ(refusal(authorize(chaoyang,
                              {.operation = "meter.read_now", .object_region = "110105001002"})),
            "ok");
  EXPECT_EQ(refusal(authorize(chaoyang,
                              {.operation = "meter.read_now", .object_region = "110108001002"})),
            kForbidden);
  // Reading data that is not region-bound is fine; a dangerous act without a region is not.
  EXPECT_EQ(refusal(authorize(chaoyang, {.operation = "station.read"})), "ok");
  EXPECT_EQ(refusal(authorize(chaoyang, {.operation = "meter.remote_switch", .confirmed = true})),
            kForbidden);
  // No scope: every region.
  EXPECT_EQ(refusal(authorize(user(Role::Operator),
                              {.operation = "meter.read_now", .object_region = "110108001002"})),
            "ok");
}

TEST(Permissions, ObjectSpanningEveryRegionIsRefusedToScopedUsers) {
  // The city-wide total exceeds any scope; a user without a scope may read it.
  EXPECT_EQ(refusal(authorize(user(Role::ReadOnly, "110105"),
                              {.operation = "stats.read", .all_regions = true})),
            kForbidden);
  EXPECT_EQ(
      refusal(authorize(user(Role::ReadOnly), {.operation = "stats.read", .all_regions = true})),
      "ok");
  // The cloud's data operations are open to every role, inside the scope.
  for (Role r : {Role::Administrator, Role::Operator, Role::Auditor, Role::ReadOnly}) {
    for (std::string_view op : {"stats.read", "regions.read", "analysis.read"}) {
      EXPECT_EQ(
          refusal(authorize(user(r, "110105"), {.operation = op, .object_region = "110105001"})),
          "ok")
          << op;
      EXPECT_EQ(refusal(authorize(user(r, "110105"), {.operation = op, .object_region = "110108"})),
                kForbidden)
          << op;
    }
  }
}

TEST(Permissions, NamesRoundTrip) {
  for (Role r : {Role::Administrator, Role::Operator, Role::Auditor, Role::ReadOnly}) {
    auto back = parse_role(role_name(r));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, r);
  }
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_EQ(*parse_account_kind("government"), AccountKind::Government);
  EXPECT_FALSE(parse_account_kind("alien").has_value());
}

}  // namespace
}  // namespace omni::access
