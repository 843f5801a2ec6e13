// The API kinds of access control, as discovery lists them: the four rbac.authorization.k8s.io
// kinds (stored), and the reviews of authorization.k8s.io and authentication.k8s.io, which are
// create-only questions answered on the spot and never stored.

import type { ResourceType } from "../api/resources.ts";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const AUTHORIZATION_GROUP = "authorization.k8s.io";
export const AUTHENTICATION_GROUP = "authentication.k8s.io";

const rbac = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: RBAC_GROUP,
  versions: ["v1"],
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
});

const review = (group: string, plural: string, kind: string, namespaced = false): ResourceType => ({
  group,
  versions: ["v1"],
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  verbs: ["create"],
});

export const CLUSTER_ROLE_BINDINGS = rbac("clusterrolebindings", "ClusterRoleBinding", false);
export const CLUSTER_ROLES = rbac("clusterroles", "ClusterRole", false);
export const ROLE_BINDINGS = rbac("rolebindings", "RoleBinding", true);
export const ROLES = rbac("roles", "Role", true);

export const LOCAL_SUBJECT_ACCESS_REVIEWS = review(
  AUTHORIZATION_GROUP,
  "localsubjectaccessreviews",
  "LocalSubjectAccessReview",
  true,
);
export const SELF_SUBJECT_ACCESS_REVIEWS = review(
  AUTHORIZATION_GROUP,
  "selfsubjectaccessreviews",
  "SelfSubjectAccessReview",
);
export const SELF_SUBJECT_RULES_REVIEWS = review(
  AUTHORIZATION_GROUP,
  "selfsubjectrulesreviews",
  "SelfSubjectRulesReview",
);
export const SUBJECT_ACCESS_REVIEWS = review(
  AUTHORIZATION_GROUP,
  "subjectaccessreviews",
  "SubjectAccessReview",
);
export const SELF_SUBJECT_REVIEWS = review(AUTHENTICATION_GROUP, "selfsubjectreviews", "SelfSubjectReview");

/** Entries for the API server's resource table, in discovery's order. */
export const ACCESS_CONTROL_RESOURCES: ResourceType[] = [
  SELF_SUBJECT_REVIEWS,
  LOCAL_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_RULES_REVIEWS,
  SUBJECT_ACCESS_REVIEWS,
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  ROLE_BINDINGS,
  ROLES,
];

/** Storage keys of the stored kinds, the `resource` of their store events. */
export const RBAC_KEY = {
  roles: `roles.${RBAC_GROUP}`,
  roleBindings: `rolebindings.${RBAC_GROUP}`,
  clusterRoles: `clusterroles.${RBAC_GROUP}`,
  clusterRoleBindings: `clusterrolebindings.${RBAC_GROUP}`,
} as const;
