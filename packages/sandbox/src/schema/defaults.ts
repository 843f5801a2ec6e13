// Structural defaulting: a missing field (or a null one that may not be null) whose schema has a
// `default` gets a copy of it, parents before children, so defaulted objects get their own defaults.

import { additionalSchema, isJsonObject, type JSONSchemaProps } from "./types.ts";

const nonNullableNull = (value: unknown, schema: JSONSchemaProps | undefined) =>
  value === null && schema !== undefined && !schema.nullable && schema.default !== undefined;

export function applySchemaDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (nonNullableNull(item, schema.items)) value[i] = structuredClone(schema.items?.default);
      applySchemaDefaults(value[i], schema.items);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (property.default === undefined) continue;
    if (value[key] === undefined || nonNullableNull(value[key], property))
      value[key] = structuredClone(property.default);
  }
  const extra = additionalSchema(schema);
  for (const key of Object.keys(value)) {
    const declared = schema.properties?.[key];
    if (declared) applySchemaDefaults(value[key], declared);
    else if (extra) {
      if (nonNullableNull(value[key], extra)) value[key] = structuredClone(extra.default);
      applySchemaDefaults(value[key], extra);
    }
  }
}
