// Structural pruning as the API server does it for custom resources: every field the schema does
// not declare is dropped, unless the subtree says x-kubernetes-preserve-unknown-fields. The paths
// of what was dropped are what `fieldValidation=Strict` refuses and `Warn` reports.

import { additionalSchema, isJsonObject, type JSONSchemaProps } from "./types.ts";

// The fields of metav1.ObjectMeta: the only ones a resource's (or embedded resource's) metadata keeps.
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/**
 * Removes undeclared fields from `value` in place, treating it as a resource root (apiVersion, kind
 * and metadata always stay). Returns the dropped paths, sorted, as `spec.htp` or `spec.http[0].x`.
 */
export function pruneResource(value: Record<string, unknown>, schema: JSONSchemaProps | undefined): string[] {
  const pruned: string[] = [];
  pruneNode(value, { ...(schema ?? {}), "x-kubernetes-embedded-resource": true }, "", pruned, true);
  return pruned.sort();
}

/** Removes undeclared fields below a node that is not a resource root. */
export function prune(value: unknown, schema: JSONSchemaProps | undefined): string[] {
  const pruned: string[] = [];
  pruneNode(value, schema, "", pruned, false);
  return pruned.sort();
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

function pruneNode(
  value: unknown,
  schema: JSONSchemaProps | undefined,
  path: string,
  pruned: string[],
  root: boolean,
): void {
  if (schema?.["x-kubernetes-preserve-unknown-fields"]) {
    pruneDeclared(value, schema, path, pruned);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      pruneNode(item, schema?.items, `${path}[${i}]`, pruned, false);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  if (!schema) {
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) pruned.push(child(path, key));
      delete value[key];
    }
    return;
  }
  const extra = additionalSchema(schema);
  for (const key of Object.keys(value)) {
    // An undefined property is an absent one, as after a JSON round trip.
    if (value[key] === undefined) {
      delete value[key];
      continue;
    }
    if (schema["x-kubernetes-embedded-resource"] && ROOT_FIELDS.has(key)) {
      if (key === "metadata") pruneMetadata(value[key], child(path, key), pruned);
      // apiVersion and kind stay as long as they are strings; anything else is dropped below.
      if (key === "metadata" || typeof value[key] === "string") continue;
    }
    const declared = schema.properties?.[key];
    if (declared) pruneNode(value[key], declared, child(path, key), pruned, false);
    else if (extra) pruneNode(value[key], extra, child(path, key), pruned, false);
    else {
      // Unknown apiVersion/kind/metadata at the very root are not reported: the decoder owns them.
      if (!(root && ROOT_FIELDS.has(key))) pruned.push(child(path, key));
      delete value[key];
    }
  }
}

/** Inside a preserved subtree only the parts with a schema of their own are pruned. */
function pruneDeclared(value: unknown, schema: JSONSchemaProps, path: string, pruned: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items)
      value.forEach((item, i) => {
        pruneNode(item, schema.items, `${path}[${i}]`, pruned, false);
      });
    return;
  }
  if (!isJsonObject(value)) return;
  const extra = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const declared = schema.properties?.[key];
    if (declared) pruneNode(value[key], declared, child(path, key), pruned, false);
    else if (extra && extra !== true) pruneNode(value[key], extra, child(path, key), pruned, false);
  }
}

function pruneMetadata(metadata: unknown, path: string, pruned: string[]): void {
  if (!isJsonObject(metadata)) return;
  for (const key of Object.keys(metadata)) {
    if (OBJECT_META_FIELDS.has(key)) continue;
    pruned.push(child(path, key));
    delete metadata[key];
  }
}

/**
 * Drops `null` values of fields that are neither nullable nor defaulted, as the API server does
 * before validating, so `field: null` reads as "not set".
 */
export function pruneNonNullableNulls(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) pruneNonNullableNulls(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  const extra = additionalSchema(schema);
  for (const key of Object.keys(value)) {
    const declared = schema.properties?.[key] ?? extra;
    if (!declared) continue;
    if (value[key] === null && !declared.nullable && declared.default === undefined) delete value[key];
    else pruneNonNullableNulls(value[key], declared);
  }
}
