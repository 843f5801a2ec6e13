import { randomUUID } from "node:crypto";
import type { KubeObject } from "../kube.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A stored change. `resource` is the storage key, e.g. "pods" or "deployments.apps". */
export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  object: KubeObject;
  /** The object before a MODIFIED change, so watches can tell when it leaves a selector. */
  previous?: KubeObject;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

export class StoreConflictError extends Error {}
export class StoreNotFoundError extends Error {}
export class StoreExistsError extends Error {}

/**
 * How many past changes a watch may resume from. Older resourceVersions get 410 Gone, as on a
 * real API server after etcd compaction; kept small enough that memory stays flat under churn.
 */
const HISTORY_LIMIT = 2048;

const key = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

/**
 * The sandbox's etcd: every object by storage key, one global resourceVersion counter and a
 * bounded history that watches replay from. Objects handed out are copies, so no caller can
 * change stored state without a write that bumps the resourceVersion and notifies watchers.
 */
export class Store {
  #revision = 1;
  #objects = new Map<string, Map<string, KubeObject>>();
  #history: StoreEvent[] = [];
  #listeners = new Set<StoreListener>();
  #clock: () => Date;

  constructor(clock: () => Date = () => new Date()) {
    this.#clock = clock;
  }

  get revision(): number {
    return this.#revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.#history[0] ? this.#history[0].resourceVersion - 1 : this.#revision;
  }

  now(): Date {
    return this.#clock();
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#objects.get(resource)?.get(key(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /**
   * All objects of a resource, in one namespace or (namespace undefined) everywhere; with
   * `matches`, only those it accepts, tested before copying (a selector over thousands of pods
   * should cost what the few it selects cost).
   */
  list(resource: string, namespace?: string, matches?: (object: KubeObject) => boolean): KubeObject[] {
    const all = this.#objects.get(resource);
    if (!all) return [];
    const out: KubeObject[] = [];
    for (const object of all.values()) {
      if (
        (namespace === undefined || object.metadata.namespace === namespace) &&
        (!matches || matches(object))
      )
        out.push(structuredClone(object));
    }
    return out.sort(byNamespaceAndName);
  }

  /** Read without copying, for hot paths that promise not to mutate (controllers, routing). */
  peek(resource: string, namespace?: string): Iterable<KubeObject> {
    const all = this.#objects.get(resource)?.values() ?? [];
    if (namespace === undefined) return all;
    return [...all].filter((o) => o.metadata.namespace === namespace);
  }

  create(resource: string, object: KubeObject): KubeObject {
    const meta = object.metadata;
    if (!meta.name) throw new Error("create needs metadata.name");
    const bucket = this.#bucket(resource);
    const k = key(meta.namespace, meta.name);
    if (bucket.has(k)) throw new StoreExistsError(`${resource} ${k} exists`);
    const stored = structuredClone(object);
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= this.#timestamp();
    stored.metadata.resourceVersion = String(++this.#revision);
    bucket.set(k, stored);
    this.#emit({ type: "ADDED", resource, object: stored, resourceVersion: this.#revision });
    return structuredClone(stored);
  }

  /**
   * Replace an object. With `expectedResourceVersion` the write fails when someone else wrote
   * in between (optimistic concurrency, as the API server does for PUT and retried PATCH).
   * Generation moves only when spec-like content changes, which is what `rollout status` reads.
   */
  update(resource: string, object: KubeObject, expectedResourceVersion?: string): KubeObject {
    const bucket = this.#bucket(resource);
    const k = key(object.metadata.namespace, object.metadata.name ?? "");
    const current = bucket.get(k);
    if (!current) throw new StoreNotFoundError(`${resource} ${k} not found`);
    if (expectedResourceVersion && expectedResourceVersion !== current.metadata.resourceVersion) {
      throw new StoreConflictError(`${resource} ${k} was modified`);
    }
    const stored = structuredClone(object);
    stored.metadata.uid = current.metadata.uid;
    stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
    stored.metadata.generation = current.metadata.generation;
    if (stored.metadata.generation === undefined) delete stored.metadata.generation;
    stored.metadata.resourceVersion = current.metadata.resourceVersion;
    if (sameContent(current, stored)) return structuredClone(current);
    if (stored.metadata.generation !== undefined && specChanged(current, stored))
      stored.metadata.generation += 1;
    stored.metadata.resourceVersion = String(++this.#revision);
    bucket.set(k, stored);
    this.#emit({
      type: "MODIFIED",
      resource,
      object: stored,
      previous: current,
      resourceVersion: this.#revision,
    });
    return structuredClone(stored);
  }

  /** Remove an object for good (graceful deletion is the API layer's business). */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#objects.get(resource);
    const k = key(namespace, name);
    const current = bucket?.get(k);
    if (!bucket || !current) return undefined;
    bucket.delete(k);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.#revision);
    this.#emit({ type: "DELETED", resource, object: gone, resourceVersion: this.#revision });
    return structuredClone(gone);
  }

  /** Changes after `resourceVersion` for one resource, or "gone" when they were compacted. */
  changesSince(resource: string, resourceVersion: number): StoreEvent[] | "gone" {
    if (resourceVersion < this.oldestResumable) return "gone";
    return this.#history.filter((e) => e.resource === resource && e.resourceVersion > resourceVersion);
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  #bucket(resource: string): Map<string, KubeObject> {
    let bucket = this.#objects.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(resource, bucket);
    }
    return bucket;
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > HISTORY_LIMIT) this.#history.splice(0, this.#history.length - HISTORY_LIMIT);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One broken watcher must not stop the others or the write that triggered it.
        process.emitWarning(`store listener failed: ${(error as Error).message}`);
      }
    }
  }

  #timestamp(): string {
    return this.#clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  }
}

const byNamespaceAndName = (a: KubeObject, b: KubeObject) =>
  key(a.metadata.namespace, a.metadata.name ?? "").localeCompare(
    key(b.metadata.namespace, b.metadata.name ?? ""),
  );

/** Everything but status and bookkeeping metadata counts as spec for generation. */
function specChanged(before: KubeObject, after: KubeObject): boolean {
  const { metadata: _bm, status: _bs, ...a } = before;
  const { metadata: _am, status: _as, ...b } = after;
  return !sameJson(a, b);
}

function sameContent(before: KubeObject, after: KubeObject): boolean {
  return sameJson(before, after);
}

/**
 * JSON equality regardless of key order, as the API server compares encoded objects (its
 * encoding sorts keys): a write that only reorders keys is no change. Undefined is absent.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && sameJson(x[k], y[k]));
}
