// Folds watch events into a Snapshot. Immutable, so the UI can compare by reference; batched, so
// a burst of events (a relist, a rollout) costs one new snapshot and one render, not hundreds.

import type { KubeObject, Pod } from "./kube.ts";
import type { Sample, Snapshot, SnapshotEvent, WatchedResource } from "./snapshot.ts";

/** How many names of departed pods a snapshot keeps: a few rollouts' worth. */
const MAX_DEPARTED = 100;

/** How many samples a snapshot keeps; enough for the split and percentiles, bounded for memory. */

/**
 * How many samples a snapshot keeps, all streams together: enough for the split verdict's
 * minimum sample size in each stream, and for percentiles; bounded for memory.
 */
export const MAX_SAMPLES = 600;

/** The lists whose specs decide where a request goes. */
const ROUTING_FIELDS: readonly ListField[] = ["gateways", "virtualServices", "destinationRules"];

type ListField =
  | "pods"
  | "deployments"
  | "services"
  | "gateways"
  | "virtualServices"
  | "destinationRules"
  | "clusterGateways"
  | "clusterVirtualServices"
  | "ingressPods";

/** Resources of which the snapshot keeps one object (a field-selected watch). */
type SingleField = "namespaceObject" | "ingressService" | "roomConfig" | "roomPace";

const LIST_FIELDS: Partial<Record<WatchedResource, ListField>> = {
  pods: "pods",
  deployments: "deployments",
  services: "services",
  gateways: "gateways",
  virtualservices: "virtualServices",
  destinationrules: "destinationRules",
  clusterGateways: "clusterGateways",
  clusterVirtualServices: "clusterVirtualServices",
  ingressPods: "ingressPods",
};

export function reduceSnapshot(snapshot: Snapshot, event: SnapshotEvent): Snapshot {
  return reduceAll(snapshot, [event]);
}

/**
 * Applies the events in order and returns one new snapshot, or the same one when nothing
 * changed (a DELETED for an object never seen, an empty batch).
 */
export function reduceAll(snapshot: Snapshot, events: readonly SnapshotEvent[]): Snapshot {
  const draft = new Draft(snapshot);
  for (const event of events) draft.apply(event);
  return draft.finish();
}

/** The identity of an object within one watched resource: namespace/name, else its uid. */
export function objectKey(object: KubeObject): string {
  const { namespace = "", name, uid } = object.metadata ?? {};
  return name ? `${namespace}/${name}` : `uid:${uid ?? ""}`;
}

class Draft {
  private readonly base: Snapshot;
  private readonly changes: Partial<Snapshot> = {};
  // Lists being edited in this batch, keyed by objectKey; a Map keeps the original order and
  // appends new objects at the end, and makes each event O(1) however large the list.
  private readonly lists = new Map<ListField, Map<string, KubeObject>>();
  private samples: Sample[] | undefined;
  private departed: string[] | undefined;
  /** A routing object changed through a watch event (a relist is where a watch resumes, not news). */
  private routingTouched = false;

  constructor(base: Snapshot) {
    this.base = base;
  }

  apply(event: SnapshotEvent): void {
    switch (event.kind) {
      case "object":
        this.object(event.resource, event.type, event.object);
        return;
      case "synced":
        this.synced(event.resource, event.objects);
        if (this.current("unreadable")[event.resource] !== undefined) {
          const { [event.resource]: _, ...rest } = this.current("unreadable");
          this.changes.unreadable = rest;
        }
        return;
      case "unreadable":
        if (this.current("unreadable")[event.resource] !== event.reason)
          this.changes.unreadable = { ...this.current("unreadable"), [event.resource]: event.reason };
        return;
      case "istio":
        this.changes.istio = event.istio;
        return;
      case "gateway":
        this.changes.gateway = event.gateway;
        return;
      case "host":
        if (this.current("host") !== event.host) this.changes.host = event.host;
        return;
      case "sample":
        this.samples ??= [...this.base.samples];
        this.samples.push(event.sample);
        // Trimmed per event, not at the end, so a huge batch never holds more than it keeps.
        if (this.samples.length > MAX_SAMPLES * 2) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
        return;
      case "tick":
        this.changes.now = event.now;
        return;
    }
  }

  finish(): Snapshot {
    const next: Partial<Snapshot> = { ...this.changes };
    for (const [field, objects] of this.lists) next[field] = [...objects.values()] as Pod[];
    if (this.samples) {
      next.samples =
        this.samples.length > MAX_SAMPLES
          ? this.samples.slice(this.samples.length - MAX_SAMPLES)
          : this.samples;
    }
    if (this.departed) next.departedPods = this.departed.slice(-MAX_DEPARTED);
    if (this.routingTouched) {
      const before = routingSignature(this.base);
      const after = routingSignature({ ...this.base, ...next });
      if (before !== after) next.routingChangedAt = next.now ?? this.base.now;
    }
    if (Object.keys(next).length === 0) return this.base;
    return { ...this.base, ...next };
  }

  private current<K extends keyof Snapshot>(field: K): Snapshot[K] {
    return (field in this.changes ? this.changes[field] : this.base[field]) as Snapshot[K];
  }

  private list(field: ListField): Map<string, KubeObject> {
    let objects = this.lists.get(field);
    if (!objects) {
      objects = new Map(this.base[field].map((o) => [objectKey(o), o]));
      this.lists.set(field, objects);
    }
    return objects;
  }

  private object(
    resource: WatchedResource,
    type: "ADDED" | "MODIFIED" | "DELETED",
    object: KubeObject,
  ): void {
    if (resource === "namespace") {
      // The namespace informer watches the tour's namespace only; anything else is not ours.
      if (object.metadata?.name !== this.base.namespace) return;
      this.single("namespaceObject", type, object);
      return;
    }
    if (resource === "ingressService" || resource === "roomConfig" || resource === "roomPace") {
      this.single(resource, type, object);
      return;
    }
    const field = LIST_FIELDS[resource];
    if (!field) return;
    if (ROUTING_FIELDS.includes(field)) this.routingTouched = true;
    const key = objectKey(object);
    if (type === "DELETED") {
      const known = this.lists.get(field)?.get(key) ?? this.base[field].find((o) => objectKey(o) === key);
      if (!known || !sameIncarnation(known, object)) return;
      this.list(field).delete(key);
      if (field === "pods") this.depart([object.metadata?.name ?? ""]);
      return;
    }
    this.list(field).set(key, object);
  }

  private single(field: SingleField, type: string, object: KubeObject): void {
    if (type !== "DELETED") {
      this.changes[field] = object;
      return;
    }
    const known = this.current(field);
    if (known && objectKey(known) === objectKey(object) && sameIncarnation(known, object)) {
      this.changes[field] = null;
    }
  }

  private synced(resource: WatchedResource, objects: KubeObject[]): void {
    if (resource === "namespace") {
      this.changes.namespaceObject = objects.find((o) => o.metadata?.name === this.base.namespace) ?? null;
      return;
    }
    if (resource === "ingressService" || resource === "roomConfig" || resource === "roomPace") {
      this.changes[resource] = objects[0] ?? null;
      return;
    }
    const field = LIST_FIELDS[resource];
    if (!field) return;
    const next = new Map(objects.map((o) => [objectKey(o), o]));
    // A relist drops what was deleted while no watch was open: those pods are gone too.
    if (field === "pods")
      this.depart([...this.list(field).keys()].filter((k) => !next.has(k)).map((k) => k.split("/")[1] ?? ""));
    this.lists.set(field, next);
  }

  private depart(names: string[]): void {
    const gone = names.filter((n) => n !== "");
    if (gone.length === 0) return;
    this.departed ??= [...this.base.departedPods];
    for (const name of gone) if (!this.departed.includes(name)) this.departed.push(name);
    if (this.departed.length > MAX_DEPARTED * 2) this.departed.splice(0, this.departed.length - MAX_DEPARTED);
  }
}

/** What the routing is made of: each object's identity and spec generation (metadata edits do not count). */
function routingSignature(snapshot: Pick<Snapshot, ListField>): string {
  return ROUTING_FIELDS.map((field) =>
    snapshot[field]
      .map((o) => `${objectKey(o)}@${o.metadata.generation ?? o.metadata.resourceVersion ?? ""}`)
      .sort()
      .join(","),
  ).join("|");
}

// A late DELETED for an object that was since re-created under the same name must not remove
// the new one; uids tell the two apart when both are known.
function sameIncarnation(known: KubeObject, deleted: KubeObject): boolean {
  const a = known.metadata?.uid;
  const b = deleted.metadata?.uid;
  return !a || !b || a === b;
}
