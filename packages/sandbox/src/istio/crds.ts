import type { KubeObject } from "../kube.ts";

// The sandbox pretends to be a cluster with Istio installed. Real-cluster logic detects Istio
// (and picks the apiVersion to write) by reading these CRDs, so their names, versions and
// printer columns follow what a current Istio install registers.

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** A custom kind the sandbox really serves (list, get, watch, apply, ...). */
export interface IstioKind {
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  /** Served versions, preferred first, in the order Kubernetes' discovery ranks them. */
  versions: string[];
  storageVersion: string;
  /** Columns the CRD declares; empty means Kubernetes' default (Age only). */
  printerColumns: PrinterColumn[];
}

export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

export const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the object was created.",
};

const networkingCategories = ["istio-io", "networking-istio-io"];
// Discovery lists GA before beta before alpha, and v1 has been the storage version since 1.27.
const networkingVersions = ["v1", "v1beta1", "v1alpha3"];

export const istioNetworkingKinds: readonly IstioKind[] = [
  {
    group: ISTIO_NETWORKING_GROUP,
    kind: "Gateway",
    listKind: "GatewayList",
    plural: "gateways",
    singular: "gateway",
    shortNames: ["gw"],
    categories: networkingCategories,
    versions: networkingVersions,
    storageVersion: "v1",
    printerColumns: [],
  },
  {
    group: ISTIO_NETWORKING_GROUP,
    kind: "VirtualService",
    listKind: "VirtualServiceList",
    plural: "virtualservices",
    singular: "virtualservice",
    shortNames: ["vs"],
    categories: networkingCategories,
    versions: networkingVersions,
    storageVersion: "v1",
    printerColumns: [
      {
        name: "Gateways",
        type: "string",
        jsonPath: ".spec.gateways",
        description: "Gateways (or the mesh) whose traffic these routes apply to.",
      },
      {
        name: "Hosts",
        type: "string",
        jsonPath: ".spec.hosts",
        description: "Destination hosts the routes are for.",
      },
      AGE_COLUMN,
    ],
  },
  {
    group: ISTIO_NETWORKING_GROUP,
    kind: "DestinationRule",
    listKind: "DestinationRuleList",
    plural: "destinationrules",
    singular: "destinationrule",
    shortNames: ["dr"],
    categories: networkingCategories,
    versions: networkingVersions,
    storageVersion: "v1",
    printerColumns: [
      {
        name: "Host",
        type: "string",
        jsonPath: ".spec.host",
        description: "The service these subsets and policies belong to.",
      },
      AGE_COLUMN,
    ],
  },
];

/** The columns a Table for this kind shows after NAME, with Kubernetes' default when none are declared. */
export function tableColumns(kind: Pick<IstioKind, "printerColumns">): PrinterColumn[] {
  return kind.printerColumns.length > 0 ? kind.printerColumns : [AGE_COLUMN];
}

/** Kinds that exist only as CRDs, so that listing CRDs looks like a real Istio install. */
const unservedKinds: IstioKind[] = [
  ...(
    [
      ["ServiceEntry", "serviceentries", ["se"]],
      ["Sidecar", "sidecars", []],
      ["WorkloadEntry", "workloadentries", ["we"]],
      ["WorkloadGroup", "workloadgroups", ["wg"]],
    ] as const
  ).map(([kind, plural, shortNames]) =>
    crdKind(ISTIO_NETWORKING_GROUP, kind, plural, [...shortNames], networkingVersions, "v1"),
  ),
  crdKind(ISTIO_NETWORKING_GROUP, "EnvoyFilter", "envoyfilters", [], ["v1alpha3"], "v1alpha3"),
  crdKind(ISTIO_NETWORKING_GROUP, "ProxyConfig", "proxyconfigs", [], ["v1beta1"], "v1beta1"),
  crdKind(
    "security.istio.io",
    "AuthorizationPolicy",
    "authorizationpolicies",
    ["ap"],
    ["v1", "v1beta1"],
    "v1",
  ),
  crdKind("security.istio.io", "PeerAuthentication", "peerauthentications", ["pa"], ["v1", "v1beta1"], "v1"),
  crdKind(
    "security.istio.io",
    "RequestAuthentication",
    "requestauthentications",
    ["ra"],
    ["v1", "v1beta1"],
    "v1",
  ),
  crdKind("telemetry.istio.io", "Telemetry", "telemetries", ["telemetry"], ["v1", "v1alpha1"], "v1alpha1"),
  crdKind("extensions.istio.io", "WasmPlugin", "wasmplugins", [], ["v1alpha1"], "v1alpha1"),
];

function crdKind(
  group: string,
  kind: string,
  plural: string,
  shortNames: string[],
  versions: string[],
  storageVersion: string,
): IstioKind {
  // Istio files each API group under its own category next to the shared "istio-io" one.
  const groupCategory = `${group.split(".")[0]}-istio-io`;
  return {
    group,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    categories: ["istio-io", groupCategory],
    versions,
    storageVersion,
    printerColumns: [],
  };
}

function crdObject(k: IstioKind): KubeObject {
  const names = {
    kind: k.kind,
    listKind: k.listKind,
    plural: k.plural,
    singular: k.singular,
    categories: [...k.categories],
    ...(k.shortNames.length > 0 ? { shortNames: [...k.shortNames] } : {}),
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${k.plural}.${k.group}`,
      labels: { app: "istio-pilot", chart: "istio", heritage: "Tiller", release: "istio" },
      annotations: { "helm.sh/resource-policy": "keep" },
    },
    spec: {
      group: k.group,
      names,
      scope: "Namespaced",
      conversion: { strategy: "None" },
      versions: k.versions.map((name) => ({
        name,
        served: true,
        storage: name === k.storageVersion,
        // The sandbox does not validate Istio specs; the real API server's structural schema
        // would, but nothing in the tour depends on rejected fields.
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        subresources: { status: {} },
        ...(k.printerColumns.length > 0
          ? { additionalPrinterColumns: k.printerColumns.map((c) => ({ ...c })) }
          : {}),
      })),
    },
    status: {
      acceptedNames: structuredClone(names),
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
        },
      ],
      storedVersions: [k.storageVersion],
    },
  };
}

/** CustomResourceDefinition objects for every Istio kind a current install registers. */
export function istioCrds(): KubeObject[] {
  return [...istioNetworkingKinds, ...unservedKinds]
    .map(crdObject)
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}
