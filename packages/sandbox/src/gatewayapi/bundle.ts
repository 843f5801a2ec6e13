// The Gateway API install bundle (v1.4, standard or experimental channel) as data: the CRDs with
// their versions, names, printer columns and schemas, and the safe-upgrades
// ValidatingAdmissionPolicy with its binding that the published bundle carries. A fresh cluster
// has none of it; `startSandbox({ gatewayApi: true })` installs the standard channel, and the
// same objects are written to crds/ for `kubectl apply -f`.

import type { PrinterColumnSpec } from "../crd/types.ts";
import type { KubeObject } from "../kube.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import type { Channel } from "./common.ts";
import { gatewayClassSchema, gatewaySchema } from "./gateways.ts";
import {
  backendTlsPolicySchema,
  backendTrafficPolicySchema,
  listenerSetSchema,
  meshSchema,
  referenceGrantSchema,
} from "./policies.ts";
import { grpcRouteSchema, httpRouteSchema, l4RouteSchema } from "./routes.ts";

export type { Channel } from "./common.ts";

export const GATEWAY_API_VERSION = "v1.4.0";
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
const EXPERIMENTAL_GROUP = "gateway.networking.x-k8s.io";
const APPROVAL = "https://github.com/kubernetes-sigs/gateway-api/pull/3328";

interface GatewayApiKind {
  group: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  scope: "Namespaced" | "Cluster";
  /** Storage version first. */
  versions: string[];
  columns: PrinterColumnSpec[];
  schema: (channel: Channel) => JSONSchemaProps;
  /** Only in the experimental channel. */
  experimental?: boolean;
}

const age: PrinterColumnSpec = { jsonPath: ".metadata.creationTimestamp", name: "Age", type: "date" };
const conditionColumn = (name: string): PrinterColumnSpec => ({
  jsonPath: `.status.conditions[?(@.type=="${name}")].status`,
  name,
  type: "string",
});

const KINDS: GatewayApiKind[] = [
  {
    group: GATEWAY_API_GROUP,
    kind: "GatewayClass",
    plural: "gatewayclasses",
    shortNames: ["gc"],
    scope: "Cluster",
    versions: ["v1", "v1beta1"],
    columns: [
      { jsonPath: ".spec.controllerName", name: "Controller", type: "string" },
      conditionColumn("Accepted"),
      age,
      { jsonPath: ".spec.description", name: "Description", priority: 1, type: "string" },
    ],
    schema: gatewayClassSchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "Gateway",
    plural: "gateways",
    shortNames: ["gtw"],
    scope: "Namespaced",
    versions: ["v1", "v1beta1"],
    columns: [
      { jsonPath: ".spec.gatewayClassName", name: "Class", type: "string" },
      { jsonPath: ".status.addresses[*].value", name: "Address", type: "string" },
      conditionColumn("Programmed"),
      age,
    ],
    schema: gatewaySchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "HTTPRoute",
    plural: "httproutes",
    scope: "Namespaced",
    versions: ["v1", "v1beta1"],
    columns: [{ jsonPath: ".spec.hostnames", name: "Hostnames", type: "string" }, age],
    schema: httpRouteSchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "GRPCRoute",
    plural: "grpcroutes",
    scope: "Namespaced",
    versions: ["v1"],
    columns: [{ jsonPath: ".spec.hostnames", name: "Hostnames", type: "string" }, age],
    schema: grpcRouteSchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "ReferenceGrant",
    plural: "referencegrants",
    shortNames: ["refgrant"],
    scope: "Namespaced",
    versions: ["v1beta1"],
    columns: [age],
    schema: () => referenceGrantSchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "BackendTLSPolicy",
    plural: "backendtlspolicies",
    shortNames: ["btlspolicy"],
    scope: "Namespaced",
    versions: ["v1"],
    columns: [age],
    schema: () => backendTlsPolicySchema,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "TCPRoute",
    plural: "tcproutes",
    scope: "Namespaced",
    versions: ["v1alpha2"],
    columns: [age],
    schema: () => l4RouteSchema("TCP connections", false),
    experimental: true,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "TLSRoute",
    plural: "tlsroutes",
    scope: "Namespaced",
    versions: ["v1alpha2"],
    columns: [age],
    schema: () => l4RouteSchema("TLS connections (by SNI)", true),
    experimental: true,
  },
  {
    group: GATEWAY_API_GROUP,
    kind: "UDPRoute",
    plural: "udproutes",
    scope: "Namespaced",
    versions: ["v1alpha2"],
    columns: [age],
    schema: () => l4RouteSchema("UDP datagrams", false),
    experimental: true,
  },
  {
    group: EXPERIMENTAL_GROUP,
    kind: "XBackendTrafficPolicy",
    plural: "xbackendtrafficpolicies",
    shortNames: ["xbtrafficpolicy"],
    scope: "Namespaced",
    versions: ["v1alpha1"],
    columns: [age],
    schema: () => backendTrafficPolicySchema,
    experimental: true,
  },
  {
    group: EXPERIMENTAL_GROUP,
    kind: "XListenerSet",
    plural: "xlistenersets",
    shortNames: ["lset"],
    scope: "Namespaced",
    versions: ["v1alpha1"],
    columns: [conditionColumn("Accepted"), conditionColumn("Programmed"), age],
    schema: () => listenerSetSchema,
    experimental: true,
  },
  {
    group: EXPERIMENTAL_GROUP,
    kind: "XMesh",
    plural: "xmeshes",
    shortNames: ["mesh"],
    scope: "Cluster",
    versions: ["v1alpha1"],
    columns: [conditionColumn("Accepted"), age],
    schema: () => meshSchema,
    experimental: true,
  },
];

function crdOf(k: GatewayApiKind, channel: Channel): KubeObject {
  const schema = k.schema(channel);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      annotations: {
        "api-approved.kubernetes.io":
          k.group === GATEWAY_API_GROUP ? APPROVAL : "unapproved, experimental-only",
        "gateway.networking.k8s.io/bundle-version": GATEWAY_API_VERSION,
        "gateway.networking.k8s.io/channel": channel,
      },
      name: `${k.plural}.${k.group}`,
    },
    spec: {
      group: k.group,
      names: {
        categories: ["gateway-api"],
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        ...(k.shortNames ? { shortNames: [...k.shortNames] } : {}),
        singular: k.kind.toLowerCase(),
      },
      scope: k.scope,
      versions: k.versions.map((name, i) => ({
        additionalPrinterColumns: k.columns.map((c) => ({ ...c })),
        name,
        schema: { openAPIV3Schema: structuredClone(schema) },
        served: true,
        storage: i === 0,
        subresources: { status: {} },
      })),
    },
  };
}

const SAFE_UPGRADES = "safe-upgrades.gateway.networking.k8s.io";

/** The bundle's admission policy: no experimental CRDs over standard ones, no downgrades. */
function safeUpgradesPolicy(channel: Channel): KubeObject[] {
  const annotations = {
    "gateway.networking.k8s.io/bundle-version": GATEWAY_API_VERSION,
    "gateway.networking.k8s.io/channel": channel,
  };
  const channelRule = {
    expression:
      "object.spec.group != 'gateway.networking.k8s.io' || (has(object.metadata.annotations) && object.metadata.annotations.exists(k, k == 'gateway.networking.k8s.io/channel') && object.metadata.annotations['gateway.networking.k8s.io/channel'] == 'standard')",
    message:
      "Installing experimental CRDs on top of standard channel CRDs is prohibited by default. Uninstall ValidatingAdmissionPolicy safe-upgrades.gateway.networking.k8s.io to install experimental CRDs on top of standard channel CRDs.",
    reason: "Invalid",
  };
  const versionRule = {
    expression:
      "object.spec.group != 'gateway.networking.k8s.io' || (has(object.metadata.annotations) && object.metadata.annotations.exists(k, k == 'gateway.networking.k8s.io/bundle-version') && !matches(object.metadata.annotations['gateway.networking.k8s.io/bundle-version'], 'v1.[0-3].\\\\d+') && !matches(object.metadata.annotations['gateway.networking.k8s.io/bundle-version'], 'v0'))",
    message:
      "Installing CRDs with version before v1.4.0 is prohibited by default. Uninstall ValidatingAdmissionPolicy safe-upgrades.gateway.networking.k8s.io to install older versions.",
    reason: "Invalid",
  };
  const rules = [
    {
      apiGroups: ["apiextensions.k8s.io"],
      apiVersions: ["v1"],
      operations: ["CREATE", "UPDATE"],
      resources: ["customresourcedefinitions"],
    },
  ];
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { annotations, name: SAFE_UPGRADES },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: { resourceRules: rules },
        validations: channel === "standard" ? [channelRule, versionRule] : [versionRule],
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { annotations, name: SAFE_UPGRADES },
      spec: {
        matchResources: { resourceRules: rules },
        policyName: SAFE_UPGRADES,
        validationActions: ["Deny"],
      },
    },
  ];
}

/** Every object of a channel's install bundle, in the order the published file lists them. */
export function gatewayApiBundle(channel: Channel): KubeObject[] {
  const crds = KINDS.filter((k) => channel === "experimental" || !k.experimental)
    .map((k) => crdOf(k, channel))
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  return [...safeUpgradesPolicy(channel), ...crds];
}
