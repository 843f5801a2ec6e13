// Decoding a request into the Go type of its kind, as the API server does before anything else
// looks at it, and the first error it would meet in its own words. Three decoders meet a body:
// Go's JSON decoder (create, update, JSON and merge patches), the unstructured converter
// (strategic merge patches) and structured-merge-diff's typed values (server-side apply).

import { CUSTOM_RESOURCE_TYPE, type GoType, goTypeName, KIND_TYPES } from "./goTypes.ts";

export type Decoder = "json" | "unstructured" | "apply";

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT64 = { min: -(2 ** 63), max: 2 ** 63 - 1 };
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_MESSAGE = `quantities must match the regular expression '${QUANTITY.source}'`;

/** The Go type a kind decodes into (custom resources: an unstructured object with typed metadata). */
export const typeOfKind = (kind: string, custom: boolean): GoType =>
  (custom ? undefined : KIND_TYPES[kind]) ?? CUSTOM_RESOURCE_TYPE;

class Stop extends Error {}

/**
 * The first error decoding `value` into `type` meets, or undefined. `numberText` gives the
 * source text of numbers (Go quotes a number as written). With the unstructured converter an
 * integer out of range wraps as Go's conversion does, in place, for validation to judge.
 */
export function decodeError(
  type: GoType,
  value: unknown,
  decoder: Decoder,
  numberText: Map<number, string> = new Map(),
): string | undefined {
  const textOf = (n: number) => numberText.get(n) ?? String(n);
  // Where Go's decoder is: the innermost struct and the JSON names of the fields leading here.
  let structName = "";
  const fields: string[] = [];
  // For apply: structured-merge-diff's path, with list indexes.
  const path: string[] = [];
  let found: string | undefined;

  const fail = (message: string): never => {
    found = message;
    throw new Stop();
  };
  const jsonKind = (v: unknown) =>
    Array.isArray(v)
      ? "array"
      : typeof v === "object"
        ? "object"
        : typeof v === "boolean"
          ? "bool"
          : typeof v;
  const goKind = (v: unknown) =>
    Array.isArray(v)
      ? "slice"
      : typeof v === "object"
        ? "map"
        : typeof v === "boolean"
          ? "bool"
          : typeof v === "number"
            ? isGoInt(v)
              ? "int64"
              : "float64"
            : "string";
  // A JSON number without a fraction or exponent decodes as an int64 into unstructured maps.
  const isGoInt = (v: number) => Number.isInteger(v) && !/[.eE]/.test(textOf(v));

  const typeError = (sourceValue: string, target: GoType): never => {
    const where =
      structName || fields.length ? ` into Go struct field ${structName}.${fields.join(".")}` : "";
    const into = where
      ? `${where} of type ${goTypeName(target)}`
      : ` into Go value of type ${goTypeName(target)}`;
    return fail(`json: cannot unmarshal ${sourceValue}${into}`);
  };
  const applyError = (message: string): never => fail(`${path.join("") || "."}: ${message}`);
  const unstructuredValue = (v: unknown) => (typeof v === "object" ? goFormat(v) : String(v));

  const checkInteger = (v: number, target: GoType & { kind: "scalar" }, holder: Holder): undefined => {
    const range = target.go === "int32" ? INT32 : INT64;
    const fits = Number.isInteger(v) && v >= range.min && v <= range.max;
    if (decoder === "json") {
      if (!fits) typeError(`number ${textOf(v)}`, target);
      return;
    }
    if (decoder === "apply") {
      if (!fits) applyError(`cannot convert ${goKind(v)} to ${target.go}`);
      return;
    }
    if (isGoInt(v) && Number.isSafeInteger(v)) {
      // Go's int64 -> int32 conversion keeps the low 32 bits.
      if (!fits) holder.set(Number(BigInt.asIntN(target.go === "int32" ? 32 : 64, BigInt(v))));
      return;
    }
    if (!fits) fail(`cannot convert float64 to ${target.go}`);
  };

  type Holder = { set(v: unknown): void };

  const visit = (v: unknown, t: GoType, holder: Holder): undefined => {
    if (v === null || v === undefined || t.kind === "any") return;
    switch (t.kind) {
      case "scalar": {
        if (t.go === "string") {
          if (typeof v === "string") return;
          if (decoder === "json") return typeError(jsonKind(v), t);
          if (decoder === "apply")
            return applyError(`expected string, got &value.valueUnstructured{Value:${unstructuredValue(v)}}`);
          return fail(goKind(v) === "int64" ? "cannot convert int64 to string" : "unrecognized type: string");
        }
        if (t.go === "bool") {
          if (typeof v === "boolean") return;
          if (decoder === "json") return typeError(jsonKind(v), t);
          if (decoder === "apply") return applyError(`expected boolean, got &{${unstructuredValue(v)}}`);
          return fail("unrecognized type: bool");
        }
        if (typeof v === "number") {
          if (t.go === "float64") return;
          return checkInteger(v, t, holder);
        }
        if (decoder === "json") return typeError(jsonKind(v), t);
        if (decoder === "apply")
          return applyError(`expected numeric (int or float), got ${goTypeOfValue(v)}`);
        return fail(`unrecognized type: ${t.go}`);
      }
      case "intOrString": {
        if (typeof v === "string") return;
        const int32: GoType & { kind: "scalar" } = { kind: "scalar", go: "int32" };
        if (typeof v === "number" && Number.isInteger(v) && v >= INT32.min && v <= INT32.max) return;
        const source = typeof v === "number" ? `number ${textOf(v)}` : jsonKind(v);
        if (decoder === "apply" && typeof v !== "number")
          return applyError(`expected numeric (int or float), got ${goTypeOfValue(v)}`);
        if (decoder === "json") return typeError(source, int32);
        // The converter hands IntOrString its JSON, and its UnmarshalJSON reports without context.
        return fail(`json: cannot unmarshal ${source} into Go value of type int32`);
      }
      case "quantity":
        if (typeof v === "number") return;
        if (typeof v === "string" && QUANTITY.test(v.trim())) return;
        if (decoder === "apply" && typeof v !== "string")
          return applyError(`expected string, got &value.valueUnstructured{Value:${unstructuredValue(v)}}`);
        return fail(QUANTITY_MESSAGE);
      case "struct":
      case "map": {
        if (typeof v !== "object" || Array.isArray(v)) {
          if (decoder === "json") return typeError(jsonKind(v), t);
          if (decoder === "apply") return applyError(`expected map, got &{${unstructuredValue(v)}}`);
          return fail(
            t.kind === "struct"
              ? `cannot restore struct from: ${goKind(v)}`
              : `cannot restore map from ${goKind(v)}`,
          );
        }
        const object = v as Record<string, unknown>;
        if (t.kind === "map") {
          for (const key of Object.keys(object)) {
            path.push(`.${key}`);
            visit(object[key], t.of, { set: (x) => (object[key] = x) });
            path.pop();
          }
          return;
        }
        const known = t.fields();
        const outerStruct = structName;
        for (const key of Object.keys(object)) {
          const field = known[key];
          if (!field) continue;
          structName = t.name.slice(t.name.indexOf(".") + 1);
          fields.push(key);
          path.push(`.${key}`);
          visit(object[key], field, { set: (x) => (object[key] = x) });
          path.pop();
          fields.pop();
        }
        structName = outerStruct;
        return;
      }
      case "slice": {
        if (!Array.isArray(v)) {
          if (decoder === "json") return typeError(jsonKind(v), t);
          if (decoder === "apply") return applyError(`expected list, got &{${unstructuredValue(v)}}`);
          return fail(`cannot restore slice from ${goKind(v)}`);
        }
        v.forEach((item, index) => {
          path.push(`[${index}]`);
          visit(item, t.of, { set: (x) => (v[index] = x) });
          path.pop();
        });
        return;
      }
    }
  };

  try {
    visit(value, type, { set: () => {} });
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return found;
}

function goTypeOfValue(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  return "string";
}

/** fmt's %v of a decoded JSON value: map[a:1 b:[x y]], keys sorted, <nil> for null. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(" ")}]`;
  }
  return String(value);
}
