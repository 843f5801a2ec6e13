// ReferenceGrant and BackendTLSPolicy (standard), and the experimental XListenerSet,
// XBackendTrafficPolicy and XMesh of gateway.networking.x-k8s.io.

import { arr, enumOf, int32, obj, str } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import {
  annotationValues,
  conditions,
  controllerName,
  duration,
  group,
  kind,
  localPolicyTargetReference,
  namespace,
  objectName,
  pendingConditions,
  policyStatus,
  portNumber,
  preciseHostname,
  sectionName,
} from "./common.ts";
import { listeners } from "./gateways.ts";

const meta = {
  apiVersion: str("The versioned schema of this representation of the object."),
  kind: str("The REST resource this object represents."),
  metadata: { type: "object" } as JSONSchemaProps,
};

export const referenceGrantSchema: JSONSchemaProps = obj(
  "Lets resources of other namespaces refer to kinds of resources in this one.",
  {
    ...meta,
    spec: obj(
      "Who may refer to what.",
      {
        from: arr(
          "The namespaces and kinds that may refer to this namespace's resources.",
          obj(
            undefined,
            {
              group: group("Group of the referring kind; empty for the core group."),
              kind: kind("The referring kind, such as HTTPRoute."),
              namespace: namespace("The referring namespace."),
            },
            { required: ["group", "kind", "namespace"] },
          ),
          { maxItems: 16, minItems: 1, "x-kubernetes-list-type": "atomic" },
        ),
        to: arr(
          "The kinds (and optionally names) that may be referred to.",
          obj(
            undefined,
            {
              group: group("Group of the referent; empty for the core group."),
              kind: kind("The referent's kind, such as Service or Secret."),
              name: objectName("The referent's name; all of the kind when empty."),
            },
            { required: ["group", "kind"] },
          ),
          { maxItems: 16, minItems: 1, "x-kubernetes-list-type": "atomic" },
        ),
      },
      { required: ["from", "to"] },
    ),
  },
  { required: ["spec"] },
);

export const backendTlsPolicySchema: JSONSchemaProps = obj(
  "TLS settings for connections from Gateways to a backend.",
  {
    ...meta,
    spec: obj(
      "The desired state of the policy.",
      {
        options: annotationValues("Implementation-specific TLS settings.", 16),
        targetRefs: arr(
          "The backends (Services, optionally a port by name) the policy applies to.",
          localPolicyTargetReference(true),
          {
            maxItems: 16,
            minItems: 1,
            "x-kubernetes-list-type": "atomic",
          },
        ),
        validation: obj(
          "How the backend's certificate is verified.",
          {
            caCertificateRefs: arr(
              "ConfigMaps (or other objects) holding the CA certificates.",
              obj(
                undefined,
                {
                  group: group("Group of the referent."),
                  kind: kind("Kind of the referent."),
                  name: objectName("Name of the referent."),
                },
                { required: ["group", "kind", "name"] },
              ),
              { maxItems: 8, "x-kubernetes-list-type": "atomic" },
            ),
            hostname: preciseHostname("The SNI name sent, and the name the certificate must carry."),
            subjectAltNames: arr(
              "Names the certificate must carry instead of hostname.",
              obj(
                undefined,
                {
                  hostname: preciseHostname("A DNS name."),
                  type: enumOf("Hostname or URI.", ["Hostname", "URI"]),
                  uri: str("A URI.", { maxLength: 253, minLength: 1 }),
                },
                { required: ["type"] },
              ),
              { maxItems: 5, "x-kubernetes-list-type": "atomic" },
            ),
            wellKnownCACertificates: enumOf("Use the system's trusted CAs.", ["System"]),
          },
          { required: ["hostname"] },
        ),
      },
      { required: ["targetRefs", "validation"] },
    ),
    status: policyStatus,
  },
  { required: ["spec"] },
);

export const listenerSetSchema: JSONSchemaProps = obj(
  "Listeners added to a Gateway from outside its own spec.",
  {
    ...meta,
    spec: obj(
      "The desired state of the ListenerSet.",
      {
        listeners: listeners("The listeners added to the parent Gateway."),
        parentRef: obj(
          "The Gateway the listeners are added to.",
          {
            group: group("Group of the parent.", "gateway.networking.k8s.io"),
            kind: kind("Kind of the parent.", "Gateway"),
            name: objectName("Name of the parent."),
            namespace: namespace("Namespace of the parent."),
          },
          { required: ["name"] },
        ),
      },
      { required: ["listeners", "parentRef"] },
    ),
    status: obj(
      "The current state of the ListenerSet.",
      {
        conditions: conditions("Accepted, Programmed and others.", {
          default: pendingConditions("Accepted", "Programmed"),
        }),
        listeners: arr(
          "The state of each listener.",
          obj(
            undefined,
            {
              attachedRoutes: int32("How many routes are attached."),
              conditions: conditions("The listener's conditions."),
              name: sectionName("The listener's name."),
              port: portNumber("The listener's port."),
              supportedKinds: arr(
                "The route kinds supported.",
                obj(undefined, { group: group(""), kind: kind("") }, { required: ["kind"] }),
                { maxItems: 8 },
              ),
            },
            { required: ["attachedRoutes", "conditions", "name", "port", "supportedKinds"] },
          ),
          { maxItems: 64, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
        ),
      },
      { default: { conditions: pendingConditions("Accepted", "Programmed") } },
    ),
  },
  { required: ["spec"] },
);

export const backendTrafficPolicySchema: JSONSchemaProps = obj(
  "Traffic settings for a backend: retry budgets and session persistence.",
  {
    ...meta,
    spec: obj(
      "The desired state of the policy.",
      {
        retryConstraint: obj("Limits on how much retrying the backend gets.", {
          budget: obj("Retries as a share of active requests.", {
            interval: duration("The window the share is measured over."),
            percent: int32("The share of active requests that may be retries.", {
              default: 20,
              maximum: 100,
              minimum: 0,
            }),
          }),
          minRetryRate: obj("Retries always allowed, whatever the budget.", {
            count: int32("Retries per interval."),
            interval: duration("The interval."),
          }),
        }),
        sessionPersistence: obj("Keep a client's requests on the same backend.", {
          absoluteTimeout: duration("How long a session lasts at most."),
          idleTimeout: duration("How long a session lasts without requests."),
          sessionName: str("The cookie or header that carries the session.", { maxLength: 128 }),
          type: enumOf("Cookie or Header.", ["Cookie", "Header"], { default: "Cookie" }),
        }),
        targetRefs: arr("The backends the policy applies to.", localPolicyTargetReference(false), {
          maxItems: 16,
          minItems: 1,
          "x-kubernetes-list-map-keys": ["group", "kind", "name"],
          "x-kubernetes-list-type": "map",
        }),
      },
      { required: ["targetRefs"] },
    ),
    status: policyStatus,
  },
  { required: ["spec"] },
);

export const meshSchema: JSONSchemaProps = obj(
  "A service mesh implementation's configuration for the cluster.",
  {
    ...meta,
    spec: obj(
      "The desired state of the mesh.",
      {
        controllerName: controllerName("The mesh controller, as domain/path."),
        description: str("A description of the mesh.", { maxLength: 64 }),
        parametersRef: obj(
          "Implementation-specific configuration of the mesh.",
          {
            group: group("Group of the referent."),
            kind: kind("Kind of the referent."),
            name: str(undefined, { maxLength: 253, minLength: 1 }),
            namespace: namespace("Namespace of the referent."),
          },
          { required: ["group", "kind", "name"] },
        ),
      },
      { required: ["controllerName"] },
    ),
    status: obj(
      "The current state of the mesh.",
      {
        conditions: conditions("Accepted and others.", { default: pendingConditions("Accepted") }),
        supportedFeatures: arr(
          "The features the mesh supports.",
          obj(undefined, { name: str("The feature's name.") }, { required: ["name"] }),
          { maxItems: 64, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
        ),
      },
      { default: { conditions: pendingConditions("Accepted") } },
    ),
  },
  { required: ["spec"] },
);
