// RoleBindings and ClusterRoleBindings as the API server prints them: NAME, ROLE (Kind/name),
// AGE, and with -o wide the USERS, GROUPS and SERVICEACCOUNTS (namespace/name) they bind.

import { age } from "../age.ts";
import type { BindingObject } from "../rbac/policy.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

export const roleBindingColumns = [
  nameColumn,
  column("Role", "The role the binding grants: kind/name."),
  ageColumn,
  column("Users", "Users in the binding.", WIDE),
  column("Groups", "Groups in the binding.", WIDE),
  column("ServiceAccounts", "ServiceAccounts in the binding.", WIDE),
];

/** Users, groups and service accounts of a binding, each in subject order. */
export function subjectStrings(binding: BindingObject): {
  users: string[];
  groups: string[];
  accounts: string[];
} {
  const out = { users: [] as string[], groups: [] as string[], accounts: [] as string[] };
  for (const subject of binding.subjects ?? []) {
    if (subject.kind === "User") out.users.push(subject.name);
    else if (subject.kind === "Group") out.groups.push(subject.name);
    else if (subject.kind === "ServiceAccount")
      out.accounts.push(`${subject.namespace ?? ""}/${subject.name}`);
  }
  return out;
}

export const roleBindingPrinter: KindPrinter = {
  columns: roleBindingColumns,
  cells(object, now) {
    const binding = object as BindingObject;
    const ref = binding.roleRef ?? { kind: "", name: "" };
    const { users, groups, accounts } = subjectStrings(binding);
    return [
      binding.metadata.name ?? "",
      `${ref.kind}/${ref.name}`,
      age(binding.metadata.creationTimestamp, now),
      users.join(", "),
      groups.join(", "),
      accounts.join(", "),
    ];
  },
};
