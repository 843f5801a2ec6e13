// Schema pieces Istio's CRDs share, written from Istio's API (istio.io/api): string matches,
// destinations, header operations, durations, selectors, policy targets and the status stanza.

import {
  arr,
  atMostOneOf,
  bool,
  double,
  enumOf,
  int,
  obj,
  preserved,
  str,
  stringMap,
  strings,
  uint32,
} from "../../schema/build.ts";
import type { JSONSchemaProps } from "../../schema/types.ts";

/** Istio validates durations in the CRD with CEL; the sandbox knows this one rule. */
export const duration = (description?: string): JSONSchemaProps =>
  str(description, {
    "x-kubernetes-validations": [
      { message: "must be a valid duration greater than 1ms", rule: "duration(self) >= duration('1ms')" },
    ],
  });

export const stringMatch = (description?: string): JSONSchemaProps =>
  obj(
    description,
    {
      exact: str(),
      prefix: str(),
      regex: str("An RE2 regular expression the whole value must match."),
    },
    atMostOneOf("exact", "prefix", "regex"),
  );

export const portSelector = (description = "The port of the destination service.") =>
  obj(description, { number: uint32() });

export const destination = (description?: string): JSONSchemaProps =>
  obj(
    description,
    {
      host: str("The destination service, by its name in the service registry."),
      port: portSelector(),
      subset: str("A subset of the service, as a DestinationRule defines it."),
    },
    { required: ["host"] },
  );

const headerOperations = obj(undefined, {
  add: stringMap(),
  remove: strings(),
  set: stringMap(),
});

export const headers = obj("Changes to request and response headers.", {
  request: headerOperations,
  response: headerOperations,
});

export const percent = (description?: string) => obj(description, { value: double() });

/** networking.istio.io's WorkloadSelector. */
export const workloadSelector = (
  description = "Which workloads (by pod labels) the configuration applies to.",
) =>
  obj(description, {
    labels: stringMap("Labels a workload must have.", { maxProperties: 256 }),
  });

/** security.istio.io's and telemetry.istio.io's selector. */
export const matchLabelsSelector = (description = "Which workloads (by pod labels) the policy applies to.") =>
  obj(description, {
    matchLabels: stringMap("Labels a workload must have.", {
      maxProperties: 4096,
      additionalProperties: {
        type: "string",
        maxLength: 63,
        "x-kubernetes-validations": [
          { message: "wildcard not allowed in label value match", rule: '!self.contains("*")' },
        ],
      },
      "x-kubernetes-validations": [
        { message: "wildcard not allowed in label key match", rule: 'self.all(key, !key.contains("*"))' },
        { message: "key must not be empty", rule: "self.all(key, key.size() != 0)" },
      ],
    }),
  });

export const policyTargetReference = obj(
  undefined,
  {
    group: str("Group of the target resource.", {
      maxLength: 253,
      pattern: "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    }),
    kind: str("Kind of the target resource.", {
      maxLength: 63,
      minLength: 1,
      pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$",
    }),
    name: str("Name of the target resource.", { maxLength: 253, minLength: 1 }),
    namespace: str("Namespace of the target; only the policy's own namespace is supported.", {
      "x-kubernetes-validations": [
        { message: "cross namespace referencing is not currently supported", rule: "self.size() == 0" },
      ],
    }),
  },
  { required: ["kind", "name"] },
);

export const policyTargets = {
  targetRef: policyTargetReference,
  targetRefs: arr(
    "The resources (Gateways, Services, ServiceEntries) the policy attaches to.",
    policyTargetReference,
    {
      maxItems: 16,
    },
  ),
};

/** The status Istio writes (conditions and analysis messages); anything else is kept as is. */
export const istioStatus: JSONSchemaProps = preserved(undefined, {
  properties: {
    conditions: arr(
      "Current service state of the resource.",
      obj(undefined, {
        lastProbeTime: str("When the condition was last probed.", { format: "date-time" }),
        lastTransitionTime: str("When the condition last changed status.", { format: "date-time" }),
        message: str("A human-readable explanation."),
        observedGeneration: {
          anyOf: [{ type: "integer" }, { type: "string" }],
          "x-kubernetes-int-or-string": true,
        },
        reason: str("A one-word CamelCase reason for the last transition."),
        status: str("True, False or Unknown."),
        type: str("The kind of condition."),
      }),
    ),
    observedGeneration: {
      anyOf: [{ type: "integer" }, { type: "string" }],
      "x-kubernetes-int-or-string": true,
    },
    validationMessages: arr(
      "What Istio's analyzers found wrong or worth knowing about this resource.",
      obj(undefined, {
        documentationUrl: str("Where Istio's documentation explains the message."),
        level: enumOf("How severe the message is.", ["UNKNOWN", "ERROR", "WARNING", "INFO"]),
        type: obj(undefined, {
          code: str("The message's IST code, such as IST0101."),
          name: str("A readable name of the message type."),
        }),
      }),
    ),
  },
});

export const exportTo = strings(
  "The namespaces this configuration is visible to ('.' for its own, '*' for all).",
);

export const clientTlsSettings: JSONSchemaProps = obj("TLS settings for connections to the upstream.", {
  caCertificates: str("Path of the CA bundle that verifies the server certificate."),
  caCrl: str("Path of the certificate revocation list."),
  clientCertificate: str("Path of the client certificate for MUTUAL mode."),
  credentialName: str("A Secret holding the client certificate, key and CA."),
  insecureSkipVerify: bool("Skip verifying the server's certificate and SAN.", { nullable: true }),
  mode: enumOf("How the connection is secured.", ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]),
  privateKey: str("Path of the client private key for MUTUAL mode."),
  sni: str("The SNI string to present during the handshake."),
  subjectAltNames: strings("Subject alternative names the server certificate must carry."),
});

export const int32OrNull = (description?: string): JSONSchemaProps =>
  int(description, { format: "int32", nullable: true });
