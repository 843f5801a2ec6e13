// The facilitator's room from one watch per kind for the whole cluster: each event is split by
// namespace and becomes, for each attendee, exactly the event their own tour's watches would have
// seen, folded by the same reducer. So an attendee's stages in the room are what `status -n` says.

import type { KubeObject, Pod } from "./kube.ts";
import { objectKey, reduceAll } from "./reduceSnapshot.ts";
import { FACILITATOR_NAMESPACE } from "./room.ts";
import {
  emptySnapshot,
  type IstioInfo,
  type Snapshot,
  type SnapshotEvent,
  type WatchedResource,
} from "./snapshot.ts";

/** Resources that live in the attendees' namespaces: each attendee gets their own part. */
const PER_NAMESPACE: readonly WatchedResource[] = [
  "pods",
  "deployments",
  "services",
  "gateways",
  "virtualservices",
  "destinationrules",
  "roomConfig",
];

/** Where the tour's own watches find the ingress gateway; the room reads it from the same lists. */
const INGRESS = {
  namespace: "istio-system",
  service: "istio-ingressgateway",
  label: ["istio", "ingressgateway"],
};

const isIngressPod = (pod: KubeObject) => pod.metadata.labels?.[INGRESS.label[0]!] === INGRESS.label[1];
const isIngressService = (service: KubeObject) =>
  service.metadata.namespace === INGRESS.namespace && service.metadata.name === INGRESS.service;

export interface RoomTarget {
  context: string;
  server: string;
}

/** Which namespaces are attendees': a name prefix, or whatever the namespaces' watch returns (a label selector). */
export type NamespaceFilter = (namespace: KubeObject) => boolean;

export const byPrefix =
  (prefix: string): NamespaceFilter =>
  (namespace) =>
    (namespace.metadata.name ?? "").startsWith(prefix);

export class RoomFold {
  readonly #target: RoomTarget;
  readonly #select: NamespaceFilter;
  /** Everything listed so far, by resource, then namespace, then object key. */
  readonly #cache = new Map<WatchedResource, Map<string, Map<string, KubeObject>>>();
  readonly #namespaces = new Map<string, KubeObject>();
  readonly #synced = new Set<WatchedResource>();
  readonly #unreadable = new Map<WatchedResource, string>();
  #istio: IstioInfo | undefined;
  #pace: KubeObject | null = null;
  #attendees = new Map<string, Snapshot>();

  constructor(target: RoomTarget, select: NamespaceFilter) {
    this.#target = target;
    this.#select = select;
  }

  /** The attendees' snapshots, by namespace; a new map whenever one of them changed. */
  snapshots(): ReadonlyMap<string, Snapshot> {
    return this.#attendees;
  }

  /** The room's pace ConfigMap, when watched and present. */
  pace(): KubeObject | null {
    return this.#pace;
  }

  /** Folds one batch of the room's events in; returns the namespaces whose snapshot changed. */
  apply(events: readonly SnapshotEvent[], now: number): Set<string> {
    const perAttendee = new Map<string, SnapshotEvent[]>();
    const toAll: SnapshotEvent[] = [];
    const to = (namespace: string, event: SnapshotEvent) => {
      const list = perAttendee.get(namespace);
      if (list) list.push(event);
      else perAttendee.set(namespace, [event]);
    };
    for (const event of events) {
      this.#remember(event);
      switch (event.kind) {
        case "synced":
          this.#splitSynced(event.resource, event.objects, to, toAll);
          break;
        case "object":
          this.#splitObject(event, to, toAll);
          break;
        case "unreadable":
          toAll.push(event);
          if (event.resource === "pods") toAll.push({ ...event, resource: "ingressPods" });
          if (event.resource === "services") toAll.push({ ...event, resource: "ingressService" });
          break;
        default:
          toAll.push(event);
      }
    }

    const changed = new Set<string>();
    const next = new Map<string, Snapshot>();
    for (const [name, namespace] of this.#namespaces) {
      if (name === FACILITATOR_NAMESPACE || !this.#select(namespace)) continue;
      const before = this.#attendees.get(name);
      const base = before ?? this.#seed(name);
      const own = perAttendee.get(name) ?? [];
      const after =
        before && own.length === 0 && toAll.length === 0
          ? before
          : reduceAll(base, [...toAll, ...own, { kind: "tick", now }]);
      next.set(name, after);
      if (after !== before) changed.add(name);
    }
    for (const name of this.#attendees.keys()) if (!next.has(name)) changed.add(name);
    if (changed.size > 0) this.#attendees = next;
    return changed;
  }

  /** Folds events into one attendee's snapshot only (their samples, their address); true if it changed. */
  applyTo(namespace: string, events: readonly SnapshotEvent[]): boolean {
    const before = this.#attendees.get(namespace);
    if (!before) return false;
    const after = reduceAll(before, events);
    if (after === before) return false;
    const next = new Map(this.#attendees);
    next.set(namespace, after);
    this.#attendees = next;
    return true;
  }

  /** Keeps the lists, so an attendee namespace that turns up later starts from what is known. */
  #remember(event: SnapshotEvent): void {
    if (event.kind === "istio") this.#istio = event.istio;
    if (event.kind === "unreadable") this.#unreadable.set(event.resource, event.reason);
    if (event.kind === "synced") this.#unreadable.delete(event.resource);
    if (event.kind !== "synced" && event.kind !== "object") return;
    const { resource } = event;
    if (resource === "namespace") {
      if (event.kind === "synced") {
        this.#namespaces.clear();
        for (const ns of event.objects) this.#namespaces.set(ns.metadata.name ?? "", ns);
      } else if (event.type === "DELETED") this.#namespaces.delete(event.object.metadata.name ?? "");
      else this.#namespaces.set(event.object.metadata.name ?? "", event.object);
      return;
    }
    if (resource === "roomPace") {
      this.#pace =
        event.kind === "synced" ? (event.objects[0] ?? null) : event.type === "DELETED" ? null : event.object;
      return;
    }
    let byNamespace = this.#cache.get(resource);
    if (!byNamespace) {
      byNamespace = new Map();
      this.#cache.set(resource, byNamespace);
    }
    if (event.kind === "synced") {
      this.#synced.add(resource);
      byNamespace.clear();
      for (const object of event.objects) namespaceList(byNamespace, object).set(objectKey(object), object);
      return;
    }
    const list = namespaceList(byNamespace, event.object);
    if (event.type === "DELETED") list.delete(objectKey(event.object));
    else list.set(objectKey(event.object), event.object);
  }

  #splitSynced(
    resource: WatchedResource,
    objects: KubeObject[],
    to: (namespace: string, event: SnapshotEvent) => void,
    toAll: SnapshotEvent[],
  ): void {
    if (resource === "namespace") {
      for (const ns of objects) to(ns.metadata.name ?? "", { kind: "synced", resource, objects: [ns] });
      return;
    }
    if (resource === "roomPace") {
      toAll.push({ kind: "synced", resource, objects });
      return;
    }
    if (resource === "pods")
      toAll.push({ kind: "synced", resource: "ingressPods", objects: objects.filter(isIngressPod) });
    if (resource === "services")
      toAll.push({ kind: "synced", resource: "ingressService", objects: objects.filter(isIngressService) });
    if (!PER_NAMESPACE.includes(resource)) return;
    const grouped = new Map<string, KubeObject[]>();
    for (const object of objects) {
      const ns = object.metadata.namespace ?? "";
      const list = grouped.get(ns);
      if (list) list.push(object);
      else grouped.set(ns, [object]);
    }
    // Every attendee hears the relist, those with nothing of that resource too.
    for (const name of this.#namespaces.keys())
      to(name, { kind: "synced", resource, objects: grouped.get(name) ?? [] });
  }

  #splitObject(
    event: Extract<SnapshotEvent, { kind: "object" }>,
    to: (namespace: string, event: SnapshotEvent) => void,
    toAll: SnapshotEvent[],
  ): void {
    const { resource, object } = event;
    if (resource === "namespace") {
      to(object.metadata.name ?? "", event);
      return;
    }
    if (resource === "roomPace") {
      toAll.push(event);
      return;
    }
    if (resource === "pods" && isIngressPod(object)) toAll.push({ ...event, resource: "ingressPods" });
    if (resource === "services" && isIngressService(object))
      toAll.push({ ...event, resource: "ingressService" });
    if (PER_NAMESPACE.includes(resource)) to(object.metadata.namespace ?? "", event);
  }

  /** A new attendee's snapshot from what the room's lists already hold. */
  #seed(namespace: string): Snapshot {
    const events: SnapshotEvent[] = [];
    if (this.#istio) events.push({ kind: "istio", istio: this.#istio });
    const ns = this.#namespaces.get(namespace);
    if (ns) events.push({ kind: "synced", resource: "namespace", objects: [ns] });
    for (const resource of this.#synced) {
      const objects = [...(this.#cache.get(resource)?.get(namespace)?.values() ?? [])];
      if (PER_NAMESPACE.includes(resource)) events.push({ kind: "synced", resource, objects });
      const all = () => [...(this.#cache.get(resource)?.values() ?? [])].flatMap((m) => [...m.values()]);
      if (resource === "pods")
        events.push({
          kind: "synced",
          resource: "ingressPods",
          objects: all().filter(isIngressPod) as Pod[],
        });
      if (resource === "services")
        events.push({ kind: "synced", resource: "ingressService", objects: all().filter(isIngressService) });
    }
    if (this.#pace) events.push({ kind: "synced", resource: "roomPace", objects: [this.#pace] });
    for (const [resource, reason] of this.#unreadable) events.push({ kind: "unreadable", resource, reason });
    return reduceAll(emptySnapshot(this.#target.context, namespace, this.#target.server), events);
  }
}

function namespaceList(byNamespace: Map<string, Map<string, KubeObject>>, object: KubeObject) {
  const ns = object.metadata.namespace ?? "";
  let list = byNamespace.get(ns);
  if (!list) {
    list = new Map();
    byNamespace.set(ns, list);
  }
  return list;
}
