// The shapes of rbac.authorization.k8s.io/v1 objects, as the authorizer reads them.

import type { LabelSelectorSpec } from "../api/selectors.ts";
import type { KubeObject } from "../kube.ts";

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** A Role or a ClusterRole. */
export interface RoleObject extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: LabelSelectorSpec[] } | null;
}

/** A RoleBinding or a ClusterRoleBinding. */
export interface BindingObject extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

export const VERB_ALL = "*";
export const API_GROUP_ALL = "*";
export const RESOURCE_ALL = "*";
export const NON_RESOURCE_ALL = "*";

/** Everything, resources and paths: what aggregating ClusterRoles and system:masters amount to. */
export const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: [VERB_ALL], apiGroups: [API_GROUP_ALL], resources: [RESOURCE_ALL] },
  { verbs: [VERB_ALL], nonResourceURLs: [NON_RESOURCE_ALL] },
];
