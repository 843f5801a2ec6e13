import type { ObjectService } from "../api/objects.ts";
import { StatusError } from "../api/status.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import type { Store, StoreEvent } from "../store/store.ts";
import { EventRecorder } from "./events.ts";

/** A coalescing set of object keys waiting for one controller's reconcile function. */
export interface WorkQueue {
  add(key: string): void;
  /** Reconcile `key` after `seconds` of simulated time (scaled by speed). */
  addAfter(key: string, seconds: number): void;
}

type Reconcile = (key: string) => void;

interface Queue extends WorkQueue {
  readonly name: string;
  readonly pending: Set<string>;
  readonly reconcile: Reconcile;
  readonly retries: Map<string, number>;
  readonly delayed: Map<string, () => void>;
}

// Conflicts clear as soon as the loser re-reads, so a few quick retries are enough; the
// object's next change re-triggers the controller anyway.
const MAX_RETRIES = 8;
// Reconciling is synchronous; yielding now and then keeps the API server responsive in a burst.
const BATCH = 200;

/**
 * What every controller shares: the object service, simulated time, and one scheduler that
 * drains the controllers' work queues outside store listeners. Store listeners run inside the
 * write that fired them, so controllers only enqueue there and do their own writes later.
 */
export class Runtime {
  readonly store: Store;
  #timers = new Set<NodeJS.Timeout>();
  #queues: Queue[] = [];
  #unsubscribe: (() => void)[] = [];
  #flush: NodeJS.Immediate | undefined;
  #flushing = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  /** The node's container logs (kubelet writes what containers print there). */
  readonly logs: ContainerLogs | undefined;
  /** The Istio version the cluster runs, as its proxies report it. */
  readonly istioVersion: string;
  /** Where every component records its Events. */
  readonly events: EventRecorder;

  constructor(
    readonly objects: ObjectService,
    readonly nodeName: string,
    readonly speed: number,
    extras: { logs?: ContainerLogs; istioVersion?: string } = {},
  ) {
    this.logs = extras.logs;
    this.istioVersion = extras.istioVersion ?? "1.28.1";
    this.events = new EventRecorder(objects, () => this.store.now());
    if (!(speed > 0)) throw new Error(`speed must be a positive number, got ${speed}`);
    this.store = objects.store;
  }

  /** Listen to every store change. A failing listener is reported, never thrown into the writer. */
  watch(listener: (event: StoreEvent) => void): void {
    const unsubscribe = this.store.subscribe((event) => {
      if (this.#stopped) return;
      try {
        listener(event);
      } catch (error) {
        this.#report("watch", error);
      }
    });
    this.#unsubscribe.push(unsubscribe);
  }

  queue(name: string, reconcile: Reconcile): WorkQueue {
    const queue: Queue = {
      name,
      reconcile,
      pending: new Set(),
      retries: new Map(),
      delayed: new Map(),
      add: (key) => {
        if (this.#stopped) return;
        queue.pending.add(key);
        this.#schedule();
      },
      addAfter: (key, seconds) => {
        if (this.#stopped || queue.delayed.has(key)) return;
        const cancel = this.after(seconds, () => {
          queue.delayed.delete(key);
          queue.add(key);
        });
        queue.delayed.set(key, cancel);
      },
    };
    this.#queues.push(queue);
    return queue;
  }

  /** Run `fn` after `seconds` of simulated time. Returns a cancel function. */
  after(seconds: number, fn: () => void): () => void {
    if (this.#stopped) return () => {};
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (this.#stopped) return;
        try {
          fn();
        } catch (error) {
          this.#report("timer", error);
        }
        this.#checkIdle();
      },
      Math.max(0, (seconds * 1000) / this.speed),
    );
    this.#timers.add(timer);
    return () => {
      if (!this.#timers.delete(timer)) return;
      clearTimeout(timer);
      this.#checkIdle();
    };
  }

  now(): Date {
    return this.store.now();
  }

  /** RFC 3339 with second precision, as the API server writes times. */
  timestamp(at: Date = this.now()): string {
    return at.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** Resolves once no work is queued and no simulated delay is pending. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  stop(): void {
    this.#stopped = true;
    this.events.stop();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#flush) clearImmediate(this.#flush);
    this.#flush = undefined;
    for (const queue of this.#queues) {
      queue.pending.clear();
      queue.delayed.clear();
    }
    this.#checkIdle();
  }

  #schedule(): void {
    if (this.#flush || this.#flushing || this.#stopped) return;
    this.#flush = setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#flush = undefined;
    this.#flushing = true;
    let budget = BATCH;
    try {
      while (budget > 0 && !this.#stopped) {
        const queue = this.#queues.find((q) => q.pending.size > 0);
        if (!queue) break;
        const [key] = queue.pending;
        if (key === undefined) break;
        queue.pending.delete(key);
        budget--;
        this.#run(queue, key);
      }
    } finally {
      this.#flushing = false;
    }
    if (this.#queues.some((q) => q.pending.size > 0)) this.#schedule();
    this.#checkIdle();
  }

  #run(queue: Queue, key: string): void {
    try {
      queue.reconcile(key);
      queue.retries.delete(key);
    } catch (error) {
      if (isRetryable(error)) {
        const attempt = (queue.retries.get(key) ?? 0) + 1;
        if (attempt <= MAX_RETRIES) {
          queue.retries.set(key, attempt);
          // Backoff in wall-clock terms: a conflict is not part of the simulated timeline.
          queue.addAfter(key, 0.005 * 2 ** attempt * this.speed);
          return;
        }
      }
      queue.retries.delete(key);
      if (!isExpected(error)) this.#report(`${queue.name} ${key}`, error);
    }
  }

  #checkIdle(): void {
    if (!this.#idleWaiters.length) return;
    const busy =
      !this.#stopped &&
      (this.#flush !== undefined ||
        this.#flushing ||
        this.#timers.size > 0 ||
        this.#queues.some((q) => q.pending.size));
    if (busy) return;
    const waiters = this.#idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  #report(where: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(`sandbox controller ${where}: ${message}`);
  }
}

const isRetryable = (error: unknown) => error instanceof StatusError && error.code === 409;

/**
 * Outcomes a real controller also meets in normal operation and shrugs off: the object went
 * away meanwhile, or its namespace is being torn down and refuses new content.
 */
const isExpected = (error: unknown) =>
  error instanceof StatusError && (error.code === 404 || error.code === 409 || error.code === 403);
