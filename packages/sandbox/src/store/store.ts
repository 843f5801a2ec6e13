import { randomUUID } from "node:crypto";
import type { KubeObject } from "../kube.ts";
import { DEFAULT_BUDGET, type StoreBudget, StoreBudgetError } from "./budget.ts";

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
  /** Each stored object's JSON size, by the same keys as #objects. */
  #sizes = new Map<string, Map<string, number>>();
  #count = 0;
  #bytes = 0;
  #history: StoreEvent[] = [];
  #historySizes: number[] = [];
  #historyBytes = 0;
  #listeners = new Set<StoreListener>();
  #clock: () => Date;
  readonly budget: StoreBudget;

  constructor(clock: () => Date = () => new Date(), budget: StoreBudget = DEFAULT_BUDGET) {
    this.#clock = clock;
    this.budget = budget;
  }

  /** Objects stored and the bytes of their JSON, for the budget and for benchmarks. */
  get usage(): { objects: number; bytes: number; historyBytes: number } {
    return { objects: this.#count, bytes: this.#bytes, historyBytes: this.#historyBytes };
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
    stored.metadata.resourceVersion = String(this.#revision + 1);
    // Measured (and so proven serializable) before anything changes: a write that fails here
    // leaves the store as it was.
    const size = sizeOf(stored);
    this.#admit(resource, meta.namespace, size, 0, true);
    ++this.#revision;
    bucket.set(k, stored);
    this.#account(resource, k, size);
    this.#emit({ type: "ADDED", resource, object: stored, resourceVersion: this.#revision }, size);
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
    stored.metadata.resourceVersion = String(this.#revision + 1);
    const size = sizeOf(stored);
    const before = this.#sizes.get(resource)?.get(k) ?? 0;
    this.#admit(resource, object.metadata.namespace, size, before, false);
    ++this.#revision;
    bucket.set(k, stored);
    this.#account(resource, k, size);
    this.#emit(
      {
        type: "MODIFIED",
        resource,
        object: stored,
        previous: current,
        resourceVersion: this.#revision,
      },
      size,
    );
    return structuredClone(stored);
  }

  /** Remove an object for good (graceful deletion is the API layer's business). */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#objects.get(resource);
    const k = key(namespace, name);
    const current = bucket?.get(k);
    if (!bucket || !current) return undefined;
    bucket.delete(k);
    this.#account(resource, k, undefined);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.#revision);
    this.#emit({ type: "DELETED", resource, object: gone, resourceVersion: this.#revision }, 0);
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

  /** Refuses a write the budget has no room for, before it changes anything. */
  #admit(
    resource: string,
    namespace: string | undefined,
    size: number,
    before: number,
    adding: boolean,
  ): void {
    const budget = this.budget;
    if (size > budget.maxObjectBytes)
      throw new StoreBudgetError("objectBytes", "storage/object-bytes", size, 0, budget.maxObjectBytes);
    if (this.#bytes - before + size > budget.maxBytes)
      throw new StoreBudgetError("bytes", "storage/bytes", size, this.#bytes, budget.maxBytes);
    if (!adding) return;
    if (this.#count + 1 > budget.maxObjects)
      throw new StoreBudgetError("objects", "count/objects", 1, this.#count, budget.maxObjects);
    const perNamespace = budget.perNamespace[resource];
    if (perNamespace !== undefined && namespace !== undefined) {
      let used = 0;
      for (const other of this.#objects.get(resource)?.values() ?? [])
        if (other.metadata.namespace === namespace) used++;
      if (used + 1 > perNamespace)
        throw new StoreBudgetError("perNamespace", resource, 1, used, perNamespace);
    }
  }

  /** Keeps the counts in step with #objects; `size` undefined for a removal. */
  #account(resource: string, k: string, size: number | undefined): void {
    let sizes = this.#sizes.get(resource);
    if (!sizes) {
      sizes = new Map();
      this.#sizes.set(resource, sizes);
    }
    const before = sizes.get(k);
    if (before !== undefined) {
      this.#bytes -= before;
      this.#count--;
    }
    if (size === undefined) sizes.delete(k);
    else {
      sizes.set(k, size);
      this.#bytes += size;
      this.#count++;
    }
  }

  /** Drops the history watches resume from, as etcd's compaction does: they then get 410. */
  compact(): void {
    this.#history = [];
    this.#historySizes = [];
    this.#historyBytes = 0;
  }

  #emit(event: StoreEvent, size: number): void {
    this.#history.push(event);
    this.#historySizes.push(size);
    this.#historyBytes += size;
    while (
      this.#history.length > HISTORY_LIMIT ||
      (this.#historyBytes > this.budget.maxHistoryBytes && this.#history.length > 1)
    ) {
      this.#history.shift();
      this.#historyBytes -= this.#historySizes.shift() ?? 0;
    }
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

/** An object's size as stored; throws (before any write) on what JSON cannot hold, e.g. a cycle. */
function sizeOf(object: KubeObject): number {
  return Buffer.byteLength(JSON.stringify(object));
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
