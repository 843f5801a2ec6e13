// Who a request comes from, in the API server's terms (k8s.io/apiserver user.Info), and the
// fixed names Kubernetes gives to groups and service accounts.

export interface User {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ALL_AUTHENTICATED = "system:authenticated";
export const ALL_UNAUTHENTICATED = "system:unauthenticated";
export const ANONYMOUS = "system:anonymous";
/** Members are allowed everything, before and whatever RBAC says. */
export const PRIVILEGED_GROUP = "system:masters";

const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
export const ALL_SERVICE_ACCOUNTS = "system:serviceaccounts";

export const serviceAccountUsername = (namespace: string, name: string): string =>
  `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;

/** The groups every token of a service account in `namespace` carries. */
export const serviceAccountGroups = (namespace: string): string[] => [
  ALL_SERVICE_ACCOUNTS,
  `${ALL_SERVICE_ACCOUNTS}:${namespace}`,
];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `system:serviceaccount:NS:NAME` to its parts, or undefined for any other user name (also for
 * a malformed one, which the API server treats as a plain user name too).
 */
export function splitServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  if (parts.length !== 2) return undefined;
  const [namespace = "", name = ""] = parts;
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) return undefined;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return undefined;
  return { namespace, name };
}
