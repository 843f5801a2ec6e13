import { once } from "node:events";
import type { Agent as HttpAgent } from "node:http";
import https from "node:https";
import type { Sample } from "../model/snapshot.ts";
import { http } from "../nodeHttp.ts";
import { CookieJar } from "./cookieJar.ts";
import { login, SESSION_COOKIE } from "./login.ts";
import { productPageUrl, SAMPLE_TIMEOUT_MS, sampleProductPage } from "./sampleProductPage.ts";

export {
  productPageUrl,
  SAMPLE_TIMEOUT_MS,
  type SampleOptions,
  sampleProductPage,
} from "./sampleProductPage.ts";

export interface SamplerOptions {
  /** GATEWAY_URL, e.g. `http://127.0.0.1:31380`; the sampler requests `/productpage` under it. */
  url: string;
  /** Requests started per second by start(). */
  ratePerSecond?: number;
  /** Most requests in flight at once, start() and burst() together. */
  concurrency?: number;
  timeoutMs?: number;
  /** How many of the latest samples latest() keeps. */
  keep?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The stream's name, carried by every sample (model/streams.ts). */
  stream?: string;
  /**
   * Sign in as this user first (productpage's POST /login) and keep the session in a cookie jar
   * of this sampler's own, signing in again whenever a page shows the session was lost.
   */
  user?: string;
}

export type SampleListener = (sample: Sample) => void;

const DEFAULTS = { ratePerSecond: 2, concurrency: 4, keep: 100 };

/**
 * Samples GATEWAY_URL/productpage, steadily (start/stop) or in one go (burst).
 *
 * It owns a keep-alive HttpAgent rather than using fetch: the agent lets stop() destroy exactly
 * this sampler's sockets, caps them at `concurrency`, and does not share a process-wide pool with
 * the rest of the tool. Kept-alive sockets also mean latency is the page, not a TCP handshake.
 */
export class Sampler {
  readonly url: string;
  private readonly ratePerSecond: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly keep: number;
  private readonly headers: Record<string, string>;
  private readonly stream: string | undefined;
  private readonly user: string | undefined;
  private readonly jar = new CookieJar();
  private signingIn: Promise<Sample | undefined> | undefined;

  private agent: HttpAgent | undefined;
  private timer: NodeJS.Timeout | undefined;
  // Replaced at each stop(), so a stopped sampler can start again while the old requests wind down.
  private controller = new AbortController();
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly listeners = new Set<SampleListener>();
  private recent: Sample[] = [];
  private skippedTicks = 0;

  constructor(options: SamplerOptions) {
    this.url = options.url;
    this.ratePerSecond = positive("ratePerSecond", options.ratePerSecond ?? DEFAULTS.ratePerSecond);
    this.concurrency = Math.floor(positive("concurrency", options.concurrency ?? DEFAULTS.concurrency));
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? SAMPLE_TIMEOUT_MS);
    this.keep = Math.max(0, Math.floor(options.keep ?? DEFAULTS.keep));
    this.headers = { ...options.headers };
    this.stream = options.stream;
    this.user = options.user;
    if (this.concurrency < 1) throw new RangeError("concurrency must be at least 1");
  }

  /** Requests in flight right now. */
  get inFlight(): number {
    return this.active;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Ticks of start() that found every slot busy and sent nothing (a slow gateway). */
  get skipped(): number {
    return this.skippedTicks;
  }

  /** Samples at ratePerSecond until stop(); the first request goes out at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.ratePerSecond);
    this.tick();
  }

  /**
   * Stops sampling: clears the timer, abandons requests in flight (their samples are dropped, as
   * nobody asked for them any more), closes every socket, and resolves once all of that is done.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.controller.abort();
    this.controller = new AbortController();
    for (const wake of this.slotWaiters.splice(0)) wake();
    // Detached before waiting, so a burst() begun meanwhile gets sockets of its own, not ones
    // about to be destroyed.
    const agent = this.agent;
    this.agent = undefined;
    await Promise.all(this.pending);
    if (agent) await destroyAgent(agent);
  }

  /**
   * Takes n samples, at most `concurrency` in flight, and returns them in the order they were
   * started. A stop() meanwhile ends it early with the samples that completed.
   */
  async burst(n: number): Promise<Sample[]> {
    const signal = this.controller.signal;
    const results: (Sample | undefined)[] = [];
    let next = 0;
    const worker = async () => {
      while (!signal.aborted) {
        const index = next++;
        if (index >= n) return;
        if (!(await this.takeSlot(signal))) return;
        results[index] = await this.launch(signal);
      }
    };
    const workers = Math.min(Math.max(0, Math.floor(n)), this.concurrency);
    await Promise.all(Array.from({ length: workers }, worker));
    return results.filter((sample): sample is Sample => sample !== undefined);
  }

  /** Calls the listener with every sample from now on; returns the function that unsubscribes. */
  onSample(listener: SampleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last `keep` samples, oldest first. */
  latest(): Sample[] {
    return [...this.recent];
  }

  private tick(): void {
    // A slow gateway must not pile up requests: a tick with no free slot is skipped, not queued.
    if (this.active >= this.concurrency) {
      this.skippedTicks++;
      return;
    }
    this.active++;
    void this.launch(this.controller.signal);
  }

  private async takeSlot(signal: AbortSignal): Promise<boolean> {
    while (this.active >= this.concurrency && !signal.aborted) {
      await new Promise<void>((wake) => this.slotWaiters.push(wake));
    }
    if (signal.aborted) return false;
    this.active++;
    return true;
  }

  private freeSlot(): void {
    this.active--;
    this.slotWaiters.shift()?.();
  }

  /** Runs one request in a slot already taken; never rejects. */
  private launch(signal: AbortSignal): Promise<Sample | undefined> {
    const run = this.take(signal).then((sample) => {
      this.freeSlot();
      if (signal.aborted) return undefined;
      this.record(sample);
      return sample;
    });
    this.pending.add(run);
    void run.then(() => this.pending.delete(run));
    return run;
  }

  /** One page of this stream: signed in first when it has a user and no session yet. */
  private async take(signal: AbortSignal): Promise<Sample> {
    const agent = this.ensureAgent();
    if (this.user && !this.jar.has(SESSION_COOKIE)) {
      // Requests in flight together share one sign-in.
      this.signingIn ??= this.signIn(this.user, agent, signal).finally(() => {
        this.signingIn = undefined;
      });
      const failed = await this.signingIn;
      if (failed) return failed;
    }
    const sample = await sampleProductPage(this.url, {
      timeoutMs: this.timeoutMs,
      agent,
      headers: this.headers,
      signal,
      ...(this.user ? { jar: this.jar, signedIn: true } : {}),
    });
    // The session was lost (productpage restarted with a new secret): sign in again next time.
    if (this.user && sample.signedIn === false) this.jar.clear();
    return this.stream === undefined ? sample : { ...sample, stream: this.stream };
  }

  /** Undefined once signed in; else the failed sign-in as this stream's sample (the page would fail alike). */
  private async signIn(user: string, agent: HttpAgent, signal: AbortSignal): Promise<Sample | undefined> {
    const at = Date.now();
    const started = performance.now();
    const result = await login(this.url, user, this.jar, {
      agent,
      timeoutMs: this.timeoutMs,
      signal,
      headers: this.headers,
    });
    if (result.ok || !("error" in result)) return undefined;
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      at,
      latencyMs,
      error: result.error,
      ...(this.stream === undefined ? {} : { stream: this.stream }),
    };
  }

  private record(sample: Sample): void {
    if (this.keep > 0) {
      this.recent.push(sample);
      if (this.recent.length > this.keep) this.recent.shift();
    }
    for (const listener of this.listeners) {
      try {
        listener(sample);
      } catch (error) {
        // A faulty listener is the caller's bug: surface it as an uncaught error, as an
        // EventEmitter would, without breaking the slot accounting of this sampler.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private ensureAgent(): HttpAgent {
    if (!this.agent) {
      const options = { keepAlive: true, maxSockets: this.concurrency, maxFreeSockets: this.concurrency };
      this.agent = isHttps(this.url) ? new https.Agent(options) : new http.Agent(options);
    }
    return this.agent;
  }
}

/** Destroys every socket of the agent and waits until they are closed, so none outlives stop(). */
async function destroyAgent(agent: HttpAgent): Promise<void> {
  const sockets = [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].flatMap(
    (list) => list ?? [],
  );
  agent.destroy();
  await Promise.all(sockets.filter((socket) => !socket.closed).map((socket) => once(socket, "close")));
}

function isHttps(gatewayUrl: string): boolean {
  try {
    return productPageUrl(gatewayUrl).protocol === "https:";
  } catch {
    return false;
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
