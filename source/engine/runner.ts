// A stage's lifecycle, written once for every view: apply it through the cluster, take the
// samples it is judged by, wait until its check (read from the cluster) says done, give up when
// it stays failed past a grace period or its time runs out, and stop at once when cancelled.
// It emits events; `run` prints them and the tour's screen folds them into its state.

import { analyze } from "../analysis/analyze.ts";
import { explaining, type Finding } from "../analysis/finding.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { STAGES, stageById, stageNumber } from "../tutorial/lessons.ts";
import type {
  ClusterActions,
  InjectMethod,
  Stage,
  StageCheck,
  StageId,
  StageParameters,
} from "../tutorial/stage.ts";

/** What the runner needs from a tour session; the session has it, tests script it. */
export interface RunnerPort {
  snapshot(): Snapshot;
  subscribe(listener: (snapshot: Snapshot) => void): () => void;
  /**
   * The cluster's actions; each reports every object it changed as it goes, and stops when
   * `signal` fires. With `takeOver`, objects that exist and were not made by the tour are taken
   * over (and marked so) instead of stopping the apply.
   */
  actions(progress: {
    onApplied: (line: string) => void;
    signal: AbortSignal;
    takeOver?: boolean;
  }): ClusterActions;
  /** Takes `count` samples now in each of the streams (the anonymous one when none) and folds them in. */
  burst(count: number, streams?: string[]): Promise<void>;
}

export type RunEvent =
  /** The stage is being applied (its changes are being sent). */
  | { type: "started"; stage: StageId; number: number }
  /** One change, in kubectl's words ("deployment.apps/x restarted"). */
  | { type: "line"; stage: StageId; text: string }
  /** The changes are sent; from now on the check decides. */
  | { type: "applied"; stage: StageId }
  /** Where a stage that is not done yet stands, each time that changes. */
  | { type: "progress"; stage: StageId; check: StageCheck }
  /**
   * The check says done. `by`: this run got it there; `already`: it was done before the run
   * looked; `cluster`: it got done without a run (a page answering, someone's kubectl).
   */
  | { type: "done"; stage: StageId; number: number; check: StageCheck; by: "run" | "already" | "cluster" }
  /**
   * Given up: failed for longer than the grace period, out of time, or the cluster refused a change.
   * `findings`: what the mesh analysis found wrong when it gave up (errors and warnings about
   * configuration in use), which is often the cause the stage's own check cannot see.
   */
  | {
      type: "failed";
      stage: StageId;
      number: number;
      check: StageCheck;
      why: "check" | "timeout" | "apply";
      findings: Finding[];
      error?: Error;
    }
  /** Stopped by the person; `lines` is everything this run changed before it stopped. */
  | { type: "cancelled"; stage: StageId; lines: string[]; midApply: boolean };

export interface StageOutcome {
  stage: StageId;
  state: "done" | "failed" | "cancelled";
  check: StageCheck;
  already: boolean;
  /** The cluster's refusal when applying failed. */
  error?: Error;
}

export interface RunnerOptions {
  /** A failure that persists this long is given up on; shorter ones are states pods pass through. */
  failedGraceMs?: number;
  /** How long a stage may take, when not the stage's own `timeoutMs` (tests shorten it). */
  timeoutMs?: (stage: Stage) => number;
  /** How often time-dependent conditions (a failure's age) are looked at without an event. */
  recheckMs?: number;
}

export interface RunOptions {
  inject?: InjectMethod;
  signal?: AbortSignal;
  /** Apply even when the check already says done (the tour's Enter). */
  again?: boolean;
  /** What the person chose (weights, a delay); a stage whose choice it answers runs even if done. */
  parameters?: StageParameters;
  /** Take over objects the tour did not make instead of stopping (`--take-over`, the tour's "replace"). */
  takeOver?: boolean;
}

/** How long, after a stage's writes, the runner waits for the watches to show the routing changed. */
const ROUTING_SETTLE_MS = 1_000;

type Listener = (event: RunEvent) => void;

const FAILED_GRACE_MS = 20_000;

export class TourRunner {
  readonly #port: RunnerPort;
  readonly #listeners = new Set<Listener>();
  readonly #graceMs: number;
  readonly #timeoutOf: (stage: Stage) => number;
  readonly #recheckMs: number;
  #running: { stage: StageId; phase: "applying" | "waiting" } | null = null;
  /** Every change this runner made, for what a cancel reports. */
  readonly #lines: string[] = [];

  constructor(port: RunnerPort, options: RunnerOptions = {}) {
    this.#port = port;
    this.#graceMs = options.failedGraceMs ?? FAILED_GRACE_MS;
    this.#timeoutOf = options.timeoutMs ?? ((stage) => stage.timeoutMs);
    this.#recheckMs = options.recheckMs ?? 1_000;
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The stage being run, and whether its changes are still being sent. */
  get running(): { stage: StageId; phase: "applying" | "waiting" } | null {
    return this.#running;
  }

  /** Everything the runner changed so far, in kubectl's words. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /**
   * Runs one stage to its end: done, failed (with the check's cause and fix) or cancelled.
   * Applying errors become a failed outcome carrying the error; nothing here throws.
   */
  async run(id: StageId, options: RunOptions = {}): Promise<StageOutcome> {
    const stage = stageById(id);
    const number = stageNumber(id);
    const signal = options.signal ?? new AbortController().signal;
    const before = stage.check(this.#port.snapshot());
    const chosen = answersChoice(stage, options.parameters);
    if (before.state === "done" && !options.again && !chosen) {
      this.#emit({ type: "done", stage: id, number, check: before, by: "already" });
      return { stage: id, state: "done", check: before, already: true };
    }
    if (signal.aborted) return this.#cancelled(id, false);

    this.#running = { stage: id, phase: "applying" };
    this.#emit({ type: "started", stage: id, number });
    const onApplied = (text: string) => {
      this.#lines.push(text);
      this.#emit({ type: "line", stage: id, text });
    };
    const actions = this.#port.actions({
      signal,
      onApplied,
      ...(options.takeOver ? { takeOver: true } : {}),
    });
    const startedAt = Date.now();
    try {
      const applied = await raceAbort(
        stage.apply({
          actions,
          snapshot: () => this.#port.snapshot(),
          inject: options.inject,
          ...(options.parameters ? { parameters: options.parameters } : {}),
          note: (text) => this.#emit({ type: "line", stage: id, text }),
        }),
        signal,
      );
      if (applied === ABORTED) return this.#cancelled(id, true);
    } catch (error) {
      if (signal.aborted) return this.#cancelled(id, true);
      this.#running = null;
      const cause = error instanceof Error ? error : new Error(String(error));
      const check: StageCheck = { state: "failed", detail: cause.message };
      this.#emit({ type: "failed", stage: id, number, check, why: "apply", findings: [], error: cause });
      return { stage: id, state: "failed", check, already: false, error: cause };
    }
    // What the watches showed as the writes returned: their own events are still on the way, so
    // "namespace does not exist yet" right after creating it is not news.
    const stale = this.#port.snapshot();
    this.#running = { stage: id, phase: "waiting" };
    this.#emit({ type: "applied", stage: id });
    const evidence = stage.evidence;
    if (evidence) {
      // Samples count from the routing change the watches see: taken before it, they are wasted.
      const since = Math.max(startedAt, Date.now() - 50);
      const settled = stage.manifests.length > 0 ? this.#routingSeen(since, signal) : Promise.resolve();
      void settled
        .then(() => (signal.aborted ? undefined : this.#port.burst(evidence.samples, evidence.streams)))
        .catch(() => {});
    }
    return this.#settle(stage, number, stale, signal);
  }

  /** Runs the stages in tour order up to and including `to`, stopping at the first that is not done. */
  async runTo(to: StageId, options: RunOptions = {}): Promise<StageOutcome[]> {
    return this.runStages(
      STAGES.slice(0, stageNumber(to)).map((stage) => stage.id),
      options,
    );
  }

  /** Runs these stages in the order given, stopping at the first that is not done. */
  async runStages(ids: StageId[], options: RunOptions = {}): Promise<StageOutcome[]> {
    const outcomes: StageOutcome[] = [];
    for (const id of ids) {
      const outcome = await this.run(id, options);
      outcomes.push(outcome);
      if (outcome.state !== "done") break;
    }
    return outcomes;
  }

  /** Resolves once a routing change after `since` is in the snapshot, or after ROUTING_SETTLE_MS. */
  #routingSeen(since: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const seen = (snapshot: Snapshot) => snapshot.routingChangedAt >= since;
      if (seen(this.#port.snapshot())) return resolve();
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ROUTING_SETTLE_MS);
      const unsubscribe = this.#port.subscribe((snapshot) => {
        if (seen(snapshot)) done();
      });
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Reports stages that get done without being run (the page answering once the gateway is
   * up, or someone's own kubectl), once each, as they happen. For views that show the tour live.
   */
  watch(): () => void {
    let previous = STAGES.map((stage) => stage.check(this.#port.snapshot()).state);
    return this.#port.subscribe((snapshot) => {
      // A run's writes go one object at a time: the states between them are not news.
      if (this.#running) return;
      const states = STAGES.map((stage, index) => {
        const check = stage.check(snapshot);
        if (check.state === "done" && previous[index] !== "done" && this.#running?.stage !== stage.id) {
          this.#emit({ type: "done", stage: stage.id, number: index + 1, check, by: "cluster" });
        }
        return check.state;
      });
      previous = states;
    });
  }

  #settle(stage: Stage, number: number, stale: Snapshot, signal: AbortSignal): Promise<StageOutcome> {
    const id = stage.id;
    const timeoutMs = this.#timeoutOf(stage);
    return new Promise((resolve) => {
      let latest = stage.check(this.#port.snapshot());
      let reported = "";
      let failedSince: number | undefined;
      const finish = (outcome: StageOutcome, event?: RunEvent) => {
        clearTimeout(timer);
        clearInterval(recheck);
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
        if (event) {
          this.#running = null;
          this.#emit(event);
        }
        resolve(outcome);
      };
      const look = (snapshot: Snapshot) => {
        latest = stage.check(snapshot);
        if (latest.state === "done") {
          finish(
            { stage: id, state: "done", check: latest, already: false },
            { type: "done", stage: id, number, check: latest, by: "run" },
          );
          return;
        }
        if (latest.state === "failed") failedSince ??= Date.now();
        else failedSince = undefined;
        if (failedSince !== undefined && Date.now() - failedSince > this.#graceMs) {
          finish(
            { stage: id, state: "failed", check: latest, already: false },
            { type: "failed", stage: id, number, check: latest, why: "check", findings: this.#findings() },
          );
          return;
        }
        // A failure shorter than the grace period is often a state pods pass through (an old
        // pod without a sidecar while its replacement starts): it is reported only if it stays.
        if (latest.state === "pending" && snapshot !== stale && latest.detail !== reported) {
          reported = latest.detail;
          this.#emit({ type: "progress", stage: id, check: latest });
        }
      };
      const onAbort = () => {
        this.#cancelled(id, false, (outcome) => finish(outcome));
      };
      const timer = setTimeout(() => {
        const check: StageCheck = {
          state: "failed",
          detail: `${latest.detail} (gave up after ${Math.round(timeoutMs / 1000)} s)`,
          ...(latest.fix ? { fix: latest.fix } : {}),
        };
        finish(
          { stage: id, state: "failed", check, already: false },
          { type: "failed", stage: id, number, check, why: "timeout", findings: this.#findings() },
        );
      }, timeoutMs);
      const recheck = setInterval(() => look(this.#port.snapshot()), this.#recheckMs);
      const unsubscribe = this.#port.subscribe(look);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
      else look(this.#port.snapshot());
    });
  }

  #findings(): Finding[] {
    return explaining(analyze(this.#port.snapshot()));
  }

  #cancelled(id: StageId, midApply: boolean, then?: (outcome: StageOutcome) => void): StageOutcome {
    this.#running = null;
    const check: StageCheck = { state: "pending", detail: "interrupted" };
    const outcome: StageOutcome = { stage: id, state: "cancelled", check, already: false };
    this.#emit({ type: "cancelled", stage: id, lines: [...this.#lines], midApply });
    then?.(outcome);
    return outcome;
  }

  #emit(event: RunEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }
}

/** Whether the parameters answer the stage's own choice (a --weights for the canary). */
function answersChoice(stage: Stage, parameters: StageParameters | undefined): boolean {
  if (!stage.choice || !parameters) return false;
  const keys = new Set(stage.choice.options.flatMap((option) => Object.keys(option.parameters)));
  return Object.keys(parameters).some((key) => keys.has(key));
}

const ABORTED = Symbol("aborted");

/** The work's result, or ABORTED as soon as the signal fires (the work goes on unawaited). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      resolve(ABORTED);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
