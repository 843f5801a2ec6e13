// OpenAPI v3 component schemas for custom resources, as the API server publishes them per
// group/version: the CRD version's openAPIV3Schema under `<reversed group>.<version>.<Kind>`,
// with apiVersion, kind and a metadata reference to ObjectMeta added, tagged with its GVK so
// `kubectl explain` can find it, and a `<Kind>List` beside it.

import type { ResourceType } from "../api/resources.ts";
import type { JSONSchemaProps } from "../schema/types.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const apiVersionProperty = {
  type: "string",
  description:
    "APIVersion names the versioned schema of this representation of the object. Servers convert recognized schemas to the latest internal value and may reject unrecognized ones.",
};
const kindProperty = {
  type: "string",
  description: "Kind names the REST resource this object represents, in CamelCase. It cannot be updated.",
};

/** `networking.istio.io`, `v1`, `VirtualService` to `io.istio.networking.v1.VirtualService`. */
export const definitionName = (group: string, version: string, kind: string): string =>
  [...group.split(".").reverse(), version, kind].join(".");

/** The components a custom resource adds to its group/version's document. */
export function customResourceSchemas(r: ResourceType, version: string): Record<string, unknown> {
  const info = r.custom?.versions[version];
  if (!r.custom || !info) return {};
  const schema: JSONSchemaProps = info.schema ?? {
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
  };
  const { metadata: _declared, apiVersion: _a, kind: _k, ...properties } = schema.properties ?? {};
  const name = definitionName(r.group, version, r.kind);
  const gvk = (kind: string) => [{ group: r.group, kind, version }];
  return {
    [name]: {
      ...schema,
      type: "object",
      properties: {
        apiVersion: apiVersionProperty,
        kind: kindProperty,
        metadata: {
          description:
            "Standard object metadata: name, namespace, labels, annotations and what the server keeps.",
          allOf: [ref(`${META}.ObjectMeta`)],
        },
        ...properties,
      },
      "x-kubernetes-group-version-kind": gvk(r.kind),
    },
    [`${name}List`]: {
      description: `${r.custom.listKind} is a list of ${r.kind}`,
      type: "object",
      required: ["items"],
      properties: {
        apiVersion: apiVersionProperty,
        items: {
          description: `List of ${r.plural}.`,
          type: "array",
          items: ref(name),
        },
        kind: kindProperty,
        metadata: { description: "Standard list metadata.", allOf: [ref(`${META}.ListMeta`)] },
      },
      "x-kubernetes-group-version-kind": gvk(r.custom.listKind),
    },
  };
}

const string = (description: string) => ({ type: "string", description });
const stringMap = (description: string) => ({
  type: "object",
  description,
  additionalProperties: { type: "string", default: "" },
});
const time = (description: string) => ({ description, allOf: [ref(`${META}.Time`)] });

/** The metav1 types the resource schemas point at. */
export const metaSchemas: Record<string, unknown> = {
  [`${META}.Time`]: {
    type: "string",
    format: "date-time",
    description: "A timestamp in RFC 3339 form, in UTC, to the second.",
  },
  [`${META}.FieldsV1`]: {
    type: "object",
    description:
      "A set of fields in the server's field set encoding (f:<name>, k:<keys>, v:<value>, i:<index>).",
  },
  [`${META}.ManagedFieldsEntry`]: {
    type: "object",
    description: "Which manager owns which fields of the object, and through which operation.",
    properties: {
      apiVersion: string("The version of the resource the fields were set in."),
      fieldsType: string('The format of fieldsV1; always "FieldsV1".'),
      fieldsV1: { description: "The fields the manager owns.", allOf: [ref(`${META}.FieldsV1`)] },
      manager: string("The name of the workflow managing these fields."),
      operation: string("Apply or Update: how the manager last wrote the fields."),
      subresource: string("The subresource the fields were written through, if any."),
      time: time("When the manager last changed these fields."),
    },
  },
  [`${META}.OwnerReference`]: {
    type: "object",
    description: "An object this one depends on; it is garbage-collected when all its owners are gone.",
    required: ["apiVersion", "kind", "name", "uid"],
    properties: {
      apiVersion: string("API version of the owner."),
      blockOwnerDeletion: {
        type: "boolean",
        description: "Whether a foreground deletion of the owner waits for this object to go first.",
      },
      controller: { type: "boolean", description: "Whether the owner is the managing controller." },
      kind: string("Kind of the owner."),
      name: string("Name of the owner."),
      uid: string("UID of the owner."),
    },
    "x-kubernetes-map-type": "atomic",
  },
  [`${META}.ObjectMeta`]: {
    type: "object",
    description: "Metadata every persisted resource has.",
    properties: {
      annotations: stringMap("Arbitrary non-identifying metadata tools and users attach to the object."),
      creationTimestamp: time("When the server created the object. Set by the system; read-only."),
      deletionGracePeriodSeconds: {
        type: "integer",
        format: "int64",
        description: "Seconds the object has to terminate gracefully once deletion was requested.",
      },
      deletionTimestamp: time(
        "When the object will be deleted; set by the server when deletion is requested.",
      ),
      finalizers: {
        type: "array",
        description: "What must happen before the object is removed from storage.",
        items: { type: "string", default: "" },
        "x-kubernetes-list-type": "set",
      },
      generateName: string("A prefix the server completes into a unique name when name is not given."),
      generation: {
        type: "integer",
        format: "int64",
        description: "A sequence number for the desired state; set by the system.",
      },
      labels: stringMap("Key/value pairs selectors match objects by."),
      managedFields: {
        type: "array",
        description: "Which managers own which fields; maintained by the server.",
        items: ref(`${META}.ManagedFieldsEntry`),
        "x-kubernetes-list-type": "atomic",
      },
      name: string("The object's name, unique within its namespace (or the cluster). It cannot be updated."),
      namespace: string("The namespace the object lives in; empty for cluster-scoped objects."),
      ownerReferences: {
        type: "array",
        description: "Objects this one depends on.",
        items: ref(`${META}.OwnerReference`),
        "x-kubernetes-list-map-keys": ["uid"],
        "x-kubernetes-list-type": "map",
        "x-kubernetes-patch-merge-key": "uid",
        "x-kubernetes-patch-strategy": "merge",
      },
      resourceVersion: string("An opaque version of the object, for optimistic concurrency and watches."),
      selfLink: string("Deprecated and no longer set."),
      uid: string("A unique identifier of this object for its lifetime. Set by the system."),
    },
  },
  [`${META}.ListMeta`]: {
    type: "object",
    description: "Metadata of a list.",
    properties: {
      continue: string("A token to fetch the next page of a limited list."),
      remainingItemCount: {
        type: "integer",
        format: "int64",
        description: "How many items the list left out, when known.",
      },
      resourceVersion: string("The version of the list, to watch from."),
      selfLink: string("Deprecated and no longer set."),
    },
  },
};
