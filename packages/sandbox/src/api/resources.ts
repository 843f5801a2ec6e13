import { type CustomResourceInfo, customResourcesOf } from "../crd/catalog.ts";
import { sortVersions } from "../crd/versions.ts";
import { ACCESS_CONTROL_RESOURCES } from "../rbac/kinds.ts";
import { Store } from "../store/store.ts";

/** One kind the sandbox API server serves, with what discovery and OpenAPI say about it. */
export interface ResourceType {
  group: string; // "" for the core group
  versions: string[]; // served versions, preferred first
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: ("status" | "scale")[];
  /**
   * Set for kinds a CustomResourceDefinition serves: its versions' schemas, columns and
   * subresources. Custom resources get merge patches from kubectl and reject strategic merge.
   */
  custom?: CustomResourceInfo;
  /** What the resource answers to, when not the full set: reviews are create-only. */
  verbs?: string[];
}

const readWrite = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
export const verbsOf = (r: ResourceType): string[] => r.verbs ?? readWrite;

/** Where the store keeps a kind: "pods", "deployments.apps", "gateways.networking.istio.io". */
export const storageKey = (r: Pick<ResourceType, "plural" | "group">): string =>
  r.group ? `${r.plural}.${r.group}` : r.plural;

export const groupVersion = (group: string, version: string): string =>
  group ? `${group}/${version}` : version;

const core = (
  plural: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType => ({
  group: "",
  versions: ["v1"],
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  ...extra,
});

const admissionRegistration = (plural: string, kind: string): ResourceType => ({
  group: "admissionregistration.k8s.io",
  versions: ["v1"],
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced: false,
  categories: ["api-extensions"],
});

/**
 * The built-in kinds, always served. Custom resources are not listed here: they come from the
 * CustomResourceDefinitions in the store (see servedResources).
 */
export const RESOURCES: ResourceType[] = [
  core("namespaces", "Namespace", false, { shortNames: ["ns"], subresources: ["status"] }),
  core("nodes", "Node", false, { shortNames: ["no"], subresources: ["status"] }),
  core("pods", "Pod", true, { shortNames: ["po"], categories: ["all"], subresources: ["status"] }),
  core("services", "Service", true, { shortNames: ["svc"], categories: ["all"], subresources: ["status"] }),
  core("endpoints", "Endpoints", true, { shortNames: ["ep"], singular: "endpoints" }),
  core("serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }),
  core("configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  core("events", "Event", true, { shortNames: ["ev"] }),
  {
    group: "apps",
    versions: ["v1"],
    plural: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    subresources: ["status"],
  },
  {
    group: "apps",
    versions: ["v1"],
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["status", "scale"],
  },
  {
    group: "apps",
    versions: ["v1"],
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status", "scale"],
  },
  {
    group: "discovery.k8s.io",
    versions: ["v1"],
    plural: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
  },
  {
    group: "apiextensions.k8s.io",
    versions: ["v1"],
    plural: "customresourcedefinitions",
    singular: "customresourcedefinition",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: ["status"],
  },
  admissionRegistration("mutatingwebhookconfigurations", "MutatingWebhookConfiguration"),
  admissionRegistration("validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
  {
    ...admissionRegistration("validatingadmissionpolicies", "ValidatingAdmissionPolicy"),
    subresources: ["status"],
  },
  admissionRegistration("validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding"),
  ...ACCESS_CONTROL_RESOURCES,
];

/** What the API serves at one moment: the built-ins, then the custom kinds of established CRDs. */
export type Served = readonly ResourceType[];

/**
 * Everything a store's API server serves now. Without a store, the built-in kinds only. A custom
 * kind never shadows a built-in one of the same group and plural.
 */
export function servedResources(from?: Store | Served): Served {
  if (!from) return RESOURCES;
  if (!(from instanceof Store)) return from;
  const custom = customResourcesOf(from);
  let served = combined.get(custom);
  if (!served) {
    const extra = custom.filter((c) => !RESOURCES.some((r) => r.group === c.group && r.plural === c.plural));
    served = extra.length ? [...RESOURCES, ...extra] : RESOURCES;
    combined.set(custom, served);
  }
  return served;
}

// The same custom kinds give the same list, so callers can cache what they derive from it.
const combined = new WeakMap<readonly ResourceType[], Served>();

export function groups(served: Served = RESOURCES): { name: string; versions: string[] }[] {
  const found = new Map<string, string[]>();
  for (const r of served) {
    if (!r.group) continue;
    const known = found.get(r.group) ?? [];
    for (const v of r.versions) if (!known.includes(v)) known.push(v);
    found.set(r.group, known);
  }
  return [...found].map(([name, versions]) => ({ name, versions: sortVersions(versions) }));
}

export function findResource(
  group: string,
  version: string,
  plural: string,
  from?: Store | Served,
): ResourceType | undefined {
  return servedResources(from).find(
    (r) => r.group === group && r.plural === plural && r.versions.includes(version),
  );
}

export function findResourceByKind(
  apiVersion: string,
  kind: string,
  from?: Store | Served,
): ResourceType | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return servedResources(from).find(
    (r) => r.group === group && r.kind === kind && r.versions.includes(version ?? ""),
  );
}

export function resourcesIn(group: string, version: string, served: Served = RESOURCES): ResourceType[] {
  return served.filter((r) => r.group === group && r.versions.includes(version));
}
