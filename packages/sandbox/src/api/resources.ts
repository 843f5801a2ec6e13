import { istioNetworkingKinds } from "../istio/crds.ts";
import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";

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
  /** Custom resources get merge patches from kubectl and reject strategic merge with 415. */
  custom?: boolean;
}

const readWrite = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
export const verbsOf = (_r: ResourceType): string[] => readWrite;

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

// Istio's kinds come from the same table as their CRDs, so discovery and CRDs agree.
const istio: ResourceType[] = istioNetworkingKinds.map((k) => ({
  group: k.group,
  versions: [...k.versions],
  plural: k.plural,
  singular: k.singular,
  kind: k.kind,
  namespaced: true,
  shortNames: [...k.shortNames],
  categories: [...k.categories],
  subresources: ["status"],
  custom: true,
}));

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
  {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    plural: "mutatingwebhookconfigurations",
    singular: "mutatingwebhookconfiguration",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
    categories: ["api-extensions"],
  },
  ...istio,
];

/** Whether a resource is served at a version right now. */
export type Served = (r: ResourceType, version: string) => boolean;

export const ALL_SERVED: Served = () => true;

interface CrdShape {
  spec?: { group?: string; names?: { plural?: string }; versions?: { name?: string; served?: boolean }[] };
}

/**
 * Custom resources are served only while their CustomResourceDefinition exists and serves the
 * version, as on a real cluster: delete Istio's CRDs and its kinds disappear from discovery.
 */
export function servedByCrds(store: Store): Served {
  return (r, version) => {
    if (!r.custom) return true;
    const crd = store.get(
      "customresourcedefinitions.apiextensions.k8s.io",
      undefined,
      `${r.plural}.${r.group}`,
    ) as (CrdShape & KubeObject) | undefined;
    return crd?.spec?.versions?.some((v) => v.name === version && v.served !== false) ?? false;
  };
}

export function groups(served: Served = ALL_SERVED): { name: string; versions: string[] }[] {
  const found = new Map<string, string[]>();
  for (const r of RESOURCES) {
    if (!r.group) continue;
    const known = found.get(r.group) ?? [];
    for (const v of r.versions) if (served(r, v) && !known.includes(v)) known.push(v);
    if (known.length) found.set(r.group, known);
  }
  return [...found].map(([name, versions]) => ({ name, versions }));
}

export function findResource(
  group: string,
  version: string,
  plural: string,
  served: Served = ALL_SERVED,
): ResourceType | undefined {
  return RESOURCES.find(
    (r) => r.group === group && r.plural === plural && r.versions.includes(version) && served(r, version),
  );
}

export function findResourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return RESOURCES.find((r) => r.group === group && r.kind === kind && r.versions.includes(version ?? ""));
}

export function resourcesIn(group: string, version: string, served: Served = ALL_SERVED): ResourceType[] {
  return RESOURCES.filter((r) => r.group === group && r.versions.includes(version) && served(r, version));
}
