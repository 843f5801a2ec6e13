import type { ObjectService } from "../api/objects.ts";
import { findResource } from "../api/resources.ts";
import { StatusError } from "../api/status.ts";
import type { KubeObject } from "../kube.ts";

// Events as the cluster's components record them. The kubelet and kube-controller-manager
// use the core/v1 recorder (source, first/last timestamp, count, one object per distinct
// event, repeats counted rather than stored again); the scheduler uses events.k8s.io, which
// core/v1 shows with eventTime and the reporting fields instead. The API server keeps events
// for an hour; the sandbox also caps how many it keeps.

const EVENTS = findResource("", "v1", "events")!;

/** Who records: a component and, for node agents, the node. */
export interface EventSource {
  component: string;
  host?: string;
  /** The new events API (events.k8s.io), as the scheduler uses it. */
  newApi?: { instance: string; action: string };
}

export interface EventRecord {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The part of the object: "spec.containers{details}". */
  fieldPath?: string;
}

// --event-ttl's default.
const TTL_MS = 60 * 60 * 1000;
const MAX_EVENTS = 2000;
const SWEEP_MS = 60 * 1000;

interface Tracked {
  namespace: string;
  name: string;
  count: number;
  last: number;
}

export class EventRecorder {
  readonly #objects: ObjectService;
  readonly #now: () => Date;
  /** Identity of an event -> the stored object counting its repeats. */
  readonly #seen = new Map<string, Tracked>();
  readonly #sweep: NodeJS.Timeout;

  constructor(objects: ObjectService, now: () => Date = () => new Date()) {
    this.#objects = objects;
    this.#now = now;
    this.#sweep = setInterval(() => this.expire(), SWEEP_MS);
    this.#sweep.unref();
  }

  stop(): void {
    clearInterval(this.#sweep);
  }

  /** Records `event` about `object` (which must have been written: it needs its uid). */
  record(object: KubeObject, event: EventRecord, source: EventSource): void {
    const namespace = object.metadata.namespace ?? "default";
    const involvedObject = {
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
      apiVersion: object.apiVersion,
      resourceVersion: object.metadata.resourceVersion,
      ...(event.fieldPath ? { fieldPath: event.fieldPath } : {}),
    };
    const identity = JSON.stringify([
      source.component,
      source.host,
      involvedObject.kind,
      involvedObject.namespace,
      involvedObject.name,
      involvedObject.uid,
      event.fieldPath,
      event.type,
      event.reason,
      event.message,
    ]);
    const now = this.#now();
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    try {
      const tracked = this.#seen.get(identity);
      if (tracked && this.#repeat(tracked, now, stamp, source)) return;
      const name = `${object.metadata.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(this.#seen.size % 1000)).toString(16)}`;
      const body: KubeObject = source.newApi
        ? {
            apiVersion: "v1",
            kind: "Event",
            metadata: { name, namespace },
            involvedObject,
            reason: event.reason,
            message: event.message,
            source: {},
            firstTimestamp: null,
            lastTimestamp: null,
            type: event.type,
            eventTime: now.toISOString().replace(/Z$/, "000Z"),
            action: source.newApi.action,
            reportingComponent: source.component,
            reportingInstance: source.newApi.instance,
          }
        : {
            apiVersion: "v1",
            kind: "Event",
            metadata: { name, namespace },
            involvedObject,
            reason: event.reason,
            message: event.message,
            source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
            firstTimestamp: stamp,
            lastTimestamp: stamp,
            count: 1,
            type: event.type,
            eventTime: null,
            reportingComponent: source.component,
            reportingInstance: source.host ?? "",
          };
      this.#objects.create(EVENTS, namespace, body, { manager: source.component });
      this.#seen.set(identity, { namespace, name, count: 1, last: now.getTime() });
      if (this.#seen.size > MAX_EVENTS) this.#evictOldest();
    } catch (error) {
      // A namespace being deleted refuses new events; the event is simply lost, as on a cluster.
      if (!(error instanceof StatusError)) throw error;
    }
  }

  /** A repeat of a recorded event: its count and last timestamp go up. */
  #repeat(tracked: Tracked, now: Date, stamp: string, source: EventSource): boolean {
    const stored = this.#objects.find(EVENTS, tracked.namespace, tracked.name);
    if (!stored) return false;
    tracked.count += 1;
    tracked.last = now.getTime();
    const next = source.newApi
      ? {
          ...stored,
          series: { count: tracked.count, lastObservedTime: now.toISOString().replace(/Z$/, "000Z") },
        }
      : { ...stored, count: tracked.count, lastTimestamp: stamp };
    this.#objects.update(EVENTS, tracked.namespace, tracked.name, next, { manager: source.component });
    return true;
  }

  /** Removes events last seen more than the TTL ago, as the API server's lease does. */
  expire(): void {
    const cutoff = this.#now().getTime() - TTL_MS;
    for (const [identity, tracked] of this.#seen) {
      if (tracked.last >= cutoff) continue;
      this.#forget(identity, tracked);
    }
  }

  #evictOldest(): void {
    const [identity, tracked] = [...this.#seen].reduce((a, b) => (b[1].last < a[1].last ? b : a));
    this.#forget(identity, tracked);
  }

  #forget(identity: string, tracked: Tracked): void {
    this.#seen.delete(identity);
    try {
      this.#objects.delete(EVENTS, tracked.namespace, tracked.name, {});
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
    }
  }
}
