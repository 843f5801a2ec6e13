import {
  ALL_SERVED,
  groups,
  groupVersion,
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

export function apiGroupList(served: Served = ALL_SERVED) {
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

export function findGroup(name: string, served: Served = ALL_SERVED) {
  return groups(served).find((g) => g.name === name);
}

function resourceEntries(r: ResourceType) {
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
  const subs = (r.subresources ?? []).map((sub) => ({
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

export function apiResourceList(group: string, version: string, served: Served = ALL_SERVED) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion(group, version),
    resources: resourcesIn(group, version, served).flatMap(resourceEntries),
  };
}

export const servedGroupVersion = (group: string, version: string, served: Served = ALL_SERVED) =>
  resourcesIn(group, version, served).length > 0;
