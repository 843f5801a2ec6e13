import { findResource, type ResourceType, storageKey } from "../api/resources.ts";

function served(group: string, version: string, plural: string): ResourceType {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`the sandbox does not serve ${plural}.${group || "core"}/${version}`);
  return r;
}

export const NAMESPACES = served("", "v1", "namespaces");
export const PODS = served("", "v1", "pods");
export const SERVICES = served("", "v1", "services");
export const ENDPOINTS = served("", "v1", "endpoints");
export const ENDPOINT_SLICES = served("discovery.k8s.io", "v1", "endpointslices");
export const SERVICE_ACCOUNTS = served("", "v1", "serviceaccounts");
export const DEPLOYMENTS = served("apps", "v1", "deployments");
export const REPLICA_SETS = served("apps", "v1", "replicasets");
export const DAEMON_SETS = served("apps", "v1", "daemonsets");
export const NODES = served("", "v1", "nodes");
export const WEBHOOKS = served("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations");

/** Storage keys, the `resource` of store events. */
export const KEY = {
  namespaces: storageKey(NAMESPACES),
  pods: storageKey(PODS),
  services: storageKey(SERVICES),
  endpoints: storageKey(ENDPOINTS),
  endpointSlices: storageKey(ENDPOINT_SLICES),
  serviceAccounts: storageKey(SERVICE_ACCOUNTS),
  deployments: storageKey(DEPLOYMENTS),
  replicaSets: storageKey(REPLICA_SETS),
  daemonSets: storageKey(DAEMON_SETS),
  nodes: storageKey(NODES),
  webhooks: storageKey(WEBHOOKS),
} as const;

/** "namespace/name", the key controllers queue namespaced objects by. */
export const objectKey = (namespace: string | undefined, name: string | undefined): string =>
  `${namespace ?? ""}/${name ?? ""}`;

export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}

export const CONTROLLER_MANAGER = { manager: "kube-controller-manager" } as const;
