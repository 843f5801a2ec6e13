// The kinds stored CustomResourceDefinitions add to the API: one ResourceType per established
// CRD, named by its accepted names, serving its served versions in kube-aware order, with each
// version's schema, printer columns and subresources. Derived from the store on demand and cached
// until a CRD changes, so creating or deleting a CRD changes what the server serves at once.

import type { ResourceType } from "../api/resources.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import type { Store } from "../store/store.ts";
import {
  CRD_STORAGE_KEY,
  type CustomResourceDefinition,
  isEstablished,
  type PrinterColumnSpec,
  type ScaleSubresource,
} from "./types.ts";
import { sortVersions } from "./versions.ts";

export interface CustomVersionInfo {
  name: string;
  schema?: JSONSchemaProps;
  /** As declared; a version without columns shows Age only. */
  printerColumns: PrinterColumnSpec[];
  status: boolean;
  scale?: ScaleSubresource;
  deprecated: boolean;
  deprecationWarning?: string;
}

export interface CustomResourceInfo {
  crdName: string;
  listKind: string;
  storageVersion: string;
  versions: Record<string, CustomVersionInfo>;
}

interface Cached {
  fingerprint: string;
  resources: ResourceType[];
}

const cache = new WeakMap<Store, Cached>();

/** The custom kinds `store`'s established CRDs serve right now. */
export function customResourcesOf(store: Store): ResourceType[] {
  const crds = [...store.peek(CRD_STORAGE_KEY)] as CustomResourceDefinition[];
  const fingerprint = crds.map((c) => `${c.metadata.uid}@${c.metadata.resourceVersion}`).join(",");
  const cached = cache.get(store);
  if (cached?.fingerprint === fingerprint) return cached.resources;
  const resources = crds.flatMap((crd) => {
    const r = resourceTypeOf(crd);
    return r ? [r] : [];
  });
  resources.sort((a, b) => `${a.group}/${a.plural}`.localeCompare(`${b.group}/${b.plural}`));
  cache.set(store, { fingerprint, resources });
  return resources;
}

/** The ResourceType an established CRD serves, or undefined while it serves nothing. */
export function resourceTypeOf(crd: CustomResourceDefinition): ResourceType | undefined {
  if (!isEstablished(crd)) return undefined;
  const names = crd.status?.acceptedNames ?? {};
  const group = crd.spec.group ?? "";
  if (!names.plural || !names.kind || !group) return undefined;
  const served = (crd.spec.versions ?? []).filter((v) => v.served !== false && v.name);
  if (served.length === 0) return undefined;
  const versions: Record<string, CustomVersionInfo> = {};
  for (const v of served) {
    versions[v.name] = {
      name: v.name,
      schema: v.schema?.openAPIV3Schema,
      printerColumns: v.additionalPrinterColumns ?? [],
      status: v.subresources?.status !== undefined,
      scale: v.subresources?.scale,
      deprecated: v.deprecated === true,
      deprecationWarning: v.deprecationWarning,
    };
  }
  const storageVersion = crd.spec.versions?.find((v) => v.storage)?.name ?? served[0]?.name ?? "";
  const anyStatus = served.some((v) => v.subresources?.status !== undefined);
  const anyScale = served.some((v) => v.subresources?.scale !== undefined);
  return {
    group,
    versions: sortVersions(Object.keys(versions)),
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    kind: names.kind,
    namespaced: crd.spec.scope !== "Cluster",
    ...(names.shortNames?.length ? { shortNames: [...names.shortNames] } : {}),
    ...(names.categories?.length ? { categories: [...names.categories] } : {}),
    subresources: [...(anyStatus ? ["status" as const] : []), ...(anyScale ? ["scale" as const] : [])],
    custom: {
      crdName: crd.metadata.name ?? "",
      listKind: names.listKind || `${names.kind}List`,
      storageVersion,
      versions,
    },
  };
}

/** The subresources a resource has at one version (a CRD may differ between versions). */
export function subresourcesAt(r: ResourceType, version: string): ("status" | "scale")[] {
  if (!r.custom) return r.subresources ?? [];
  const info = r.custom.versions[version];
  if (!info) return [];
  return [...(info.status ? ["status" as const] : []), ...(info.scale ? ["scale" as const] : [])];
}

/** The version of a custom resource an object was written in, else the CRD's storage version. */
export function versionOf(r: ResourceType, apiVersion: string | undefined): string {
  const version = apiVersion?.startsWith(`${r.group}/`) ? apiVersion.slice(r.group.length + 1) : undefined;
  if (version && r.custom?.versions[version]) return version;
  return r.custom?.storageVersion && r.custom.versions[r.custom.storageVersion]
    ? r.custom.storageVersion
    : (r.versions[0] ?? "");
}
