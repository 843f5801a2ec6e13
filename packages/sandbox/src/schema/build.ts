// Small constructors for writing CRD schemas as data: each returns a plain JSONSchemaProps.

import type { JSONSchemaProps } from "./types.ts";

type Extra = Partial<JSONSchemaProps>;

const described = (description: string | undefined) => (description ? { description } : {});

export const str = (description?: string, extra: Extra = {}): JSONSchemaProps => ({
  type: "string",
  ...described(description),
  ...extra,
});

export const int = (description?: string, extra: Extra = {}): JSONSchemaProps => ({
  type: "integer",
  ...described(description),
  ...extra,
});

export const int32 = (description?: string, extra: Extra = {}): JSONSchemaProps =>
  int(description, { format: "int32", ...extra });

export const int64 = (description?: string, extra: Extra = {}): JSONSchemaProps =>
  int(description, { format: "int64", ...extra });

/** A protobuf uint32 as Istio's generator writes it. */
export const uint32 = (description?: string, extra: Extra = {}): JSONSchemaProps =>
  int(description, { maximum: 4294967295, minimum: 0, ...extra });

export const double = (description?: string, extra: Extra = {}): JSONSchemaProps => ({
  type: "number",
  format: "double",
  ...described(description),
  ...extra,
});

export const bool = (description?: string, extra: Extra = {}): JSONSchemaProps => ({
  type: "boolean",
  ...described(description),
  ...extra,
});

export const obj = (
  description: string | undefined,
  properties: Record<string, JSONSchemaProps>,
  extra: Extra = {},
): JSONSchemaProps => ({ type: "object", ...described(description), properties, ...extra });

export const arr = (
  description: string | undefined,
  items: JSONSchemaProps,
  extra: Extra = {},
): JSONSchemaProps => ({
  type: "array",
  ...described(description),
  items,
  ...extra,
});

export const strings = (description?: string, extra: Extra = {}): JSONSchemaProps =>
  arr(description, { type: "string" }, extra);

export const map = (
  description: string | undefined,
  values: JSONSchemaProps,
  extra: Extra = {},
): JSONSchemaProps => ({
  type: "object",
  ...described(description),
  additionalProperties: values,
  ...extra,
});

export const stringMap = (description?: string, extra: Extra = {}): JSONSchemaProps =>
  map(description, { type: "string" }, extra);

export const enumOf = (
  description: string | undefined,
  values: string[],
  extra: Extra = {},
): JSONSchemaProps => str(description, { enum: values, ...extra });

export const preserved = (description?: string, extra: Extra = {}): JSONSchemaProps => ({
  type: "object",
  ...described(description),
  "x-kubernetes-preserve-unknown-fields": true,
  ...extra,
});

export const intOrString = (description?: string): JSONSchemaProps => ({
  anyOf: [{ type: "integer" }, { type: "string" }],
  ...described(description),
  "x-kubernetes-int-or-string": true,
});

/** At most one of `keys` may be set: how protobuf oneofs become schema. */
export const atMostOneOf = (...keys: string[]): Extra => ({
  oneOf: [{ not: { anyOf: keys.map((k) => ({ required: [k] })) } }, ...keys.map((k) => ({ required: [k] }))],
});

export const required = (schema: JSONSchemaProps, ...keys: string[]): JSONSchemaProps => ({
  ...schema,
  required: [...(schema.required ?? []), ...keys],
});
