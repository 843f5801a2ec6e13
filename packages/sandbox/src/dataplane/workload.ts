import type { Pod } from "../kube.ts";
import type { Clock } from "./clock.ts";
import type { SimRequest, SimResponse } from "./http.ts";

// The contract between the simulated network and the programs the pods run.

/** Why an outbound call got no HTTP response at all (what a client library would raise). */
export type CallFailure = "timeout" | "dns" | "refused" | "aborted";

export class CallError extends Error {
  constructor(
    readonly reason: CallFailure,
    message: string,
  ) {
    super(message);
    this.name = "CallError";
  }
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client library's timeout for the whole exchange. */
  timeoutMs: number;
}

export interface WorkloadContext {
  /** The pod this program runs in; its name is $HOSTNAME. Read only. */
  pod: Pod;
  /** Aborted when whoever called this pod gives up; outbound calls and waits honour it. */
  signal: AbortSignal;
  clock: Clock;
  /**
   * An HTTP call from this pod to `url` ("http://ratings:9080/ratings/0"), through its sidecar
   * if it has one. Resolves with any HTTP response; rejects with CallError when there is none.
   */
  fetch(url: string, init: FetchInit): Promise<SimResponse>;
}

/** What a container image does with one request on its port. */
export type Program = (request: SimRequest, context: WorkloadContext) => Promise<SimResponse>;

/** The program a pod runs, or undefined when nothing the sandbox knows listens in it. */
export type ProgramFor = (pod: Pod) => Program | undefined;
