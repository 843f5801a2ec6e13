// JSON merge patch (RFC 7386) and Kubernetes' strategic merge patch, the two bodies kubectl sends:
// merge-patch for `label` and for custom resources, strategic merge for client-side `apply` updates.

import { deepEqual, isObject, type JsonObject, PatchError, setKey } from "./jsonValue.ts";
import { type PatchSchema, schemaFor } from "./patch-meta.ts";

export type { ApplyOptions, ApplyResult, Conflict, ManagedFieldsEntry } from "./apply.ts";
export { conflictCauses, conflictMessage, recordUpdate, serverSideApply } from "./apply.ts";
export { deepEqual, isObject, type JsonObject, PatchError } from "./jsonValue.ts";

export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else setKey(out, key, jsonMergePatch(out[key], value));
  }
  return out;
}

/**
 * Interleaves two lists that are each already in the right order, keeping `live`'s order where both
 * have a position in it (strategicpatch's mergeSortedSlice). `left` items win ties only when they
 * come first in `live`.
 */
export function interleave<T>(left: T[], right: T[], live: T[], same: (a: T, b: T) => boolean): T[] {
  const position = (x: T) => live.findIndex((y) => same(x, y));
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const l = position(left[i]!);
      const r = position(right[j]!);
      if (l >= 0 && r >= 0 && l < r) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function sortByPosition<T>(items: T[], order: unknown[], same: (a: unknown, b: unknown) => boolean): T[] {
  const position = (x: T) => {
    const i = order.findIndex((y) => same(x, y));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items
    .map((item) => [position(item), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item);
}

// Patch items (those named in `order`) go in `order`'s order, the rest keep their live order.
function normalizeOrder(
  merged: unknown[],
  order: unknown[],
  live: unknown[],
  key: string | undefined,
): unknown[] {
  const same = (a: unknown, b: unknown) =>
    key === undefined ? deepEqual(a, b) : isObject(a) && isObject(b) && deepEqual(a[key], b[key]);
  const inOrder = merged.filter((x) => order.some((y) => same(x, y)));
  const serverOnly = merged.filter((x) => !order.some((y) => same(x, y)));
  return interleave(sortByPosition(serverOnly, live, same), sortByPosition(inOrder, order, same), live, same);
}

const goMap = (m: JsonObject) =>
  `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${typeof m[k] === "object" ? JSON.stringify(m[k]) : String(m[k])}`)
    .join(" ")}]`;

const SET_ORDER = "$setElementOrder/";
const DELETE_FROM = "$deleteFromPrimitiveList/";

/**
 * Applies a strategic merge patch. Lists merge by key where `schema` says so and are replaced
 * otherwise; nulls delete; the directives `$patch`, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>` are honoured and never stored. With an empty schema this is a
 * JSON merge patch that understands the directives. A string `schema` is a kind, looked up.
 */
export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  schema: PatchSchema | string,
): JsonObject {
  if (!isObject(patch)) throw new PatchError("invalid JSON document");
  return new Merger(typeof schema === "string" ? schemaFor(schema) : schema).map(
    isObject(target) ? structuredClone(target) : {},
    patch,
    "",
  );
}

class Merger {
  constructor(private readonly schema: PatchSchema) {}

  /** Merges `patch` into `original`, which it owns and may change. */
  map(original: JsonObject, patch: JsonObject, path: string): JsonObject {
    const directive = patch.$patch;
    if (directive === "replace") {
      const { $patch: _, ...rest } = patch;
      return this.map({}, rest, path);
    }
    if (directive === "delete") return {};
    if (directive !== undefined && directive !== "merge") {
      throw new PatchError(`unknown patch type: ${String(directive)} in map: ${goMap(patch)}`, 500);
    }
    const retain = patch.$retainKeys;
    if (retain !== undefined) {
      if (!Array.isArray(retain)) throw new PatchError("invalid patch format of $retainKeys");
      for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
    }
    const done = new Set<string>();
    for (const [key, order] of Object.entries(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      if (!Array.isArray(order)) throw new PatchError("invalid patch format of $setElementOrder list");
      const field = key.slice(SET_ORDER.length);
      const live = Array.isArray(original[field]) ? (original[field] as unknown[]) : [];
      const patchList = Array.isArray(patch[field]) ? (patch[field] as unknown[]) : [];
      const merged = this.list(live, patchList, join(path, field));
      setKey(original, field, normalizeOrder(merged, order, live, this.mergeKey(join(path, field))));
      done.add(field);
    }
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith("$") && !key.startsWith(DELETE_FROM)) continue;
      if (done.has(key)) continue;
      if (key.startsWith(DELETE_FROM)) {
        const field = key.slice(DELETE_FROM.length);
        if (!Array.isArray(value)) throw new PatchError("invalid patch format of primitive list");
        const live = original[field];
        if (Array.isArray(live))
          setKey(
            original,
            field,
            live.filter((x) => !value.some((d) => deepEqual(d, x))),
          );
        continue;
      }
      if (value === null) {
        delete original[key];
        continue;
      }
      const merged = this.value(original[key], value, join(path, key));
      if (merged === undefined) delete original[key];
      else setKey(original, key, merged);
    }
    return original;
  }

  /** undefined means "leave the key out" (a `$patch: delete` for something that is not there). */
  private value(live: unknown, patch: unknown, path: string): unknown {
    if (isObject(patch)) {
      if (!isObject(live) && patch.$patch === "delete") return undefined;
      return this.map(isObject(live) ? live : {}, patch, path);
    }
    if (Array.isArray(patch)) return this.list(Array.isArray(live) ? live : [], patch, path);
    return patch;
  }

  private mergeKey(path: string): string | undefined {
    const meta = this.schema[path];
    return meta?.type === "keyed" ? meta.keys[0] : undefined;
  }

  private list(live: unknown[], patch: unknown[], path: string): unknown[] {
    const meta = this.schema[path];
    const element = `${path}[]`;
    const clean = (x: unknown) => (isObject(x) ? this.map({}, x, element) : structuredClone(x));
    if (meta?.type === "set") {
      const merged = [...live];
      for (const x of patch) if (!merged.some((y) => deepEqual(x, y))) merged.push(structuredClone(x));
      return normalizeOrder(merged, patch, live, undefined);
    }
    const plain = patch.filter((x) => !(isObject(x) && x.$patch !== undefined));
    if (meta?.type !== "keyed") return plain.map(clean);

    const key = meta.keys[0]!;
    let merged = [...live];
    for (const special of patch) {
      if (!isObject(special) || special.$patch === undefined) continue;
      if (special.$patch === "replace") return plain.map(clean);
      if (special.$patch === "delete") {
        if (!Object.hasOwn(special, key)) {
          throw new PatchError(`map: ${goMap(special)} does not contain declared merge key: ${key}`, 500);
        }
        merged = merged.filter((x) => !(isObject(x) && deepEqual(x[key], special[key])));
      } else if (special.$patch !== "merge") {
        throw new PatchError(`unknown patch type: ${String(special.$patch)} in map: ${goMap(special)}`, 500);
      }
    }
    const before = [...merged];
    for (const item of plain) {
      if (!isObject(item) || !Object.hasOwn(item, key)) {
        const shown = isObject(item) ? goMap(item) : JSON.stringify(item);
        throw new PatchError(`map: ${shown} does not contain declared merge key: ${key}`, 500);
      }
      const at = merged.findIndex((x) => isObject(x) && deepEqual(x[key], item[key]));
      if (at >= 0) merged[at] = this.map(merged[at] as JsonObject, item, element);
      else merged.push(this.map({}, item, element));
    }
    return normalizeOrder(merged, plain, before, key);
  }
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
