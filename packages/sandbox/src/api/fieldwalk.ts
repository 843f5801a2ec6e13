// Schema-aware walks over objects for server-side apply: the field set a configuration sets, the
// difference between two objects, merging a configuration into a live object, and removing fields.
// Lists are keyed, sets or atomic according to the patch-meta table; maps not marked atomic are
// granular.

import { encodePath, type FieldPath } from "./fieldset.ts";
import { deepEqual, isObject, type JsonObject, PatchError, setKey } from "./jsonValue.ts";
import type { FieldMeta, PatchSchema } from "./patch-meta.ts";

type Shape = "leaf" | "map" | "keyed" | "set";

interface Child {
  element: string;
  value: unknown;
  schemaPath: string;
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

export class FieldWalker {
  constructor(private readonly schema: PatchSchema) {}

  private shape(value: unknown, schemaPath: string): Shape {
    const meta = this.schema[schemaPath];
    if (Array.isArray(value)) return meta?.type === "keyed" ? "keyed" : meta?.type === "set" ? "set" : "leaf";
    if (isObject(value)) return meta?.type === "atomicMap" ? "leaf" : "map";
    return "leaf";
  }

  /**
   * The `k:` element naming a keyed list item. Key fields the item omits take the default the API
   * server would fill in; without one, `strict` (a configuration) is an error and a stored object
   * falls back to the item's index.
   */
  private itemElement(item: unknown, index: number, schemaPath: string, strict: boolean): string {
    const meta = this.schema[schemaPath] as Extract<FieldMeta, { type: "keyed" }>;
    const key: JsonObject = {};
    for (const name of [...meta.keys].sort()) {
      const value =
        (isObject(item) && Object.hasOwn(item, name) ? item[name] : undefined) ?? meta.defaults?.[name];
      if (value === undefined || value === null) {
        if (!strict) return `i:${index}`;
        throw new PatchError(
          `.${schemaPath}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`,
          500,
        );
      }
      key[name] = value;
    }
    return `k:${JSON.stringify(key)}`;
  }

  private children(value: unknown, shape: Shape, schemaPath: string, strict = false): Child[] {
    if (shape === "map") {
      return Object.entries(value as JsonObject)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ({
          element: `f:${k}`,
          value: v,
          schemaPath: join(schemaPath, k),
        }));
    }
    const items = value as unknown[];
    const itemPath = `${schemaPath}[]`;
    if (shape === "set")
      return items.map((v) => ({ element: `v:${JSON.stringify(v)}`, value: v, schemaPath: itemPath }));
    if (shape === "keyed") {
      const seen = new Set<string>();
      return items.map((v, i) => {
        const element = this.itemElement(v, i, schemaPath, strict);
        if (strict && seen.has(element)) {
          throw new PatchError(`.${schemaPath}: duplicate entries for key ${element.slice(2)}`, 500);
        }
        seen.add(element);
        return { element, value: v, schemaPath: itemPath };
      });
    }
    return [];
  }

  /** The fields a configuration sets (ToFieldSet): leaves, list items, empty maps and nulls. */
  fieldSet(config: JsonObject): Set<string> {
    const out = new Set<string>();
    const visit = (value: unknown, path: string[], schemaPath: string) => {
      const shape = this.shape(value, schemaPath);
      if (
        value === null ||
        shape === "leaf" ||
        (shape === "map" && Object.keys(value as JsonObject).length === 0)
      ) {
        out.add(encodePath(path));
        return;
      }
      for (const child of this.children(value, shape, schemaPath, true)) {
        const childPath = [...path, child.element];
        if (shape === "keyed" || shape === "set") out.add(encodePath(childPath));
        if (shape !== "set") visit(child.value, childPath, child.schemaPath);
      }
    };
    for (const child of this.children(config, "map", "", true))
      visit(child.value, [child.element], child.schemaPath);
    return out;
  }

  /** What changed from `before` to `after`, path by path (TypedValue.Compare). */
  compare(
    before: unknown,
    after: unknown,
  ): { added: Set<string>; removed: Set<string>; modified: Set<string> } {
    const result = { added: new Set<string>(), removed: new Set<string>(), modified: new Set<string>() };
    const markAll = (value: unknown, path: string[], schemaPath: string, into: Set<string>) => {
      const shape = this.shape(value, schemaPath);
      // As in an Update's managed fields: a new list, list item or plain map (labels) is owned
      // itself; a struct-like field (spec, template) only through its leaves.
      const field = path[path.length - 1]?.startsWith("f:") ?? false;
      const structLike =
        field &&
        shape === "map" &&
        Object.values(value as JsonObject).some((v) => typeof v === "object" && v !== null);
      if (!structLike) into.add(encodePath(path));
      if (shape === "leaf") return;
      for (const child of this.children(value, shape, schemaPath)) {
        markAll(child.value, [...path, child.element], child.schemaPath, into);
      }
    };
    const walk = (l: unknown, r: unknown, path: string[], schemaPath: string) => {
      if (l === undefined && r === undefined) return;
      if (l === undefined) return markAll(r, path, schemaPath, result.added);
      if (r === undefined) return markAll(l, path, schemaPath, result.removed);
      const shape = this.shape(l, schemaPath);
      if (shape !== this.shape(r, schemaPath) || shape === "leaf") {
        if (!deepEqual(l, r)) result.modified.add(encodePath(path));
        return;
      }
      const left = new Map(this.children(l, shape, schemaPath).map((c) => [c.element, c]));
      const right = new Map(this.children(r, shape, schemaPath).map((c) => [c.element, c]));
      for (const element of new Set([...left.keys(), ...right.keys()])) {
        const child = (left.get(element) ?? right.get(element))!;
        walk(left.get(element)?.value, right.get(element)?.value, [...path, element], child.schemaPath);
      }
    };
    walk(before ?? {}, after, [], "");
    return result;
  }

  /** `config` merged into `live`: maps deep, keyed lists and sets by item, anything else replaced. */
  merge(live: unknown, config: unknown, schemaPath = ""): unknown {
    if (config === null) return undefined;
    const shape = this.shape(config, schemaPath);
    if (shape === "map") {
      const out: JsonObject = isObject(live) && this.shape(live, schemaPath) === "map" ? { ...live } : {};
      for (const [key, value] of Object.entries(config as JsonObject)) {
        const merged = this.merge(out[key], value, join(schemaPath, key));
        if (merged === undefined) delete out[key];
        else setKey(out, key, merged);
      }
      return out;
    }
    if (shape === "keyed" || shape === "set") {
      const liveItems = Array.isArray(live) ? this.children(live, shape, schemaPath) : [];
      const configItems = this.children(config, shape, schemaPath, true);
      const liveByElement = new Map(liveItems.map((c) => [c.element, c.value]));
      const configByElement = new Map(configItems.map((c) => [c.element, c]));
      return listOrder(
        liveItems.map((c) => c.element),
        configItems.map((c) => c.element),
      ).map((element) => {
        const item = configByElement.get(element);
        if (item === undefined) return liveByElement.get(element);
        return shape === "keyed"
          ? this.merge(liveByElement.get(element), item.value, item.schemaPath)
          : item.value;
      });
    }
    return structuredClone(config);
  }

  /**
   * Removes each path from `object` (in place). A map or list that becomes empty because of that is
   * removed too, unless `owned` says somebody owns it.
   */
  remove(object: JsonObject, paths: FieldPath[], owned: ReadonlySet<string>): void {
    for (const path of paths) {
      const trail: { container: unknown; at: string | number; schemaPath: string }[] = [];
      let current: unknown = object;
      let schemaPath = "";
      let found = true;
      for (const element of path) {
        const shape = this.shape(current, schemaPath);
        if (shape === "leaf") {
          found = false;
          break;
        }
        const children = this.children(current, shape, schemaPath);
        const index = children.findIndex((c) => c.element === element);
        if (index < 0) {
          found = false;
          break;
        }
        const child = children[index]!;
        trail.push({ container: current, at: shape === "map" ? element.slice(2) : index, schemaPath });
        current = child.value;
        schemaPath = child.schemaPath;
      }
      if (!found) continue;
      for (let depth = trail.length - 1; depth >= 0; depth--) {
        const { container, at } = trail[depth]!;
        if (Array.isArray(container)) container.splice(at as number, 1);
        else delete (container as JsonObject)[at as string];
        const emptied = Array.isArray(container)
          ? container.length === 0
          : Object.keys(container as JsonObject).length === 0;
        const parentPath = path.slice(0, depth);
        const viaField = depth > 0 && path[depth - 1]!.startsWith("f:");
        if (!emptied || !viaField || owned.has(encodePath(parentPath))) break;
      }
    }
  }
}

/**
 * The order of a merged list in structured-merge-diff: the configuration's order for its items,
 * live-only items where they were relative to the items around them.
 */
function listOrder(live: string[], config: string[]): string[] {
  const inConfig = new Set(config);
  const shared = config.filter((e) => live.includes(e));
  const out: string[] = [];
  const emitted = new Set<string>();
  let next = 0;
  let l = 0;
  let r = 0;
  const emit = (element: string) => {
    out.push(element);
    emitted.add(element);
    if (shared[next] === element) next++;
  };
  while (l < live.length || r < config.length) {
    const left = live[l];
    if (left !== undefined && r < config.length) {
      if (left === config[r]) {
        emit(left);
        l++;
        r++;
        continue;
      }
      if (inConfig.has(left) && shared[next] !== left) {
        l++;
        continue;
      }
    }
    if (left !== undefined && (!inConfig.has(left) || emitted.has(left))) {
      if (!emitted.has(left)) emit(left);
      l++;
      continue;
    }
    emit(config[r++]!);
  }
  return out;
}
