// Sets of field paths, as structured-merge-diff keeps them for managedFields. A path element is
// written the way fieldsV1 writes it: `f:<field>`, `k:<key fields as JSON>`, `v:<value as JSON>`,
// `i:<index>`. A path is kept as its JSON text so that plain Sets do the set algebra.

import { isObject, type JsonObject } from "./jsonValue.ts";

export type FieldPath = readonly string[];
export type FieldSet = ReadonlySet<string>;

export const encodePath = (path: FieldPath): string => JSON.stringify(path);
export const decodePath = (text: string): string[] => JSON.parse(text) as string[];

export function union(...sets: FieldSet[]): Set<string> {
  const out = new Set<string>();
  for (const set of sets) for (const path of set) out.add(path);
  return out;
}

export function difference(a: FieldSet, b: FieldSet): Set<string> {
  return new Set([...a].filter((path) => !b.has(path)));
}

export function sameSet(a: FieldSet, b: FieldSet): boolean {
  return a.size === b.size && [...a].every((path) => b.has(path));
}

const TYPE_ORDER = "fkvi";

// The order structured-merge-diff serialises and reports in: field names, then keys, values, indexes.
function compareElements(a: string, b: string): number {
  const byType = TYPE_ORDER.indexOf(a[0]!) - TYPE_ORDER.indexOf(b[0]!);
  if (byType !== 0) return byType;
  if (a[0] === "i") return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

/** The fieldsV1 object for a set: `{}` for a leaf, and `".": {}` where a node is itself a member. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: Node = { member: false, children: new Map() };
  for (const text of set) {
    let node = root;
    for (const element of decodePath(text)) {
      let child = node.children.get(element);
      if (child === undefined) {
        child = { member: false, children: new Map() };
        node.children.set(element, child);
      }
      node = child;
    }
    node.member = true;
  }
  const write = (node: Node): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out["."] = {};
    for (const key of [...node.children.keys()].sort(compareElements))
      out[key] = write(node.children.get(key)!);
    return out;
  };
  return write(root);
}

export function fromFieldsV1(fields: unknown): Set<string> {
  const out = new Set<string>();
  const read = (node: JsonObject, prefix: string[]) => {
    for (const [key, child] of Object.entries(node)) {
      if (key === ".") {
        if (prefix.length > 0) out.add(encodePath(prefix));
        continue;
      }
      const path = [...prefix, key];
      if (isObject(child) && Object.keys(child).length > 0) read(child, path);
      else out.add(encodePath(path));
    }
  };
  if (isObject(fields)) read(fields, []);
  return out;
}

const showValue = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** The text Kubernetes prints for a path in conflicts: `.spec.containers[name="x"].image`. */
export function formatPath(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case "f":
          return `.${body}`;
        case "k": {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.keys(key)
            .sort()
            .map((name) => `${name}=${showValue(key[name])}`)
            .join(",")}]`;
        }
        case "v":
          return `[=${showValue(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}
