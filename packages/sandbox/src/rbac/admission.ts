// What the API server does with RBAC objects before it stores them: v1 defaults, validation in
// its wording, and escalation prevention, which refuses to let anyone grant (by a role's rules or
// by binding a role) permissions they do not hold themselves, unless they may `escalate` roles or
// `bind` that role, or are in system:masters.

import type { AdmissionPlugin } from "../api/admission.ts";
import { decide } from "../api/authorization.ts";
import type { ResourceType } from "../api/resources.ts";
import { labelSelectorFromSpec } from "../api/selectors.ts";
import { type FieldCause, invalid, notFound, StatusError } from "../api/status.ts";
import { requestingUser } from "../auth/requestUser.ts";
import { PRIVILEGED_GROUP, type User } from "../auth/user.ts";
import { canonicalJson } from "../controllers/templateHash.ts";
import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { aggregate, RbacAuthorizer } from "./authorizer.ts";
import { compactRules, compactString, uncoveredRules } from "./covers.ts";
import { CLUSTER_ROLES, RBAC_GROUP, ROLES } from "./kinds.ts";
import {
  type BindingObject,
  FULL_AUTHORITY,
  type PolicyRule,
  type RoleObject,
  type Subject,
} from "./policy.ts";

const ROLE_KINDS = new Set(["Role", "ClusterRole"]);
const BINDING_KINDS = new Set(["RoleBinding", "ClusterRoleBinding"]);

export const rbacAdmission: AdmissionPlugin = ({ operation, resource, object, old, store }) => {
  if (resource.group !== RBAC_GROUP) return;
  if (BINDING_KINDS.has(resource.kind)) applyBindingDefaults(object as BindingObject);
  const user = requestingUser();
  if (user && !user.groups.includes(PRIVILEGED_GROUP)) {
    if (ROLE_KINDS.has(resource.kind))
      preventRoleEscalation(user, resource, object as RoleObject, old as RoleObject | undefined, store);
    else
      preventBindingEscalation(
        user,
        resource,
        object as BindingObject,
        old as BindingObject | undefined,
        store,
      );
  }
  const causes = ROLE_KINDS.has(resource.kind)
    ? roleCauses(object as RoleObject, resource.kind === "Role")
    : bindingCauses(
        object as BindingObject,
        old as BindingObject | undefined,
        resource.kind === "RoleBinding",
      );
  const name = object.metadata.name ?? "";
  if (operation === "CREATE") causes.unshift(...nameCauses(name));
  if (causes.length) throw invalid(resource, name, causes);
};

function applyBindingDefaults(binding: BindingObject): void {
  if (binding.roleRef && typeof binding.roleRef === "object" && !binding.roleRef.apiGroup)
    binding.roleRef.apiGroup = RBAC_GROUP;
  for (const subject of binding.subjects ?? []) {
    if (!subject.apiGroup && (subject.kind === "User" || subject.kind === "Group"))
      subject.apiGroup = RBAC_GROUP;
  }
}

// ---- validation ----

const goStrings = (list: string[]) => `[]string{${list.map((v) => JSON.stringify(v)).join(", ")}}`;
const supported = (values: string[]) => values.map((v) => JSON.stringify(v)).join(", ");

/** RBAC names are path segments: anything but "." and "..", without "/" or "%". */
function nameCauses(name: string, field = "metadata.name"): FieldCause[] {
  if (name === "." || name === "..")
    return [{ field, message: `Invalid value: "${name}": may not be '${name}'` }];
  return ["/", "%"]
    .filter((c) => name.includes(c))
    .map((c) => ({ field, message: `Invalid value: "${name}": may not contain '${c}'` }));
}

function ruleCauses(rule: PolicyRule, namespaced: boolean, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const required = (field: string, detail: string) =>
    causes.push({
      field: `${path}.${field}`,
      message: `Required value: ${detail}`,
      reason: "FieldValueRequired",
    });
  if (!rule.verbs?.length) required("verbs", "verbs must contain at least one value");
  if (rule.nonResourceURLs?.length) {
    const urls = goStrings(rule.nonResourceURLs);
    if (namespaced)
      causes.push({
        field: `${path}.nonResourceURLs`,
        message: `Invalid value: ${urls}: namespaced rules cannot apply to non-resource URLs`,
      });
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length)
      causes.push({
        field: `${path}.nonResourceURLs`,
        message: `Invalid value: ${urls}: rules cannot apply to both regular resources and non-resource URLs`,
      });
    return causes;
  }
  if (!rule.apiGroups?.length) required("apiGroups", "resource rules must supply at least one api group");
  if (!rule.resources?.length) required("resources", "resource rules must supply at least one resource");
  return causes;
}

function roleCauses(role: RoleObject, namespaced: boolean): FieldCause[] {
  const causes = (Array.isArray(role.rules) ? role.rules : []).flatMap((rule, i) =>
    ruleCauses(rule ?? {}, namespaced, `rules[${i}]`),
  );
  const aggregation = role.aggregationRule;
  if (!namespaced && aggregation) {
    const selectors = aggregation.clusterRoleSelectors ?? [];
    if (selectors.length === 0)
      causes.push({
        field: "aggregationRule.clusterRoleSelectors",
        message: "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
        reason: "FieldValueRequired",
      });
    selectors.forEach((selector, i) => {
      try {
        labelSelectorFromSpec(selector);
      } catch (error) {
        causes.push({
          field: `aggregationRule.clusterRoleSelectors[${i}]`,
          message: `Invalid value: ${JSON.stringify(selector)}: ${(error as Error).message}`,
        });
      }
    });
  }
  return causes;
}

function subjectCauses(subject: Subject, namespaced: boolean, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!subject.name)
    causes.push({ field: `${path}.name`, message: "Required value", reason: "FieldValueRequired" });
  const notSupported = (field: string, value: string, values: string[]) =>
    causes.push({
      field: `${path}.${field}`,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported(values)}`,
      reason: "FieldValueNotSupported",
    });
  switch (subject.kind) {
    case "ServiceAccount":
      if (
        subject.name &&
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(subject.name)
      )
        causes.push({
          field: `${path}.name`,
          message: `Invalid value: ${JSON.stringify(subject.name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        });
      if (subject.apiGroup) notSupported("apiGroup", subject.apiGroup, [""]);
      if (!namespaced && !subject.namespace)
        causes.push({ field: `${path}.namespace`, message: "Required value", reason: "FieldValueRequired" });
      break;
    case "User":
    case "Group":
      if (subject.apiGroup !== RBAC_GROUP) notSupported("apiGroup", subject.apiGroup ?? "", [RBAC_GROUP]);
      break;
    default:
      notSupported("kind", subject.kind ?? "", ["ServiceAccount", "User", "Group"]);
  }
  return causes;
}

function bindingCauses(
  binding: BindingObject,
  old: BindingObject | undefined,
  namespaced: boolean,
): FieldCause[] {
  const causes: FieldCause[] = [];
  const ref = (binding.roleRef ?? {}) as Partial<BindingObject["roleRef"]>;
  if (ref.apiGroup !== RBAC_GROUP)
    causes.push({
      field: "roleRef.apiGroup",
      message: `Unsupported value: ${JSON.stringify(ref.apiGroup ?? "")}: supported values: ${supported([RBAC_GROUP])}`,
      reason: "FieldValueNotSupported",
    });
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind ?? ""))
    causes.push({
      field: "roleRef.kind",
      message: `Unsupported value: ${JSON.stringify(ref.kind ?? "")}: supported values: ${supported(kinds)}`,
      reason: "FieldValueNotSupported",
    });
  if (!ref.name)
    causes.push({ field: "roleRef.name", message: "Required value", reason: "FieldValueRequired" });
  else causes.push(...nameCauses(ref.name, "roleRef.name"));
  (binding.subjects ?? []).forEach((subject, i) => {
    causes.push(...subjectCauses(subject ?? ({} as Subject), namespaced, `subjects[${i}]`));
  });
  if (old) {
    const before = old.roleRef;
    if (before.apiGroup !== ref.apiGroup || before.kind !== ref.kind || before.name !== ref.name)
      causes.push({
        field: "roleRef",
        message: `Invalid value: rbac.RoleRef{APIGroup:${JSON.stringify(ref.apiGroup ?? "")}, Kind:${JSON.stringify(ref.kind ?? "")}, Name:${JSON.stringify(ref.name ?? "")}}: cannot change roleRef`,
      });
  }
  return causes;
}

// ---- escalation ----

const may = (user: User, store: Store, verb: string, resource: string, namespace: string, name: string) =>
  decide(
    {
      user,
      verb,
      resourceRequest: true,
      apiGroup: RBAC_GROUP,
      resource,
      subresource: "",
      namespace,
      name,
      path: "",
    },
    store,
  ).allowed;

/** Throws the API server's 403 when `user` does not hold every permission in `rules`. */
function confirmNoEscalation(
  user: User,
  store: Store,
  namespace: string,
  rules: PolicyRule[],
  refuse: (message: string) => StatusError,
): void {
  const owner = RbacAuthorizer.of(store).rulesFor(user, namespace);
  const missing = uncoveredRules(owner.rules, rules);
  if (!missing.length) return;
  const described = [...new Set(compactRules(missing).map(compactString))].sort();
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(" ")}]`;
  let message = `user ${JSON.stringify(user.name)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${described.join("\n")}`;
  if (owner.errors.length) message += `; resolution errors: [${aggregate(owner.errors)}]`;
  throw refuse(message);
}

const forbiddenWrite = (resource: ResourceType, name: string) => (message: string) =>
  new StatusError(403, "Forbidden", `${resource.plural}.${RBAC_GROUP} "${name}" is forbidden: ${message}`, {
    name,
    group: RBAC_GROUP,
    kind: resource.plural,
  });

/** An update that touches only what garbage collection writes (owners, finalizers) escalates nothing. */
function onlyGcFields(old: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const {
      ownerReferences: _o,
      finalizers: _f,
      managedFields: _m,
      resourceVersion: _r,
      generation: _g,
      ...metadata
    } = o.metadata;
    return canonicalJson({ ...o, apiVersion: undefined, metadata });
  };
  return strip(old) === strip(next);
}

function preventRoleEscalation(
  user: User,
  resource: ResourceType,
  role: RoleObject,
  old: RoleObject | undefined,
  store: Store,
): void {
  const namespace = role.metadata.namespace ?? "";
  const name = role.metadata.name ?? "";
  if (old && onlyGcFields(old, role)) return;
  if (may(user, store, "escalate", resource.plural, namespace, old ? name : "")) return;
  const refuse = forbiddenWrite(resource, name);
  confirmNoEscalation(user, store, namespace, role.rules ?? [], refuse);
  if (role.aggregationRule || old?.aggregationRule) {
    confirmNoEscalation(user, store, namespace, FULL_AUTHORITY, () =>
      refuse("must have cluster-admin privileges to use the aggregationRule"),
    );
  }
}

function preventBindingEscalation(
  user: User,
  resource: ResourceType,
  binding: BindingObject,
  old: BindingObject | undefined,
  store: Store,
): void {
  const namespace = binding.metadata.namespace ?? "";
  const ref = binding.roleRef;
  if (!ref || !ROLE_KINDS.has(ref.kind)) return; // validation refuses it
  if (old && onlyGcFields(old, binding)) return;
  const roles = ref.kind === "Role" ? ROLES : CLUSTER_ROLES;
  if (may(user, store, "bind", roles.plural, namespace, ref.name)) return;
  const granted = RbacAuthorizer.of(store).roleRules(ref, namespace);
  if ("error" in granted) throw notFound(roles, ref.name);
  confirmNoEscalation(
    user,
    store,
    namespace,
    granted.rules,
    forbiddenWrite(resource, binding.metadata.name ?? ""),
  );
}
