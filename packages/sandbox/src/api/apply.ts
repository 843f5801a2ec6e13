// Server-side apply and managed fields, after the API server's field manager: appliers own the
// fields they set, writers (operation Update) own what they change, an applier that stops setting a
// field removes it unless somebody else owns it, and changing another manager's field is a conflict.

import type { KubeObject } from "../kube.ts";
import {
  comparePaths,
  decodePath,
  difference,
  type FieldSet,
  formatPath,
  fromFieldsV1,
  sameSet,
  toFieldsV1,
  union,
} from "./fieldset.ts";
import { FieldWalker } from "./fieldwalk.ts";
import { deepEqual, isObject, type JsonObject } from "./jsonValue.ts";
import { schemaFor } from "./patch-meta.ts";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface Conflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  /** The path as Kubernetes prints it, e.g. `.spec.replicas` (the Status cause's `field`). */
  field: string;
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  apiVersion: string;
  now: string;
}

/** `changed` is false when nothing at all (managedFields included) differs from `live`. */
export type ApplyResult = { object: KubeObject; changed: boolean } | { conflicts: Conflict[] };

export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

// Metadata the field manager strips from every field set, and the server's own on an apply body.
const SYSTEM_META = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
]);
const SERVER_META = [
  "managedFields",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "selfLink",
  "deletionTimestamp",
];

// The main resource never owns status (its endpoint resets status); the status subresource owns only that.
function ownable(set: FieldSet, subresource?: string): Set<string> {
  return new Set(
    [...set].filter((text) => {
      const [first, second] = decodePath(text);
      if (first === "f:apiVersion" || first === "f:kind") return false;
      if (first === "f:metadata" && (second === undefined || SYSTEM_META.has(second.slice(2)))) return false;
      return subresource === "status" ? first === "f:status" : first !== "f:status";
    }),
  );
}

interface Manager {
  entry: ManagedFieldsEntry;
  set: Set<string>;
}

function readManagers(object: KubeObject | undefined): Manager[] {
  const raw = object?.metadata.managedFields;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (e): e is ManagedFieldsEntry =>
        isObject(e) && typeof e.manager === "string" && (e.operation === "Apply" || e.operation === "Update"),
    )
    .map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

function writeEntry(
  who: Pick<ManagedFieldsEntry, "manager" | "operation" | "apiVersion" | "subresource">,
  time: string | undefined,
  set: FieldSet,
): ManagedFieldsEntry {
  return {
    manager: who.manager,
    operation: who.operation,
    apiVersion: who.apiVersion,
    ...(time !== undefined ? { time } : {}),
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(set),
    ...(who.subresource ? { subresource: who.subresource } : {}),
  };
}

const seconds = (time?: string) => (time ? Math.floor(Date.parse(time) / 1000) || 0 : 0);
const textOrder = (a = "", b = "") => (a < b ? -1 : a > b ? 1 : 0);

// The order the API server stores entries in (sortEncodedManagedFields).
function sortEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.sort(
    (p, q) =>
      textOrder(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      textOrder(p.manager, q.manager) ||
      textOrder(p.apiVersion, q.apiVersion) ||
      textOrder(p.subresource, q.subresource),
  );
}

function withManagedFields(object: JsonObject, entries: ManagedFieldsEntry[]): KubeObject {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  if (entries.length > 0) metadata.managedFields = sortEntries(entries);
  else delete metadata.managedFields;
  object.metadata = metadata;
  return object as KubeObject;
}

function bodyOf(object: KubeObject | undefined): JsonObject {
  if (object === undefined) return {};
  const body = structuredClone(object) as JsonObject;
  if (isObject(body.metadata)) delete body.metadata.managedFields;
  return body;
}

function configOf(applied: KubeObject): JsonObject {
  const config = structuredClone(applied) as JsonObject;
  delete config.status;
  if (isObject(config.metadata)) for (const key of SERVER_META) delete config.metadata[key];
  return config;
}

// Go's encoding/json sorts map keys; the annotation value also ends in the encoder's newline.
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * `kubectl apply --server-side` on an object last applied client-side may take over the fields
 * whose live value is still the one in the last-applied annotation (the API server's upgrade path
 * from client-side apply, only for field manager "kubectl").
 */
function takeoverAllowed(walker: FieldWalker, live: KubeObject | undefined): Set<string> {
  const text = live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return new Set();
  try {
    const last: unknown = JSON.parse(text);
    if (!isObject(last)) return new Set();
    return difference(walker.fieldSet(last), walker.compare(last, bodyOf(live)).modified);
  } catch {
    return new Set();
  }
}

/**
 * Applies `applied` for `opts.manager` to `live` (undefined to create). Throws PatchError when the
 * configuration cannot be typed (a keyed list item without its key). The result has metadata
 * system fields and status from `live`; the caller sets resourceVersion etc.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): ApplyResult {
  const walker = new FieldWalker(schemaFor(applied.kind ?? live?.kind));
  const config = configOf(applied);
  const appliedSet = ownable(walker.fieldSet(config));
  const managers = readManagers(live);
  const mine = managers.find(
    (m) => m.entry.manager === opts.manager && m.entry.operation === "Apply" && !m.entry.subresource,
  );
  const others = managers.filter((m) => m !== mine);

  const before = bodyOf(live);
  const merged = walker.merge(structuredClone(before), config) as JsonObject;
  const owned = union(appliedSet, ...others.map((m) => m.set));
  // Only what this applier alone set last time, and no longer sets, goes away.
  if (mine) walker.remove(merged, [...difference(ownable(mine.set), owned)].map(decodePath), owned);

  const diff = walker.compare(before, merged);
  const touched = ownable(union(diff.added, diff.modified));
  if (!opts.force) {
    const allowed = opts.manager === "kubectl" ? takeoverAllowed(walker, live) : new Set<string>();
    const conflicts = others.flatMap((m) =>
      [...m.set]
        .filter((p) => touched.has(p) && !allowed.has(p))
        .map(decodePath)
        .sort(comparePaths)
        .map((path) => ({
          manager: m.entry.manager,
          operation: m.entry.operation,
          apiVersion: m.entry.apiVersion,
          ...(m.entry.subresource ? { subresource: m.entry.subresource } : {}),
          field: formatPath(path),
        })),
    );
    if (conflicts.length > 0) return { conflicts };
  }

  const annotations = isObject(merged.metadata) ? merged.metadata.annotations : undefined;
  if (
    opts.manager === "kubectl" &&
    isObject(annotations) &&
    typeof annotations[LAST_APPLIED_ANNOTATION] === "string"
  ) {
    annotations[LAST_APPLIED_ANNOTATION] = `${sortedJson(applied)}\n`;
  }

  const objectChanged = live === undefined || !deepEqual(bodyOf(merged as KubeObject), before);
  const entries: ManagedFieldsEntry[] = [];
  for (const m of others) {
    // Ownership of what this apply changed moves to the applier; removed fields have no owner.
    const set = difference(difference(m.set, touched), diff.removed);
    if (set.size > 0) entries.push(sameSet(set, m.set) ? m.entry : writeEntry(m.entry, m.entry.time, set));
  }
  if (appliedSet.size > 0) {
    const unchanged = mine !== undefined && !objectChanged && sameSet(mine.set, appliedSet);
    entries.push(
      unchanged
        ? mine.entry
        : writeEntry(
            { manager: opts.manager, operation: "Apply", apiVersion: opts.apiVersion },
            opts.now,
            appliedSet,
          ),
    );
  }
  const object = withManagedFields(merged, entries);
  const changed =
    objectChanged || !deepEqual(object.metadata.managedFields ?? [], live?.metadata.managedFields ?? []);
  return { object, changed };
}

/**
 * Records a non-apply write (create, update, patch) by `manager`: the fields it changed become its
 * own (operation Update) and leave every other manager's set, as do fields it removed.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  apiVersion: string,
  now: string,
  subresource?: string,
): KubeObject {
  const walker = new FieldWalker(schemaFor(after.kind ?? before?.kind));
  const diff = walker.compare(bodyOf(before), bodyOf(after));
  const changed = ownable(union(diff.added, diff.modified), subresource);
  const removed = ownable(diff.removed, subresource);
  const isMine = (e: ManagedFieldsEntry) =>
    e.manager === manager &&
    e.operation === "Update" &&
    e.apiVersion === apiVersion &&
    (e.subresource ?? "") === (subresource ?? "");

  const entries: ManagedFieldsEntry[] = [];
  let mine: Manager | undefined;
  let mineBefore = new Set<string>();
  for (const m of readManagers(before)) {
    const set = difference(difference(m.set, changed), removed);
    if (isMine(m.entry)) {
      mine = m;
      mineBefore = set;
    } else if (set.size > 0)
      entries.push(sameSet(set, m.set) ? m.entry : writeEntry(m.entry, m.entry.time, set));
  }
  const mySet = union(mineBefore, changed);
  if (mySet.size > 0) {
    const unchanged = mine !== undefined && changed.size === 0 && sameSet(mySet, mine.set);
    const who = {
      manager,
      operation: "Update" as const,
      apiVersion,
      ...(subresource ? { subresource } : {}),
    };
    entries.push(unchanged ? mine!.entry : writeEntry(who, changed.size > 0 ? now : mine?.entry.time, mySet));
  }
  return withManagedFields(bodyOf(after), entries);
}

function managerText(c: Omit<Conflict, "field">): string {
  let text = JSON.stringify(c.manager);
  if (c.subresource) text += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === "Update" ? `${text} using ${c.apiVersion}` : text;
}

// The API server orders managers by their JSON identifier (the entry without time and fields).
const managerId = (c: Conflict) =>
  JSON.stringify({
    manager: c.manager,
    operation: c.operation,
    ...(c.operation === "Update" ? { apiVersion: c.apiVersion } : {}),
    ...(c.subresource ? { subresource: c.subresource } : {}),
  });

/** The 409 message, e.g. `Apply failed with 1 conflict: conflict with "x" using apps/v1: .spec.replicas`. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    return `Apply failed with 1 conflict: conflict with ${managerText(c)}: ${c.field}`;
  }
  const groups = new Map<string, Conflict[]>();
  for (const c of conflicts) groups.set(managerId(c), [...(groups.get(managerId(c)) ?? []), c]);
  const lines = [...groups.keys()].sort().flatMap((id) => {
    const group = groups.get(id)!;
    return [`conflicts with ${managerText(group[0]!)}:`, ...group.map((c) => `- ${c.field}`)];
  });
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/** `details.causes` of the 409 Status. */
export function conflictCauses(
  conflicts: readonly Conflict[],
): { reason: string; message: string; field: string }[] {
  return conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${managerText(c)}`,
    field: c.field,
  }));
}
