// OpenAPI schema validation of a custom resource, with the API server's messages: the validator's
// own texts ("spec.x in body must be of type integer: \"string\"") wrapped in field errors the way
// apiextensions' ValidateCustomResource does (Required value, Unsupported value, Too long, ...).

import type { FieldCause } from "../api/status.ts";
import { checkFormat } from "./formats.ts";
import { goQuote, goSyntax, goValue } from "./gofmt.ts";
import { knownRule } from "./rules.ts";
import { additionalSchema, isJsonObject, type JSONSchemaProps } from "./types.ts";

const IN = "in body";

const cause = (field: string, reason: string, message: string): FieldCause => ({ field, reason, message });

export const fieldErrors = {
  required: (field: string) => cause(field, "FieldValueRequired", "Required value"),
  invalid: (field: string, value: unknown, detail: string) =>
    cause(field, "FieldValueInvalid", `Invalid value: ${goValue(value)}: ${detail}`),
  typeInvalid: (field: string, value: unknown, detail: string) =>
    cause(field, "FieldValueTypeInvalid", `Invalid value: ${goValue(value)}: ${detail}`),
  notSupported: (field: string, value: unknown, allowed: unknown[]) =>
    cause(
      field,
      "FieldValueNotSupported",
      `Unsupported value: ${goValue(value)}: supported values: ${allowed
        .map((v) => goQuote(typeof v === "string" ? v : JSON.stringify(v)))
        .join(", ")}`,
    ),
  tooLong: (field: string, max: number) =>
    cause(field, "FieldValueTooLong", `Too long: may not be longer than ${max}`),
  tooMany: (field: string, actual: number, max: number) =>
    cause(field, "FieldValueTooMany", `Too many: ${actual}: must have at most ${max} items`),
  duplicate: (field: string, value: unknown) =>
    cause(
      field,
      "FieldValueDuplicate",
      `Duplicate value: ${typeof value === "object" ? goSyntax(value) : goValue(value)}`,
    ),
};

/** The JSON type a value has as the validator names it. */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "object") return "object";
  return typeof value;
}

function typeMatches(schema: JSONSchemaProps, actual: string): boolean {
  if (schema["x-kubernetes-int-or-string"]) return actual === "integer" || actual === "string";
  if (!schema.type) return true;
  if (schema.type === "number") return actual === "number" || actual === "integer";
  return schema.type === actual;
}

const childPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Every violation of `schema` by `value`; `path` names the value (e.g. "spec"). Fields under the
 * resource's metadata, apiVersion and kind are the API machinery's, not the schema's.
 */
export function validateValue(value: unknown, schema: JSONSchemaProps, path: string): FieldCause[] {
  const errors: FieldCause[] = [];
  validateNode(value, schema, path, errors);
  return errors;
}

/** Validates a resource root: its declared fields other than apiVersion, kind and metadata. */
export function validateResource(object: Record<string, unknown>, schema: JSONSchemaProps): FieldCause[] {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = object;
  const properties = { ...schema.properties };
  for (const key of ["apiVersion", "kind", "metadata"]) delete properties[key];
  const required = (schema.required ?? []).filter((k) => !["apiVersion", "kind", "metadata"].includes(k));
  return validateValue(rest, { ...schema, properties, required }, "");
}

function validateNode(value: unknown, schema: JSONSchemaProps, path: string, errors: FieldCause[]): void {
  const actual = jsonType(value);
  if (value === null) {
    if (schema.nullable) return;
    if (schema.type || schema["x-kubernetes-int-or-string"]) {
      errors.push(
        fieldErrors.typeInvalid(
          path,
          "null",
          `${path} ${IN} must be of type ${expectedType(schema)}: "null"`,
        ),
      );
      return;
    }
  }
  if (!typeMatches(schema, actual)) {
    errors.push(
      fieldErrors.typeInvalid(
        path,
        actual,
        `${path} ${IN} must be of type ${expectedType(schema)}: "${actual}"`,
      ),
    );
    return;
  }
  validateJunctors(value, schema, path, errors);
  if (typeof value === "string") validateString(value, schema, path, errors);
  if (typeof value === "number") validateNumber(value, schema, path, errors);
  if (Array.isArray(value)) validateArray(value, schema, path, errors);
  if (schema.enum && !schema.enum.some((allowed) => sameJson(allowed, value))) {
    errors.push(fieldErrors.notSupported(path, value, schema.enum));
  }
  if (isJsonObject(value)) validateObject(value, schema, path, errors);
  for (const rule of schema["x-kubernetes-validations"] ?? []) {
    const check = knownRule(rule.rule);
    if (check && !check(value)) {
      errors.push(
        fieldErrors.invalid(path, schema.type ?? "object", rule.message ?? `failed rule: ${rule.rule}`),
      );
    }
  }
}

const expectedType = (schema: JSONSchemaProps) =>
  schema["x-kubernetes-int-or-string"] ? "integer,string" : (schema.type ?? "object");

function validateJunctors(value: unknown, schema: JSONSchemaProps, path: string, errors: FieldCause[]): void {
  // Junctor branches of a structural schema only add constraints; they are checked as a whole.
  const passes = (branch: JSONSchemaProps) => validateValue(value, branch, path).length === 0;
  for (const branch of schema.allOf ?? []) validateNode(value, branch, path, errors);
  const nil = "<nil>";
  if (schema.anyOf && !schema.anyOf.some(passes)) {
    errors.push(fieldErrors.invalid(nil, "", `${goQuote(path)} must validate at least one schema (anyOf)`));
  }
  if (schema.oneOf) {
    const valid = schema.oneOf.filter(passes).length;
    if (valid !== 1) {
      const found = valid === 0 ? "Found none valid" : `Found ${valid} valid alternatives`;
      errors.push(
        fieldErrors.invalid(
          nil,
          "",
          `${goQuote(path)} must validate one and only one schema (oneOf). ${found}`,
        ),
      );
    }
  }
  if (schema.not && passes(schema.not)) {
    errors.push(fieldErrors.invalid(nil, "", `${goQuote(path)} must not validate the schema (not)`));
  }
}

const patterns = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    patterns.set(pattern, re);
  }
  return re;
}

function validateString(value: string, schema: JSONSchemaProps, path: string, errors: FieldCause[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push(fieldErrors.tooLong(path, schema.maxLength));
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(
      fieldErrors.invalid(path, value, `${path} ${IN} should be at least ${schema.minLength} chars long`),
    );
  }
  if (schema.pattern !== undefined && compiled(schema.pattern)?.test(value) === false) {
    errors.push(fieldErrors.invalid(path, value, `${path} ${IN} should match '${schema.pattern}'`));
  }
  if (schema.format && !checkFormat(schema.format, value)) {
    errors.push(
      fieldErrors.typeInvalid(
        path,
        value,
        `${path} ${IN} must be of type ${schema.format}: ${goQuote(value)}`,
      ),
    );
  }
}

function validateNumber(value: number, schema: JSONSchemaProps, path: string, errors: FieldCause[]): void {
  const { maximum, minimum, multipleOf } = schema;
  if (multipleOf !== undefined && multipleOf !== 0 && !Number.isInteger(value / multipleOf)) {
    errors.push(
      fieldErrors.invalid(path, value, `${path} ${IN} should be a multiple of ${goValue(multipleOf)}`),
    );
  }
  if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum)) {
    const relation = schema.exclusiveMaximum ? "less than" : "less than or equal to";
    errors.push(fieldErrors.invalid(path, value, `${path} ${IN} should be ${relation} ${goValue(maximum)}`));
  }
  if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum)) {
    const relation = schema.exclusiveMinimum ? "greater than" : "greater than or equal to";
    errors.push(fieldErrors.invalid(path, value, `${path} ${IN} should be ${relation} ${goValue(minimum)}`));
  }
}

function validateArray(value: unknown[], schema: JSONSchemaProps, path: string, errors: FieldCause[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push(fieldErrors.tooMany(path, value.length, schema.maxItems));
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push(
      fieldErrors.invalid(path, value, `${path} ${IN} should have at least ${schema.minItems} items`),
    );
  }
  if (
    schema.uniqueItems &&
    value.some((item, i) => value.findIndex((other) => sameJson(other, item)) !== i)
  ) {
    errors.push(fieldErrors.invalid(path, value, `${path} ${IN} shouldn't contain duplicates`));
  }
  const items = schema.items;
  if (items)
    value.forEach((item, i) => {
      validateNode(item, items, `${path}[${i}]`, errors);
    });
  validateListType(value, schema, path, errors);
}

/** x-kubernetes-list-type set and map forbid duplicates (of the value, or of its keys). */
function validateListType(
  value: unknown[],
  schema: JSONSchemaProps,
  path: string,
  errors: FieldCause[],
): void {
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "set") {
    value.forEach((item, i) => {
      if (value.findIndex((other) => sameJson(other, item)) !== i)
        errors.push(fieldErrors.duplicate(`${path}[${i}]`, item));
    });
  } else if (listType === "map") {
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    const keyOf = (item: unknown) =>
      Object.fromEntries(
        keys.flatMap((k) => {
          const v = isJsonObject(item) ? item[k] : undefined;
          // A missing key with a default counts as the default, as the server defaults first.
          const fallback = schema.items?.properties?.[k]?.default;
          return v === undefined ? (fallback === undefined ? [] : [[k, fallback]]) : [[k, v]];
        }),
      );
    value.forEach((item, i) => {
      const key = keyOf(item);
      if (value.findIndex((other) => sameJson(keyOf(other), key)) !== i) {
        errors.push(fieldErrors.duplicate(`${path}[${i}]`, key));
      }
    });
  }
}

function validateObject(
  value: Record<string, unknown>,
  schema: JSONSchemaProps,
  path: string,
  errors: FieldCause[],
): void {
  // An undefined property is an absent one, as after a JSON round trip.
  const count = Object.keys(value).filter((k) => value[k] !== undefined).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errors.push(fieldErrors.tooMany(path, count, schema.maxProperties));
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    errors.push(
      fieldErrors.invalid(
        path,
        value,
        `${path} ${IN} should have at least ${schema.minProperties} properties`,
      ),
    );
  }
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) errors.push(fieldErrors.required(childPath(path, name)));
  }
  const extra = schema.additionalProperties === undefined ? undefined : additionalSchema(schema);
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const declared = schema.properties?.[key];
    if (declared) validateNode(item, declared, childPath(path, key), errors);
    else if (extra && !extra["x-kubernetes-preserve-unknown-fields"]) {
      validateNode(item, extra, childPath(path, key), errors);
    }
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isJsonObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  return value;
}
