import type { KubeObject } from "../model/kube.ts";
import { ROOM_LABEL } from "../model/room.ts";
import { FIELD_MANAGER, MANAGED_BY_LABEL } from "./manifests.ts";

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

const CONTROL_PLANE = new Set(["kube-controller-manager", "kube-scheduler", "kubelet", "kube-apiserver"]);

/** Set on an object the tour took over from someone else (`--take-over`): its value is who. */
export const TAKEN_OVER_ANNOTATION = "kubectl-bookinfo/taken-over-from";

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

/** Who the tour took the object over from, when it did. */
export function takenOverFrom(object: KubeObject): string | undefined {
  return object.metadata.annotations?.[TAKEN_OVER_ANNOTATION];
}

/** Whether the tour made this object itself: it wrote it, and did not take it over from someone. */
export function madeByTour(object: KubeObject): boolean {
  return isOurs(object) && takenOverFrom(object) === undefined;
}

/**
 * Who an object the tour did not make belongs to, in a few words: the tool that says it
 * manages it (Helm's label), the controller that owns it, else the field managers that wrote
 * its fields (status writers aside), e.g. "kubectl-client-side-apply".
 */
export function ownerOf(object: KubeObject): string {
  const label = object.metadata.labels?.[MANAGED_BY_LABEL];
  if (label && label !== FIELD_MANAGER) return label;
  const controller = object.metadata.ownerReferences?.find((ref) => ref.controller);
  if (controller) return `${controller.kind} ${controller.name}`;
  const writers = [
    ...new Set(
      entries(object)
        .filter((e) => e.subresource !== "status" && e.manager && !e.manager.startsWith(FIELD_MANAGER))
        .map((e) => e.manager!),
    ),
  ];
  // Controllers write bookkeeping (a deployment's revision annotation) on everyone's objects.
  const people = writers.filter((manager) => !CONTROL_PLANE.has(manager));
  const managers = people.length > 0 ? people : writers;
  return managers.length > 0 ? managers.join(" and ") : "someone else";
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
