import type { Cluster } from "./connect.ts";
import { httpStatus } from "./errors.ts";

/** How the watches of one cluster wait for it to answer again after a connection failed. */
export interface ReconnectTiming {
  /** The first probe after a failure; each further one waits twice as long, up to maxMs. */
  firstMs: number;
  maxMs: number;
  /** One probe's budget: a black-holed connection answers nothing, so it must be short. */
  probeTimeoutMs: number;
}

/**
 * Probed at least once a second, so a view is whole again within about a second of the API
 * answering; one probe for all watches, so an outage costs one small request per second.
 */
export const DEFAULT_RECONNECT: ReconnectTiming = { firstMs: 250, maxMs: 1_000, probeTimeoutMs: 2_000 };

/**
 * One gate for all the watches of a cluster. A watch whose connection failed (reset, refused,
 * timed out: no HTTP answer at all) waits here instead of backing off on its own, and the gate
 * probes the API server until anything answers; then every waiting watch lists again at once.
 * Backing off per watch, a view stayed stale for up to the longest backoff after the API was
 * back (30 s after a few cuts in a row).
 */
export class Reconnector {
  #waiting: Promise<void> | undefined;
  readonly #cluster: Cluster;
  readonly #timing: ReconnectTiming;
  readonly #halt: AbortSignal;

  constructor(cluster: Cluster, halt: AbortSignal, timing: ReconnectTiming = DEFAULT_RECONNECT) {
    this.#cluster = cluster;
    this.#halt = halt;
    this.#timing = timing;
  }

  /** Resolves once the API server answers (or at stop). Shared by every watch that calls it. */
  reachable(): Promise<void> {
    if (!this.#waiting) {
      // Connections kept alive through the failure may be dead without knowing it; new ones are not.
      this.#cluster.dropIdleConnections?.();
      this.#waiting = this.#probe().finally(() => {
        this.#waiting = undefined;
      });
    }
    return this.#waiting;
  }

  async #probe(): Promise<void> {
    const { firstMs, maxMs, probeTimeoutMs } = this.#timing;
    for (let attempt = 0; !this.#halt.aborted; attempt++) {
      await pause(Math.min(firstMs * 2 ** attempt, maxMs), this.#halt);
      if (this.#halt.aborted) return;
      try {
        await this.#cluster.request("GET", "/version", { timeoutMs: probeTimeoutMs, signal: this.#halt });
        return;
      } catch (error) {
        // Any HTTP answer, even 403 or 500, is a server that can be reached again.
        if (httpStatus(error) !== undefined) return;
      }
    }
  }
}

/** A failure that never got an HTTP answer: the connection, not the server, is the trouble. */
export const isConnectionFailure = (error: unknown): boolean => httpStatus(error) === undefined;

/** A pause cut short by `halt` (resolving, so nothing rejects unhandled). */
export function pause(ms: number, halt: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (halt.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      halt.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    halt.addEventListener("abort", done, { once: true });
  });
}
