// A workshop room: one shared cluster, one namespace per attendee. `workshop setup` makes the
// namespaces and writes each one's settings into a ConfigMap there (the host their Gateway binds,
// the GATEWAY_URL to use, where the room's pace is kept); a room made by hand works the same once
// those ConfigMaps exist, and without them the tour is the ordinary tour.

import type { KubeObject } from "./kube.ts";
import type { Snapshot } from "./snapshot.ts";

/** On everything `workshop setup` makes; its value is the room's name (the namespace prefix). */
export const ROOM_LABEL = "kubectl-bookinfo/room";
/** The ConfigMap in an attendee's namespace that holds the room's settings for them. */
export const ROOM_CONFIG = "bookinfo-workshop";
/** The facilitator's namespace: where each room's pace is recorded, and who may read it. */
export const FACILITATOR_NAMESPACE = "bookinfo-workshop";
/** Where one room's pace is kept, in FACILITATOR_NAMESPACE. */
export const paceConfigName = (room: string) => `pace-${room}`;
/** The host an attendee's Gateway binds when the facilitator names no suffix. */
export const DEFAULT_HOST_SUFFIX = "bookinfo.local";

/** The keys of the ROOM_CONFIG ConfigMap. */
export const ROOM_KEYS = { room: "room", host: "host", gatewayUrl: "gatewayUrl", pace: "pace" } as const;

export interface RoomSettings {
  room: string | null;
  host: string | null;
  gatewayUrl: string | null;
  /** namespace/name of the pace ConfigMap. */
  pace: { namespace: string; name: string } | null;
}

/** A DNS-1123 subdomain, as a Gateway host and a Host header must be. */
export function isHostName(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= 253 &&
    text.split(".").every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))
  );
}

/** The settings a room's ConfigMap gives; what is missing or malformed is left out. */
export function roomSettings(config: KubeObject | null): RoomSettings | null {
  if (!config) return null;
  const data = (config.data ?? {}) as Record<string, unknown>;
  const text = (key: string) => {
    const value = data[key];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const host = text(ROOM_KEYS.host)?.toLowerCase() ?? null;
  const [paceNamespace, paceName, ...rest] = (text(ROOM_KEYS.pace) ?? "").split("/");
  return {
    room: text(ROOM_KEYS.room),
    host: host && isHostName(host) ? host : null,
    gatewayUrl: text(ROOM_KEYS.gatewayUrl),
    pace:
      paceNamespace && paceName && rest.length === 0 ? { namespace: paceNamespace, name: paceName } : null,
  };
}

/** The host to send and bind: `--host` first, then the room's; null for the tutorial's "*". */
export function hostFor(snapshot: Pick<Snapshot, "roomConfig">, flagHost?: string): string | null {
  return flagHost?.toLowerCase() || roomSettings(snapshot.roomConfig)?.host || null;
}

/** The stage the room's facilitator says the room should be at, when this user can read it. */
export function roomPace(snapshot: Pick<Snapshot, "roomConfig" | "roomPace">): string | null {
  const ref = roomSettings(snapshot.roomConfig)?.pace;
  const pace = snapshot.roomPace;
  if (!ref || !pace) return null;
  if (pace.metadata.namespace !== ref.namespace || pace.metadata.name !== ref.name) return null;
  return paceStage(pace);
}

/** The stage a pace ConfigMap records. */
export function paceStage(pace: KubeObject | null): string | null {
  const stage = ((pace?.data ?? {}) as Record<string, unknown>).stage;
  return typeof stage === "string" && stage !== "" ? stage : null;
}

/** One attendee as the facilitator's room follows them: their snapshot and since when things moved. */
export interface AttendeeProgress {
  snapshot: Snapshot;
  /** When their current stage became current; null when not known. */
  stageSince: number | null;
  /** When anything in their namespace last changed; null when not known. */
  lastChange: number | null;
  /** Pages from before this moment came through other routing: the split leaves them out. */
  samplesSince: number;
}

/** The room at one moment, for the rows of every view of it. */
export interface RoomState {
  room: string;
  context: string;
  server: string;
  /** Where the facilitator says the room should be. */
  pace: string | null;
  attendees: AttendeeProgress[];
}

/**
 * When anything in the namespace last changed, as far as the objects tell: creation, the latest
 * write of any field manager, a deletion begun, a pod condition turning; for a namespace with
 * nothing in it yet, when it (or the room's settings in it) was made. Null when nothing is known.
 */
export function lastChangeAt(snapshot: Snapshot): number | null {
  let latest = Number.NEGATIVE_INFINITY;
  const consider = (stamp: unknown) => {
    if (typeof stamp !== "string") return;
    const ms = Date.parse(stamp);
    if (Number.isFinite(ms) && ms > latest) latest = ms;
  };
  const objects: KubeObject[] = [
    ...snapshot.pods,
    ...snapshot.deployments,
    ...snapshot.services,
    ...snapshot.gateways,
    ...snapshot.virtualServices,
    ...snapshot.destinationRules,
  ];
  for (const object of objects) {
    consider(object.metadata.creationTimestamp);
    consider(object.metadata.deletionTimestamp);
    for (const entry of object.metadata.managedFields ?? []) consider((entry as { time?: unknown }).time);
  }
  for (const pod of snapshot.pods)
    for (const condition of pod.status?.conditions ?? []) consider(condition.lastTransitionTime);
  consider(snapshot.namespaceObject?.metadata.creationTimestamp);
  consider(snapshot.roomConfig?.metadata.creationTimestamp);
  return Number.isFinite(latest) ? latest : null;
}
