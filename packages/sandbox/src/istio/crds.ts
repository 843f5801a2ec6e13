import type { PrinterColumnSpec } from "../crd/types.ts";
import type { KubeObject } from "../kube.ts";
import { obj } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import { istioStatus } from "./schemas/common.ts";
import { telemetrySpec, wasmPluginSpec } from "./schemas/extensions.ts";
import {
  destinationRuleSpec,
  envoyFilterSpec,
  gatewaySpec,
  proxyConfigSpec,
  serviceEntrySpec,
  sidecarSpec,
  virtualServiceSpec,
  workloadEntrySpec,
  workloadGroupSpec,
} from "./schemas/networking.ts";
import {
  authorizationPolicySpec,
  peerAuthenticationSpec,
  requestAuthenticationSpec,
} from "./schemas/security.ts";

// The CustomResourceDefinitions a current Istio install registers (its crd-all), as data: names,
// versions, printer columns and the spec schemas. The sandbox seeds them at start and serves
// them through the same CRD machinery as any CRD a user applies; real-cluster logic detects
// Istio (and picks the apiVersion to write) by reading them.

export type PrinterColumn = PrinterColumnSpec;

export interface IstioKind {
  group: string;
  kind: string;
  plural: string;
  shortNames: string[];
  /** As the CRD lists them. */
  versions: string[];
  storageVersion: string;
  /** Columns before Age (every Istio CRD ends with Age), or the full list when Age is not last. */
  printerColumns: PrinterColumn[];
  spec: JSONSchemaProps;
}

export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

export const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the server created the object.",
};

const column = (name: string, jsonPath: string, description: string): PrinterColumn => ({
  name,
  type: "string",
  jsonPath,
  description,
});

// networking.istio.io kinds are served in v1, v1alpha3 and v1beta1; v1 is stored since 1.27.
const NETWORKING = ["v1", "v1alpha3", "v1beta1"];
const SECURITY = ["v1", "v1beta1"];

const networking = (
  kind: string,
  plural: string,
  shortNames: string[],
  spec: JSONSchemaProps,
  printerColumns: PrinterColumn[] = [AGE_COLUMN],
): IstioKind => ({
  group: ISTIO_NETWORKING_GROUP,
  kind,
  plural,
  shortNames,
  versions: NETWORKING,
  storageVersion: "v1",
  printerColumns,
  spec,
});

export const istioKinds: readonly IstioKind[] = [
  networking("Gateway", "gateways", ["gw"], gatewaySpec),
  networking("VirtualService", "virtualservices", ["vs"], virtualServiceSpec, [
    column("Gateways", ".spec.gateways", "The gateways and sidecars that apply these routes."),
    column("Hosts", ".spec.hosts", "The destination hosts the routes are for."),
    AGE_COLUMN,
  ]),
  networking("DestinationRule", "destinationrules", ["dr"], destinationRuleSpec, [
    column("Host", ".spec.host", "The service the rule is for."),
    AGE_COLUMN,
  ]),
  networking("ServiceEntry", "serviceentries", ["se"], serviceEntrySpec, [
    column("Hosts", ".spec.hosts", "The hosts of the service."),
    column("Location", ".spec.location", "Whether the service is outside the mesh or part of it."),
    column("Resolution", ".spec.resolution", "How the endpoints of the hosts are found."),
    AGE_COLUMN,
  ]),
  networking("Sidecar", "sidecars", [], sidecarSpec),
  networking("WorkloadEntry", "workloadentries", ["we"], workloadEntrySpec, [
    AGE_COLUMN,
    column("Address", ".spec.address", "The address of the endpoint."),
  ]),
  networking("WorkloadGroup", "workloadgroups", ["wg"], workloadGroupSpec),
  {
    ...networking("EnvoyFilter", "envoyfilters", [], envoyFilterSpec),
    versions: ["v1alpha3"],
    storageVersion: "v1alpha3",
  },
  {
    ...networking("ProxyConfig", "proxyconfigs", [], proxyConfigSpec),
    versions: ["v1beta1"],
    storageVersion: "v1beta1",
  },
  {
    group: "security.istio.io",
    kind: "AuthorizationPolicy",
    plural: "authorizationpolicies",
    shortNames: ["ap"],
    versions: SECURITY,
    storageVersion: "v1",
    printerColumns: [column("Action", ".spec.action", "What matching requests get."), AGE_COLUMN],
    spec: authorizationPolicySpec,
  },
  {
    group: "security.istio.io",
    kind: "PeerAuthentication",
    plural: "peerauthentications",
    shortNames: ["pa"],
    versions: SECURITY,
    storageVersion: "v1",
    printerColumns: [column("Mode", ".spec.mtls.mode", "The mutual TLS mode of the workloads."), AGE_COLUMN],
    spec: peerAuthenticationSpec,
  },
  {
    group: "security.istio.io",
    kind: "RequestAuthentication",
    plural: "requestauthentications",
    shortNames: ["ra"],
    versions: SECURITY,
    storageVersion: "v1",
    printerColumns: [AGE_COLUMN],
    spec: requestAuthenticationSpec,
  },
  {
    group: "telemetry.istio.io",
    kind: "Telemetry",
    plural: "telemetries",
    shortNames: ["telemetry"],
    versions: ["v1", "v1alpha1"],
    storageVersion: "v1alpha1",
    printerColumns: [AGE_COLUMN],
    spec: telemetrySpec,
  },
  {
    group: "extensions.istio.io",
    kind: "WasmPlugin",
    plural: "wasmplugins",
    shortNames: [],
    versions: ["v1alpha1"],
    storageVersion: "v1alpha1",
    printerColumns: [AGE_COLUMN],
    spec: wasmPluginSpec,
  },
];

/** Istio files each kind under "istio-io" and its API group's own category. */
export const categoriesOf = (group: string): string[] => ["istio-io", `${group.split(".")[0]}-istio-io`];

function openAPIV3Schema(k: IstioKind): JSONSchemaProps {
  // Istio's generator makes spec required when the spec itself has required fields.
  const specRequired = (k.spec.required ?? []).length > 0;
  return obj(undefined, { spec: k.spec, status: istioStatus }, specRequired ? { required: ["spec"] } : {});
}

export function istioCrd(k: IstioKind): KubeObject {
  const names = {
    categories: categoriesOf(k.group),
    kind: k.kind,
    listKind: `${k.kind}List`,
    plural: k.plural,
    ...(k.shortNames.length > 0 ? { shortNames: [...k.shortNames] } : {}),
    singular: k.kind.toLowerCase(),
  };
  const schema = openAPIV3Schema(k);
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
      versions: k.versions.map((name) => ({
        additionalPrinterColumns: k.printerColumns.map((c) => ({ ...c })),
        name,
        schema: { openAPIV3Schema: structuredClone(schema) },
        served: true,
        storage: name === k.storageVersion,
        subresources: { status: {} },
      })),
    },
  };
}

/** CustomResourceDefinition objects for every Istio kind a current install registers. */
export function istioCrds(): KubeObject[] {
  return istioKinds
    .map(istioCrd)
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}
