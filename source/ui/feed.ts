// Between the tour session and React: snapshots arrive with every watch event and every sample
// (several a second during a rollout); the screen gets at most one per interval. The first change
// after a quiet spell goes out at once, so a pod change shows within a frame, and a burst of
// changes becomes one frame. Also keeps AGE columns ticking while nothing happens.

import { podRows } from "../model/podRows.ts";
import type { Snapshot } from "../model/snapshot.ts";

export interface SnapshotSource {
  snapshot(): Snapshot;
  subscribe(listener: (snapshot: Snapshot) => void): () => void;
}

export interface FeedState {
  snapshot: Snapshot;
  /**
   * When the routing the samples went through last changed (Gateway, VirtualService,
   * DestinationRule, the address). The samples panel counts from there, so it shows what the
   * current configuration does instead of a mix of before and after.
   */
  configChangedAt: number;
}

export interface FeedOptions {
  /** Least time between two frames' worth of changes. */
  intervalMs?: number;
  /**
   * Least time between frames when only samples (and the clock) changed: the panel's counts
   * need not move four times a second, and drawing is most of what an idle tour costs.
   */
  samplesIntervalMs?: number;
  /**
   * How often ages are brought up to date when nothing else changes. Every 2 s, as k9s does:
   * a frame costs Ink a full layout of the screen, and a tour left open on young pods would
   * otherwise draw every second for ten minutes.
   */
  clockMs?: number;
  now?: () => number;
}

/** Frames of samples and ages alone come at most this often. */
const IDLE_FRAME_MS = 2_000;

export class SnapshotFeed {
  #state: FeedState;
  #signature: string;
  #pending: Snapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerUrgent = false;
  #clock: NodeJS.Timeout | undefined;
  #clockMs: number;
  /** The age and restart texts of the state on screen, so a tick computes only the new ones. */
  #timeTexts: { snapshot: Snapshot; texts: string } | undefined;
  #lastFlush = Number.NEGATIVE_INFINITY;
  #listeners = new Set<() => void>();
  #unsubscribe: () => void;
  readonly #interval: number;
  readonly #samplesInterval: number;
  readonly #now: () => number;

  constructor(source: SnapshotSource, options: FeedOptions = {}) {
    this.#interval = options.intervalMs ?? 50;
    this.#samplesInterval = Math.max(this.#interval, options.samplesIntervalMs ?? IDLE_FRAME_MS);
    this.#now = options.now ?? Date.now;
    const first = source.snapshot();
    this.#state = { snapshot: first, configChangedAt: 0 };
    this.#signature = configSignature(first);
    this.#unsubscribe = source.subscribe((snapshot) => this.#offer(snapshot));
    const clockMs = options.clockMs ?? IDLE_FRAME_MS;
    this.#clockMs = clockMs;
    if (clockMs > 0) {
      this.#clock = setInterval(() => this.#tick(), clockMs);
      // The clock alone must never keep the process alive after the UI is gone.
      this.#clock.unref();
    }
  }

  /** The current state; the same object until the next flush (what useSyncExternalStore needs). */
  get = (): FeedState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Shows what is waiting now: after a burst the person expects its samples at once. */
  flushNow(): void {
    if (!this.#pending) return;
    clearTimeout(this.#timer);
    this.#flush();
  }

  close(): void {
    this.#unsubscribe();
    clearTimeout(this.#timer);
    clearInterval(this.#clock);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #offer(snapshot: Snapshot): void {
    const urgent = this.#timerUrgent || !onlySamplesChanged(this.#state.snapshot, snapshot);
    this.#pending = snapshot;
    // A cluster change arriving while only samples wait moves the frame earlier.
    if (this.#timer && (this.#timerUrgent || !urgent)) return;
    clearTimeout(this.#timer);
    this.#timerUrgent = urgent;
    const wait = this.#lastFlush + (urgent ? this.#interval : this.#samplesInterval) - this.#now();
    if (wait <= 0) this.#flush();
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #tick(): void {
    if (this.#pending || this.#timer) return;
    const now = this.#now();
    const current = this.#state.snapshot;
    if (current.pods.length === 0 || now - current.now < Math.min(this.#clockMs, 1_000)) return;
    // Only ages move with time alone: every tick while they read "45s" or "3m20s", once a
    // minute or less after that, so a tour left open on an old namespace draws next to nothing.
    if (this.#timeTexts?.snapshot !== current)
      this.#timeTexts = { snapshot: current, texts: timeTexts(current, current.now) };
    if (this.#timeTexts.texts === timeTexts(current, now)) return;
    this.#offer({ ...current, now });
  }

  #flush(): void {
    this.#timer = undefined;
    this.#timerUrgent = false;
    const snapshot = this.#pending;
    this.#pending = undefined;
    if (!snapshot) return;
    this.#lastFlush = this.#now();
    const signature = configSignature(snapshot);
    let configChangedAt = this.#state.configChangedAt;
    if (signature !== this.#signature) {
      this.#signature = signature;
      configChangedAt = snapshot.now;
    }
    this.#state = { snapshot, configChangedAt };
    for (const listener of [...this.#listeners]) listener();
  }
}

function timeTexts(snapshot: Snapshot, now: number): string {
  return podRows({ pods: snapshot.pods, now })
    .map((row) => `${row.age} ${row.restartsText}`)
    .join("|");
}

/** The reducer keeps what an event did not touch, so identity says what changed. */
function onlySamplesChanged(before: Snapshot, after: Snapshot): boolean {
  for (const key of Object.keys(after) as (keyof Snapshot)[]) {
    if (key === "samples" || key === "now") continue;
    if (before[key] !== after[key]) return false;
  }
  return true;
}

/** What decides where a request to GATEWAY_URL goes; spec changes only (generation). */
export function configSignature(snapshot: Snapshot): string {
  const ids = (objects: Snapshot["gateways"]) =>
    objects
      .map(
        (o) =>
          `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.generation ?? o.metadata.resourceVersion}`,
      )
      .sort()
      .join(",");
  return [
    snapshot.gateway?.url ?? "",
    ids(snapshot.gateways),
    ids(snapshot.virtualServices),
    ids(snapshot.destinationRules),
  ].join("|");
}
