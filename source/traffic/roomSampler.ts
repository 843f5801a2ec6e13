import { once } from "node:events";
import type { Agent as HttpAgent } from "node:http";
import https from "node:https";
import type { Sample } from "../model/snapshot.ts";
import { http } from "../nodeHttp.ts";
import { productPageUrl, sampleProductPage } from "./sampleProductPage.ts";

/** One attendee's product page: their GATEWAY_URL and the Host their Gateway binds. */
export interface PageTarget {
  key: string;
  url: string;
  host: string | null;
}

export interface RoomSamplerOptions {
  /** Each target is sampled once in this long; the room shares one steady rate. */
  everyMs: number;
  /** Most requests in flight at once, for the whole room. */
  concurrency?: number;
  timeoutMs?: number;
}

export type RoomSampleListener = (key: string, sample: Sample) => void;

/**
 * Samples many attendees' product pages at one low rate shared by the room: a request every
 * `everyMs / n` to the next target in turn, so n attendees cost n samples per `everyMs` however
 * many there are, never a burst of n at once. Requests in flight are bounded; a tick that finds
 * them all busy is skipped. Keep-alive connections are shared per gateway address (the Host
 * header tells the attendees apart).
 */
export class RoomSampler {
  readonly #everyMs: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number | undefined;
  #targets: PageTarget[] = [];
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #tickMs = 0;
  #active = 0;
  #halt = new AbortController();
  readonly #agents = new Map<string, HttpAgent>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #listeners = new Set<RoomSampleListener>();

  constructor(options: RoomSamplerOptions) {
    if (!(options.everyMs > 0)) throw new RangeError("everyMs must be positive");
    this.#everyMs = options.everyMs;
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
    this.#timeoutMs = options.timeoutMs;
  }

  onSample(listener: RoomSampleListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The pages to sample from now on; the steady rate follows their number. */
  setTargets(targets: PageTarget[]): void {
    this.#targets = targets;
    if (this.#timer) this.#schedule();
  }

  start(): void {
    if (!this.#timer) this.#schedule();
  }

  /** Takes `count` samples of one page now, besides the steady ones (evidence after a change). */
  async burst(target: PageTarget, count: number): Promise<Sample[]> {
    const samples: Sample[] = [];
    for (let i = 0; i < count && !this.#halt.signal.aborted; i++) {
      const sample = await this.#sample(target);
      if (sample) samples.push(sample);
    }
    return samples;
  }

  /** Stops the timer, abandons requests in flight and closes every connection. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#halt.abort();
    this.#halt = new AbortController();
    await Promise.all(this.#pending);
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map(destroyAgent));
  }

  #schedule(): void {
    const tickMs = this.#targets.length === 0 ? 0 : Math.max(5, this.#everyMs / this.#targets.length);
    if (tickMs === this.#tickMs && this.#timer) return;
    clearInterval(this.#timer);
    this.#tickMs = tickMs;
    // With nothing to sample the timer still runs, slowly, so that start() stays started.
    this.#timer = setInterval(() => this.#tick(), tickMs || this.#everyMs);
  }

  #tick(): void {
    if (this.#targets.length === 0 || this.#active >= this.#concurrency) return;
    const target = this.#targets[this.#next++ % this.#targets.length];
    if (target) void this.#sample(target);
  }

  #sample(target: PageTarget): Promise<Sample | undefined> {
    const signal = this.#halt.signal;
    this.#active++;
    const run = sampleProductPage(target.url, {
      agent: this.#agent(target.url),
      signal,
      ...(this.#timeoutMs ? { timeoutMs: this.#timeoutMs } : {}),
      ...(target.host ? { headers: { host: target.host } } : {}),
    }).then((sample) => {
      this.#active--;
      if (signal.aborted) return undefined;
      for (const listener of this.#listeners) listener(target.key, sample);
      return sample;
    });
    this.#pending.add(run);
    void run.then(() => this.#pending.delete(run));
    return run;
  }

  #agent(url: string): HttpAgent {
    let origin = url;
    try {
      origin = productPageUrl(url).origin;
    } catch {
      // sampleProductPage records the bad URL as a failed sample.
    }
    let agent = this.#agents.get(origin);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: this.#concurrency, maxFreeSockets: this.#concurrency };
      agent = origin.startsWith("https:") ? new https.Agent(options) : new http.Agent(options);
      this.#agents.set(origin, agent);
    }
    return agent;
  }
}

/** Samples every target `count` times, at most `concurrency` requests at once: the one-shot room. */
export async function sampleEach(
  targets: readonly PageTarget[],
  count: number,
  options: { concurrency?: number; timeoutMs?: number } = {},
): Promise<Map<string, Sample[]>> {
  const sampler = new RoomSampler({ everyMs: 1_000, ...options });
  const out = new Map<string, Sample[]>(targets.map((t) => [t.key, []]));
  const jobs = targets.flatMap((target) => Array.from({ length: count }, () => target));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const target = jobs[next++] as PageTarget;
      const [sample] = await sampler.burst(target, 1);
      if (sample) out.get(target.key)?.push(sample);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, jobs.length) }, worker));
  } finally {
    await sampler.stop();
  }
  return out;
}

async function destroyAgent(agent: HttpAgent): Promise<void> {
  const sockets = [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].flatMap(
    (list) => list ?? [],
  );
  agent.destroy();
  await Promise.all(sockets.filter((socket) => !socket.closed).map((socket) => once(socket, "close")));
}
