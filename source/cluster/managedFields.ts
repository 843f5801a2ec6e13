import type { KubeObject } from "../model/kube.ts";
import { ROOM_LABEL } from "../model/room.ts";
import { FIELD_MANAGER, MANAGED_BY_LABEL } from "./manifests.ts";

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: Record<string, unknown>;
}

const entries = (object: KubeObject): ManagedFieldsEntry[] =>
  (object.metadata.managedFields ?? []).filter(
    (entry): entry is ManagedFieldsEntry => typeof entry === "object" && entry !== null,
  );

/** Whether `manager` wrote any field of the object (server-side apply or update). */
export function hasManager(object: KubeObject, manager = FIELD_MANAGER): boolean {
  return entries(object).some((entry) => entry.manager === manager);
}

/**
 * Whether the tour made this object: our label, or our field manager in its managedFields. What
 * `workshop setup` made for a room (an attendee's ServiceAccount and settings) carries our label
 * too, but is the facilitator's: `workshop teardown` removes it, never a tour's `reset`.
 */
export function isOurs(object: KubeObject): boolean {
  if (object.metadata.labels?.[ROOM_LABEL] !== undefined) return false;
  return object.metadata.labels?.[MANAGED_BY_LABEL] === FIELD_MANAGER || hasManager(object, FIELD_MANAGER);
}

/** The label keys `manager` owns through server-side apply (its Apply entry's f:metadata.f:labels). */
export function appliedLabels(object: KubeObject, manager = FIELD_MANAGER): string[] {
  const keys = new Set<string>();
  for (const entry of entries(object)) {
    if (entry.manager !== manager || entry.operation !== "Apply") continue;
    const metadata = entry.fieldsV1?.["f:metadata"];
    const labels = isRecord(metadata) ? metadata["f:labels"] : undefined;
    if (!isRecord(labels)) continue;
    for (const key of Object.keys(labels)) if (key.startsWith("f:")) keys.add(key.slice(2));
  }
  return [...keys];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
