// RBAC's matching, rule by rule and subject by subject, as k8s.io/kubernetes's RBAC authorizer
// evaluates them (plugin/pkg/auth/authorizer/rbac and component-helpers/auth/rbac/validation).

import { serviceAccountUsername, type User } from "../auth/user.ts";
import {
  API_GROUP_ALL,
  NON_RESOURCE_ALL,
  type PolicyRule,
  RESOURCE_ALL,
  type Subject,
  VERB_ALL,
} from "./policy.ts";

/** What one request asks for, in the authorizer's terms (authorizer.Attributes). */
export interface Attributes {
  user: User;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** "" for cluster-scoped requests and for "all namespaces". */
  namespace: string;
  name: string;
  /** The URL path, for non-resource requests. */
  path: string;
}

const has = (list: string[] | undefined, value: string) => (list ?? []).includes(value);

export const verbMatches = (rule: PolicyRule, verb: string) =>
  has(rule.verbs, VERB_ALL) || has(rule.verbs, verb);

export const apiGroupMatches = (rule: PolicyRule, group: string) =>
  has(rule.apiGroups, API_GROUP_ALL) || has(rule.apiGroups, group);

/** `*`, the exact `resource` or `resource/subresource`, or `*\/subresource`. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const resource of rule.resources ?? []) {
    if (resource === RESOURCE_ALL || resource === combined) return true;
    if (subresource && resource === `*/${subresource}`) return true;
  }
  return false;
}

export const resourceNameMatches = (rule: PolicyRule, name: string) =>
  !rule.resourceNames?.length || has(rule.resourceNames, name);

/** `*`, the exact path, or a prefix ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs ?? []) {
    if (url === NON_RESOURCE_ALL || url === path) return true;
    if (url.endsWith("*") && path.startsWith(url.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(attributes: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attributes.verb)) return false;
  if (!attributes.resourceRequest) return nonResourceURLMatches(rule, attributes.path);
  const combined = attributes.subresource
    ? `${attributes.resource}/${attributes.subresource}`
    : attributes.resource;
  return (
    apiGroupMatches(rule, attributes.apiGroup) &&
    resourceMatches(rule, combined, attributes.subresource) &&
    resourceNameMatches(rule, attributes.name)
  );
}

/**
 * Whether a binding's subject names this user. A ServiceAccount subject without a namespace
 * means the binding's own namespace, and nothing in a ClusterRoleBinding (`namespace` "").
 */
export function appliesTo(user: User, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return user.name === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const saNamespace = subject.namespace || namespace;
      return saNamespace !== "" && user.name === serviceAccountUsername(saNamespace, subject.name);
    }
    default:
      return false;
  }
}

/** How messages name a subject: `ServiceAccount "name/namespace"`, `User "alice"`. */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount")
    return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}
