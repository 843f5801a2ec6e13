// Schema pieces the Gateway API kinds share, written from the API's published types (v1.4):
// names and references with their patterns and limits, backend references, conditions and the
// route and policy status stanzas.

import { arr, enumOf, int32, int64, map, obj, str } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";

export type Channel = "standard" | "experimental";

const DNS_SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

export const group = (description: string, defaultValue?: string): JSONSchemaProps =>
  str(description, {
    maxLength: 253,
    pattern: `^$|^${DNS_SUBDOMAIN}$`,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  });

export const kind = (description: string, defaultValue?: string): JSONSchemaProps =>
  str(description, {
    maxLength: 63,
    minLength: 1,
    pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$",
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  });

export const objectName = (description: string) => str(description, { maxLength: 253, minLength: 1 });

export const namespace = (description: string) =>
  str(description, { maxLength: 63, minLength: 1, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" });

export const sectionName = (description: string) =>
  str(description, { maxLength: 253, minLength: 1, pattern: `^${DNS_SUBDOMAIN}$` });

export const portNumber = (description: string) => int32(description, { maximum: 65535, minimum: 1 });

export const hostname = (description: string) =>
  str(description, {
    maxLength: 253,
    minLength: 1,
    pattern: "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
  });

export const preciseHostname = (description: string) =>
  str(description, { maxLength: 253, minLength: 1, pattern: `^${DNS_SUBDOMAIN}$` });

export const hostnames = arr("Hostnames matched against the request's Host header (or SNI).", hostname(""), {
  maxItems: 16,
  "x-kubernetes-list-type": "atomic",
});

export const duration = (description: string) =>
  str(description, { pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$" });

export const controllerName = (description: string) =>
  str(description, {
    maxLength: 253,
    minLength: 1,
    pattern: `^${DNS_SUBDOMAIN}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`,
  });

export const headerName = (description: string) =>
  str(description, { maxLength: 256, minLength: 1, pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$" });

export const parentReference = (description: string): JSONSchemaProps =>
  obj(
    description,
    {
      group: group(
        "Group of the parent; gateway.networking.k8s.io by default, empty for the core group.",
        "gateway.networking.k8s.io",
      ),
      kind: kind("Kind of the parent: Gateway (the default), or Service for mesh routes.", "Gateway"),
      name: objectName("Name of the parent."),
      namespace: namespace("Namespace of the parent; the route's own by default."),
      port: portNumber("A port of the parent the route attaches to."),
      sectionName: sectionName("A section of the parent, such as a Gateway listener's name."),
    },
    { required: ["name"] },
  );

export const parentRefs = arr("The Gateways (or Services) this route attaches to.", parentReference(""), {
  maxItems: 32,
});

export const backendObjectReference = (description: string): JSONSchemaProps =>
  obj(
    description,
    {
      group: group("Group of the backend; empty (the core group) by default.", ""),
      kind: kind("Kind of the backend; Service by default.", "Service"),
      name: objectName("Name of the backend."),
      namespace: namespace(
        "Namespace of the backend; the route's own by default (another one needs a ReferenceGrant).",
      ),
      port: portNumber("Destination port of the backend; required for a Service."),
    },
    { required: ["name"] },
  );

export const backendRef = (
  description: string,
  extra: Record<string, JSONSchemaProps> = {},
): JSONSchemaProps => {
  const base = backendObjectReference(description);
  return {
    ...base,
    properties: {
      ...base.properties,
      ...extra,
      weight: int32("Share of the rule's requests this backend gets, relative to the others.", {
        default: 1,
        maximum: 1000000,
        minimum: 0,
      }),
    },
  };
};

export const condition = obj(
  "A standard Kubernetes condition.",
  {
    lastTransitionTime: str("When the status last changed.", { format: "date-time" }),
    message: str("A human-readable explanation.", { maxLength: 32768 }),
    observedGeneration: int64("The generation the condition was set for.", { minimum: 0 }),
    reason: str("A one-word CamelCase reason for the last transition.", {
      maxLength: 1024,
      minLength: 1,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    }),
    status: enumOf("True, False or Unknown.", ["True", "False", "Unknown"]),
    type: str("The kind of condition, in CamelCase.", {
      maxLength: 316,
      pattern: `^(${DNS_SUBDOMAIN}/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$`,
    }),
  },
  { required: ["lastTransitionTime", "message", "reason", "status", "type"] },
);

export const conditions = (description: string, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps =>
  arr(description, condition, {
    maxItems: 8,
    "x-kubernetes-list-map-keys": ["type"],
    "x-kubernetes-list-type": "map",
    ...extra,
  });

/** The conditions a controller has not written yet, as the API server defaults them. */
export const pendingConditions = (...types: string[]) =>
  types.map((type) => ({
    lastTransitionTime: "1970-01-01T00:00:00Z",
    message: "Waiting for controller",
    reason: "Pending",
    status: "Unknown",
    type,
  }));

export const routeStatus = obj(
  "What the controllers of the route's parents say about it.",
  {
    parents: arr(
      "One entry per parent a controller handles.",
      obj(
        undefined,
        {
          conditions: conditions("Accepted, ResolvedRefs and others, per parent.", { minItems: 1 }),
          controllerName: controllerName("The controller that wrote this entry."),
          parentRef: parentReference("The parent the entry is about."),
        },
        { required: ["conditions", "controllerName", "parentRef"] },
      ),
      { maxItems: 32 },
    ),
  },
  { required: ["parents"] },
);

export const policyStatus = obj(
  "What the controllers of the policy's ancestors say about it.",
  {
    ancestors: arr(
      "One entry per ancestor (such as a Gateway) a controller handles.",
      obj(
        undefined,
        {
          ancestorRef: parentReference("The ancestor the entry is about."),
          conditions: conditions("Accepted and others, per ancestor.", { minItems: 1 }),
          controllerName: controllerName("The controller that wrote this entry."),
        },
        { required: ["ancestorRef", "conditions", "controllerName"] },
      ),
      { maxItems: 16, "x-kubernetes-list-type": "atomic" },
    ),
  },
  { required: ["ancestors"] },
);

export const labelSelector = obj(
  "A label query over a set of resources.",
  {
    matchExpressions: arr(
      "Requirements on labels; all must hold.",
      obj(
        undefined,
        {
          key: str("The label key."),
          operator: str("In, NotIn, Exists or DoesNotExist."),
          values: arr("Values for In and NotIn.", { type: "string" }, { "x-kubernetes-list-type": "atomic" }),
        },
        { required: ["key", "operator"] },
      ),
      { "x-kubernetes-list-type": "atomic" },
    ),
    matchLabels: map("Labels that must all be present with these values.", { type: "string" }),
  },
  { "x-kubernetes-map-type": "atomic" },
);

export const localPolicyTargetReference = (withSection: boolean): JSONSchemaProps =>
  obj(
    undefined,
    {
      group: group("Group of the target."),
      kind: kind("Kind of the target."),
      name: objectName("Name of the target."),
      ...(withSection
        ? { sectionName: sectionName("A section of the target, such as a Service port name.") }
        : {}),
    },
    { required: ["group", "kind", "name"] },
  );

export const annotationValues = (description: string, maxProperties: number) =>
  map(description, { type: "string", maxLength: 4096, minLength: 0 }, { maxProperties });
