// GatewayClass and Gateway (gateway.networking.k8s.io), and the listener shape XListenerSet reuses.

import { arr, enumOf, int32, map, obj, str } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import {
  annotationValues,
  type Channel,
  conditions,
  controllerName,
  group,
  hostname,
  kind,
  labelSelector,
  namespace,
  objectName,
  pendingConditions,
  portNumber,
  sectionName,
} from "./common.ts";

const PROTOCOL_PATTERN =
  "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$";

const secretReference = obj(
  undefined,
  {
    group: group("Group of the referent; empty (the core group) by default.", ""),
    kind: kind("Kind of the referent; Secret by default.", "Secret"),
    name: objectName("Name of the referent."),
    namespace: namespace("Namespace of the referent; another namespace needs a ReferenceGrant."),
  },
  { required: ["name"] },
);

const listenerTls = obj("TLS for the listener; required for HTTPS and TLS.", {
  certificateRefs: arr("Secrets holding the certificate and key the listener serves.", secretReference, {
    maxItems: 64,
    "x-kubernetes-list-type": "atomic",
  }),
  mode: enumOf(
    "Terminate TLS at the Gateway, or pass it through to the backends.",
    ["Terminate", "Passthrough"],
    {
      default: "Terminate",
    },
  ),
  options: annotationValues("Implementation-specific TLS settings.", 16),
});

const allowedRoutes = obj(
  "Which routes may attach to the listener.",
  {
    kinds: arr(
      "Route kinds that may attach; by default those matching the protocol.",
      obj(
        undefined,
        {
          group: group("Group of the route kind.", "gateway.networking.k8s.io"),
          kind: kind("The route kind."),
        },
        { required: ["kind"] },
      ),
      { maxItems: 8, "x-kubernetes-list-type": "atomic" },
    ),
    namespaces: obj(
      "Namespaces routes may attach from.",
      {
        from: enumOf(
          "All namespaces, those the selector selects, or the Gateway's own.",
          ["All", "Selector", "Same"],
          {
            default: "Same",
          },
        ),
        selector: labelSelector,
      },
      { default: { from: "Same" } },
    ),
  },
  { default: { namespaces: { from: "Same" } } },
);

export const listener = (description: string | undefined): JSONSchemaProps =>
  obj(
    description,
    {
      allowedRoutes,
      hostname: hostname("The hostname the listener serves; all hostnames when empty."),
      name: sectionName("The listener's name, unique within the Gateway."),
      port: portNumber("The network port the listener listens on."),
      protocol: str("HTTP, HTTPS, TLS, TCP, UDP, or an implementation-specific protocol.", {
        maxLength: 255,
        minLength: 1,
        pattern: PROTOCOL_PATTERN,
      }),
      tls: listenerTls,
    },
    { required: ["name", "port", "protocol"] },
  );

export const listeners = (description: string) =>
  arr(description, listener(undefined), {
    maxItems: 64,
    minItems: 1,
    "x-kubernetes-list-map-keys": ["name"],
    "x-kubernetes-list-type": "map",
  });

const parametersReference = (description: string, withNamespace: boolean) =>
  obj(
    description,
    {
      group: group("Group of the referent."),
      kind: kind("Kind of the referent."),
      name: str("Name of the referent.", { maxLength: 253, minLength: 1 }),
      ...(withNamespace ? { namespace: namespace("Namespace of a namespaced referent.") } : {}),
    },
    { required: ["group", "kind", "name"] },
  );

export function gatewayClassSchema(_channel: Channel): JSONSchemaProps {
  return obj(
    "A class of Gateways, served by one controller.",
    {
      apiVersion: str("The versioned schema of this representation of the object."),
      kind: str("The REST resource this object represents."),
      metadata: { type: "object" },
      spec: obj(
        "The desired state of the class.",
        {
          controllerName: controllerName(
            "The controller that manages Gateways of this class, as domain/path.",
          ),
          description: str("A description of the class.", { maxLength: 64 }),
          parametersRef: parametersReference("Implementation-specific configuration of the class.", true),
        },
        {
          required: ["controllerName"],
          "x-kubernetes-validations": [{ message: "Value is immutable", rule: "self == oldSelf" }],
        },
      ),
      status: obj(
        "The current state of the class, as its controller sees it.",
        {
          conditions: conditions("Accepted and others.", { default: pendingConditions("Accepted") }),
          supportedFeatures: arr(
            "The features the controller supports.",
            obj(undefined, { name: str("The feature's name.") }, { required: ["name"] }),
            { maxItems: 64, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
          ),
        },
        { default: { conditions: pendingConditions("Accepted") } },
      ),
    },
    { required: ["spec"] },
  );
}

const gatewayAddress = obj("An address requested for the Gateway.", {
  type: str("IPAddress, Hostname, NamedAddress, or domain-prefixed custom types.", {
    default: "IPAddress",
    maxLength: 253,
    minLength: 1,
    pattern:
      "^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$",
  }),
  value: str(
    "The address, such as 192.0.2.1 or gateway.example.com; assigned by the implementation when empty.",
    {
      maxLength: 253,
    },
  ),
});

const statusAddress = obj(
  "An address the Gateway is reachable at.",
  {
    type: gatewayAddress.properties?.type as JSONSchemaProps,
    value: str("The address.", { maxLength: 253, minLength: 1 }),
  },
  { required: ["value"] },
);

const listenerStatus = obj(
  undefined,
  {
    attachedRoutes: int32("How many routes are attached to the listener."),
    conditions: conditions("Accepted, Programmed, ResolvedRefs, Conflicted and others."),
    name: sectionName("The listener's name."),
    supportedKinds: arr(
      "The route kinds the listener supports.",
      obj(
        undefined,
        {
          group: group("Group of the route kind.", "gateway.networking.k8s.io"),
          kind: kind("The route kind."),
        },
        { required: ["kind"] },
      ),
      { maxItems: 8, "x-kubernetes-list-type": "atomic" },
    ),
  },
  { required: ["attachedRoutes", "conditions", "name", "supportedKinds"] },
);

export function gatewaySchema(channel: Channel): JSONSchemaProps {
  const experimental: Record<string, JSONSchemaProps> =
    channel === "experimental"
      ? {
          allowedListeners: obj("Which ListenerSets may add listeners to the Gateway; none by default.", {
            namespaces: obj(
              "Namespaces ListenerSets may attach from.",
              {
                from: enumOf("All, Selector, Same or None.", ["All", "Selector", "Same", "None"], {
                  default: "None",
                }),
                selector: labelSelector,
              },
              { default: { from: "None" } },
            ),
          }),
          tls: obj("TLS settings of the Gateway as a whole.", {
            backend: obj("TLS towards the backends.", {
              clientCertificateRef: obj(
                "The client certificate the Gateway presents to backends.",
                {
                  group: group("Group of the referent.", ""),
                  kind: kind("Kind of the referent.", "Secret"),
                  name: objectName("Name of the referent."),
                  namespace: namespace("Namespace of the referent."),
                },
                { required: ["name"] },
              ),
            }),
          }),
        }
      : {};
  return obj(
    "An instance of traffic-handling infrastructure: listeners bound to addresses.",
    {
      apiVersion: str("The versioned schema of this representation of the object."),
      kind: str("The REST resource this object represents."),
      metadata: { type: "object" },
      spec: obj(
        "The desired state of the Gateway.",
        {
          addresses: arr("Addresses requested for the Gateway.", gatewayAddress, {
            maxItems: 16,
            "x-kubernetes-list-type": "atomic",
          }),
          gatewayClassName: objectName("The GatewayClass of this Gateway."),
          infrastructure: obj("Settings for the infrastructure the implementation creates for the Gateway.", {
            annotations: annotationValues("Annotations for the resources created for the Gateway.", 16),
            labels: map(
              "Labels for the resources created for the Gateway.",
              {
                type: "string",
                maxLength: 63,
                minLength: 0,
                pattern: "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$",
              },
              { maxProperties: 8 },
            ),
            parametersRef: parametersReference(
              "Implementation-specific configuration of the Gateway.",
              false,
            ),
          }),
          listeners: listeners("The logical endpoints bound to the Gateway's addresses."),
          ...experimental,
        },
        { required: ["gatewayClassName", "listeners"] },
      ),
      status: obj(
        "The current state of the Gateway, as its controller sees it.",
        {
          addresses: arr("The addresses the Gateway is reachable at.", statusAddress, {
            maxItems: 16,
            "x-kubernetes-list-type": "atomic",
          }),
          conditions: conditions("Accepted, Programmed and others.", {
            default: pendingConditions("Accepted", "Programmed"),
          }),
          listeners: arr("The state of each listener.", listenerStatus, {
            maxItems: 64,
            "x-kubernetes-list-map-keys": ["name"],
            "x-kubernetes-list-type": "map",
          }),
        },
        { default: { conditions: pendingConditions("Accepted", "Programmed") } },
      ),
    },
    { required: ["spec"] },
  );
}
