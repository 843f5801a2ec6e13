import { subresourcesAt } from "../crd/catalog.ts";
import {
  groups,
  groupVersion,
  RESOURCES,
  type ResourceType,
  resourcesIn,
  type Served,
  verbsOf,
} from "./resources.ts";

/** What `/version` reports: kubectl's dispatcher picks the kubectl minor that matches it. */
export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:02:27Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
};

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroupList(served: Served = RESOURCES) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups(served).map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiGroup(name: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: groupVersion(name, version), version }));
  return { kind: "APIGroup", apiVersion: "v1", name, versions: entries, preferredVersion: entries[0] };
}

export function findGroup(name: string, served: Served = RESOURCES) {
  return groups(served).find((g) => g.name === name);
}

function resourceEntries(r: ResourceType, version: string) {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: verbsOf(r),
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    storageVersionHash: Buffer.from(`${r.group}/${r.plural}`).toString("base64").slice(0, 11),
  };
  const subs = subresourcesAt(r, version).map((sub) => ({
    name: `${r.plural}/${sub}`,
    singularName: "",
    namespaced: r.namespaced,
    ...(sub === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" } : { kind: r.kind }),
    verbs: ["get", "patch", "update"],
  }));
  const extras =
    r.kind === "Pod"
      ? [
          { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
          {
            name: "pods/eviction",
            singularName: "",
            namespaced: true,
            group: "policy",
            version: "v1",
            kind: "Eviction",
            verbs: ["create"],
          },
        ]
      : r.kind === "ServiceAccount"
        ? [
            {
              name: "serviceaccounts/token",
              singularName: "",
              namespaced: true,
              group: "authentication.k8s.io",
              version: "v1",
              kind: "TokenRequest",
              verbs: ["create"],
            },
          ]
        : [];
  return [main, ...subs, ...extras];
}

export function apiResourceList(group: string, version: string, served: Served = RESOURCES) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion(group, version),
    resources: resourcesIn(group, version, served).flatMap((r) => resourceEntries(r, version)),
  };
}

export const servedGroupVersion = (group: string, version: string, served: Served = RESOURCES) =>
  resourcesIn(group, version, served).length > 0;

/** What kubectl asks for first; without it in Accept, /api and /apis answer the legacy lists. */
export const AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

export const wantsAggregatedDiscovery = (accept: string | undefined): boolean =>
  (accept ?? "")
    .split(",")
    .some(
      (part) =>
        /as=APIGroupDiscoveryList/.test(part) &&
        /g=apidiscovery\.k8s\.io/.test(part) &&
        /v=v2(;|$)/.test(part.replace(/\s/g, "")),
    );

type Entry = ReturnType<typeof resourceEntries>[number] & { group?: string; version?: string };

/** One group/version of apidiscovery.k8s.io/v2, built from the same entries as the legacy list. */
function aggregatedVersion(group: string, version: string, served: Served) {
  const entries = resourcesIn(group, version, served).flatMap((r) => resourceEntries(r, version) as Entry[]);
  const kindOf = (e: Entry) => ({ group: e.group ?? group, version: e.version ?? version, kind: e.kind });
  const resources = entries
    .filter((e) => !e.name.includes("/"))
    .map((main) => {
      const subresources = entries
        .filter((e) => e.name.startsWith(`${main.name}/`))
        .map((sub) => ({
          subresource: sub.name.slice(main.name.length + 1),
          responseKind: kindOf(sub),
          verbs: sub.verbs,
        }));
      return {
        resource: main.name,
        responseKind: kindOf(main),
        scope: main.namespaced ? "Namespaced" : "Cluster",
        singularResource: main.singularName,
        verbs: main.verbs,
        ...("shortNames" in main && main.shortNames ? { shortNames: main.shortNames } : {}),
        ...("categories" in main && main.categories ? { categories: main.categories } : {}),
        ...(subresources.length ? { subresources } : {}),
      };
    });
  return { version, resources, freshness: "Current" };
}

/** The APIGroupDiscoveryList of `/api` (the core group) or `/apis` (every named group). */
export function aggregatedDiscovery(root: "/api" | "/apis", served: Served = RESOURCES) {
  const items =
    root === "/api"
      ? [{ metadata: { creationTimestamp: null }, versions: [aggregatedVersion("", "v1", served)] }]
      : groups(served).map((g) => ({
          metadata: { name: g.name, creationTimestamp: null },
          versions: g.versions.map((v) => aggregatedVersion(g.name, v, served)),
        }));
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}
