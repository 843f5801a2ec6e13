import { randomUUID } from "node:crypto";
import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import type { Pod } from "../kube.ts";
import { inAmbientMesh, routeFromZtunnel } from "./ambient.ts";
import type { Decks, Random } from "./balancer.ts";
import { type Clock, sleep } from "./clock.ts";
import { faultAbort, noHealthyUpstream, upstreamConnectFailure, upstreamTimeout } from "./envoyReplies.ts";
import { dnsCandidates } from "./hosts.ts";
import type { SimRequest, SimResponse } from "./http.ts";
import { applyResponseHeaders, routeFromManagedGateway } from "./httpRoutes.ts";
import { hasSidecar, type MeshIndex, type ServiceInfo } from "./meshIndex.ts";
import { type Decision, type RoutingContext, routeFromGateway, routeFromSidecar } from "./routing.ts";
import {
  CallError,
  type FetchInit,
  type Program,
  type ProgramFor,
  type WorkloadContext,
} from "./workload.ts";

export interface MeshOptions {
  /** The current routing view; called per request, cheap when nothing changed. */
  index: () => MeshIndex;
  programFor: ProgramFor;
  clock: Clock;
  random: Random;
  decks: Decks;
}

/** Rejects as soon as `signal` aborts, whatever `promise` is still doing. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work was already started; its own failure is of no interest any more.
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A child signal that also aborts with the parent; `release` unhooks it from the parent. */
function childOf(parent: AbortSignal): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, release: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener("abort", onAbort) };
}

function parseUrl(url: string): { host: string; port: number; path: string } {
  const m = /^http:\/\/([^/:?#]+)(?::(\d+))?([^#]*)/i.exec(url);
  if (!m) throw new CallError("dns", `unsupported URL ${url}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 80, path: m[3] || "/" };
}

const ROUTE_TIMEOUT = Symbol("route timeout");

/**
 * The cluster network, in process: the ingress gateway and every sidecar apply routing here,
 * pods without a sidecar get kube-proxy's plain balancing, and the chosen pod's program runs
 * with real-time waits on the clock. Cancellation flows downstream: when a caller gives up,
 * every wait and call it started is released.
 */
export class Mesh {
  readonly #options: MeshOptions;

  constructor(options: MeshOptions) {
    this.#options = options;
  }

  #routing(): RoutingContext {
    const { decks, random } = this.#options;
    return { index: this.#options.index(), decks, random };
  }

  /** A request that arrived at the gateway's node port; resolves with what the client gets. */
  async fromGateway(nodePort: number, request: SimRequest, signal: AbortSignal): Promise<SimResponse> {
    const decision = routeFromGateway(this.#routing(), nodePort, request);
    if (decision.kind === "reply") return decision.response;
    const headers = { ...request.headers, "x-forwarded-proto": "http" } as Record<string, string>;
    headers["x-request-id"] ??= randomUUID();
    return this.#deliver(decision, { ...request, headers }, signal);
  }

  /** A request arriving at a Gateway API gateway's listener port (load balancer, node port, port-forward). */
  async fromManagedGateway(
    gateway: GatewayModel,
    port: number,
    request: SimRequest,
    signal: AbortSignal,
  ): Promise<SimResponse> {
    const decision = routeFromManagedGateway(this.#routing(), gateway, port, request);
    if (decision.kind === "reply") return decision.response;
    const headers = { ...request.headers, "x-forwarded-proto": "http" } as Record<string, string>;
    headers["x-request-id"] ??= randomUUID();
    return this.#deliver(decision, { ...request, headers }, signal);
  }

  /** A request reaching `pod`'s port from inside its own network namespace (port-forward). */
  toPod(pod: Pod, program: Program, request: SimRequest, signal: AbortSignal): Promise<SimResponse> {
    return this.#run(pod, program, request, signal);
  }

  /** An outbound call made by a program running in `caller`. */
  async fromPod(caller: Pod, url: string, init: FetchInit, signal: AbortSignal): Promise<SimResponse> {
    if (signal.aborted) throw signal.reason;
    const { host, port, path } = parseUrl(url);
    const request: SimRequest = {
      method: init.method ?? "GET",
      path,
      headers: init.headers ?? {},
      body: init.body ?? "",
    };
    const { controller, release } = childOf(signal);
    const cancelTimer = this.#options.clock.setTimer(init.timeoutMs, () =>
      controller.abort(new CallError("timeout", `${url}: read timed out after ${init.timeoutMs} ms`)),
    );
    try {
      return await abortable(this.#send(caller, host, port, request, controller.signal), controller.signal);
    } finally {
      cancelTimer();
      release();
    }
  }

  async #send(caller: Pod, host: string, port: number, request: SimRequest, signal: AbortSignal) {
    const routing = this.#routing();
    const namespace = caller.metadata.namespace ?? "default";
    const service = dnsCandidates(host, namespace)
      .map((name) => routing.index.services.get(name))
      .find((s): s is ServiceInfo => s !== undefined);
    if (!service) throw new CallError("dns", `Failed to resolve '${host}'`);
    if (!service.ports.some((p) => p.port === port)) {
      throw new CallError("refused", `${host}:${port}: Connection refused`);
    }
    if (hasSidecar(caller)) {
      return this.#deliver(routeFromSidecar(routing, caller, service, request, port), request, signal);
    }
    if (inAmbientMesh(caller)) {
      return this.#deliver(routeFromZtunnel(routing, caller, service, request, port), request, signal);
    }
    // kube-proxy: any ready pod of the Service; nothing there means the connection is refused.
    const pods = routing.index.endpoints(service);
    const pod = pods[routing.decks.pickEven(pods, pods.length)];
    const program = pod && this.#options.programFor(pod);
    if (!pod || !program) throw new CallError("refused", `${host}:${port}: Connection refused`);
    return this.#run(pod, program, request, signal);
  }

  /** What a proxy does with its routing decision: fault filter, then the router. */
  async #deliver(decision: Decision, request: SimRequest, signal: AbortSignal): Promise<SimResponse> {
    if (decision.kind === "reply") return decision.response;
    const { clock } = this.#options;
    const { fault, pod, timeoutMs } = decision;
    // The route may change the request (HTTPRoute filters) before it goes upstream.
    if (decision.rewrite) request = decision.rewrite(request);
    if (fault.delayMs > 0) await sleep(clock, fault.delayMs, signal);
    if (fault.abortStatus !== undefined) return faultAbort(fault.abortStatus);
    if (!pod) return decision.unroutable ?? noHealthyUpstream();
    const program = this.#options.programFor(pod);
    if (!program) return upstreamConnectFailure();
    const started = clock.now();
    let response: SimResponse;
    if (timeoutMs === undefined) {
      response = await this.#run(pod, program, request, signal);
    } else {
      const { controller, release } = childOf(signal);
      const cancelTimer = clock.setTimer(timeoutMs, () => controller.abort(ROUTE_TIMEOUT));
      try {
        response = await abortable(this.#run(pod, program, request, controller.signal), controller.signal);
      } catch (error) {
        if (error !== ROUTE_TIMEOUT) throw error;
        return upstreamTimeout();
      } finally {
        cancelTimer();
        release();
      }
    }
    const headers = {
      ...response.headers,
      "x-envoy-upstream-service-time": String(Math.round(clock.now() - started)),
    };
    return applyResponseHeaders({ ...response, headers }, decision.responseHeaders);
  }

  #run(pod: Pod, program: Program, request: SimRequest, signal: AbortSignal): Promise<SimResponse> {
    const context: WorkloadContext = {
      pod,
      signal,
      clock: this.#options.clock,
      fetch: (url, init) => this.fromPod(pod, url, init, signal),
    };
    return abortable(program(request, context), signal);
  }
}
