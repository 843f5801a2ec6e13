import { randomUUID } from "node:crypto";
import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import type { Pod } from "../kube.ts";
import type { ProxyHop } from "./accessLog.ts";
import { inAmbientMesh, routeFromZtunnel } from "./ambient.ts";
import type { Decks, Random } from "./balancer.ts";
import { type Clock, sleep } from "./clock.ts";
import { faultAbort, noHealthyUpstream, upstreamConnectFailure, upstreamTimeout } from "./envoyReplies.ts";
import { dnsCandidates } from "./hosts.ts";
import type { SimRequest, SimResponse } from "./http.ts";
import { applyResponseHeaders, routeFromManagedGateway } from "./httpRoutes.ts";
import { hasSidecar, type MeshIndex, type ServiceInfo } from "./meshIndex.ts";
import { type RetryPolicy, retriable } from "./retries.ts";
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
  /** Told about every request, for the proxies' access logs and the programs' own logs. */
  observer?: MeshObserver;
}

/** What the mesh reports as requests flow, after each one is answered. */
export interface MeshObserver {
  /** A proxy (the gateway's, a caller's or a callee's sidecar) handled a request. */
  proxied(hop: ProxyHop): void;
  /** A pod's program answered a request; `sourceIP` is the peer address it saw. */
  served(pod: Pod, request: SimRequest, response: SimResponse, sourceIP: string): void;
  /** A pod's program made a call; `response` is undefined when it got none. */
  called(caller: Pod, url: string, request: SimRequest, response: SimResponse | undefined): void;
}

/** How a request reached a pod: from whom, to which port, and whether through a proxy. */
interface Arrival {
  from: Pod | undefined;
  port: number;
  /** The cluster the sending proxy chose, which names the mTLS connection's SNI. */
  mtls?: { host: string; port: number; subset?: string };
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
const PER_TRY_TIMEOUT = Symbol("per-try timeout");

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
    const routing = this.#routing();
    const decision = routeFromGateway(routing, nodePort, request);
    const headers = { ...request.headers, "x-forwarded-proto": "http" } as Record<string, string>;
    headers["x-request-id"] ??= randomUUID();
    const forwarded = { ...request, headers };
    const ingress = routing.index.ingress(nodePort);
    const gateway = ingress?.pods[0];
    const dialled = ingress ? { ip: gateway?.status?.podIP, port: ingress.targetPort } : undefined;
    return this.#logged(gateway, forwarded, decision, { dialled }, () =>
      this.#deliver(decision, forwarded, signal, gateway),
    );
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
    return this.#deliver(decision, { ...request, headers }, signal, undefined);
  }

  /** A request reaching `pod`'s port from inside its own network namespace (port-forward). */
  toPod(pod: Pod, program: Program, request: SimRequest, signal: AbortSignal): Promise<SimResponse> {
    return this.#run(pod, program, request, signal);
  }

  /** An outbound call made by a program running in `caller`. */
  async fromPod(caller: Pod, url: string, init: FetchInit, signal: AbortSignal): Promise<SimResponse> {
    if (signal.aborted) throw signal.reason;
    const { host, port, path } = parseUrl(url);
    // Every HTTP/1.1 client names the host it dialled.
    const headers = { ...init.headers } as Record<string, string>;
    headers.host ??= port === 80 ? host : `${host}:${port}`;
    const request: SimRequest = { method: init.method ?? "GET", path, headers, body: init.body ?? "" };
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
      const decision = routeFromSidecar(routing, caller, service, request, port);
      // The sidecar's connection manager stamps a request id on what has none.
      const headers = { ...request.headers } as Record<string, string>;
      headers["x-request-id"] ??= randomUUID();
      const forwarded = { ...request, headers };
      return this.#logged(
        caller,
        forwarded,
        decision,
        { dialled: { ip: service.clusterIP, port }, downstream: caller },
        () => this.#deliver(decision, forwarded, signal, caller),
      );
    }
    if (inAmbientMesh(caller)) {
      return this.#deliver(
        routeFromZtunnel(routing, caller, service, request, port),
        request,
        signal,
        undefined,
      );
    }
    // kube-proxy: any ready pod of the Service; nothing there means the connection is refused.
    const pods = routing.index.endpoints(service);
    const pod = pods[routing.decks.pickEven(pods, pods.length)];
    const program = pod && this.#options.programFor(pod);
    if (!pod || !program) throw new CallError("refused", `${host}:${port}: Connection refused`);
    return this.#run(pod, program, request, signal, { from: caller, port: targetPort(service, port) });
  }

  /**
   * Runs what a proxy does with `decision` and reports it as one access log line of `proxy`
   * once answered (or abandoned by the client).
   */
  async #logged(
    proxy: Pod | undefined,
    request: SimRequest,
    decision: Decision,
    extra: Pick<ProxyHop, "dialled" | "downstream">,
    run: () => Promise<SimResponse>,
  ): Promise<SimResponse> {
    const observer = this.#options.observer;
    if (!observer || !proxy) return run();
    const started = new Date();
    const t0 = this.#options.clock.now();
    const report = (response: SimResponse | undefined) => {
      const forward = decision.kind === "forward" ? decision : undefined;
      const cluster = forward?.cluster;
      const service = cluster && this.#options.index().services.get(cluster.host);
      const port = cluster?.port ?? service?.ports[0]?.port ?? extra.dialled?.port ?? 0;
      notify(() =>
        observer.proxied({
          proxy,
          direction: "outbound",
          started,
          durationMs: this.#options.clock.now() - t0,
          request,
          response,
          upstream:
            forward?.pod && service ? { pod: forward.pod, port: targetPort(service, port) } : undefined,
          cluster: cluster ? { host: cluster.host, port, subset: cluster.subset } : undefined,
          routeName: forward?.routeName,
          delayed: (forward?.fault.delayMs ?? 0) > 0,
          ...extra,
        }),
      );
    };
    try {
      const response = await run();
      report(response);
      return response;
    } catch (error) {
      report(undefined);
      throw error;
    }
  }

  /** What a proxy does with its routing decision: fault filter, then the router. */
  async #deliver(
    decision: Decision,
    request: SimRequest,
    signal: AbortSignal,
    proxy: Pod | undefined,
  ): Promise<SimResponse> {
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
    const cluster = decision.cluster;
    const service = cluster && this.#options.index().services.get(cluster.host);
    const port = cluster?.port ?? service?.ports[0]?.port ?? 0;
    const arrival: Arrival = {
      from: proxy,
      port: service ? targetPort(service, port) : port,
      mtls: cluster ? { host: cluster.host, port, subset: cluster.subset } : undefined,
    };
    let response: SimResponse;
    if (timeoutMs === undefined) {
      response = await this.#tries(decision.retries, pod, program, request, signal, arrival);
    } else {
      const { controller, release } = childOf(signal);
      const cancelTimer = clock.setTimer(timeoutMs, () => controller.abort(ROUTE_TIMEOUT));
      try {
        response = await abortable(
          this.#tries(decision.retries, pod, program, request, controller.signal, arrival),
          controller.signal,
        );
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

  /** The first try and the retries the route allows, each within its per-try timeout. */
  async #tries(
    policy: RetryPolicy | undefined,
    pod: Pod,
    program: Program,
    request: SimRequest,
    signal: AbortSignal,
    arrival?: Arrival,
  ): Promise<SimResponse> {
    if (!policy) return this.#run(pod, program, request, signal, arrival);
    let response: SimResponse | undefined;
    for (let attempt = 0; attempt <= policy.retries; attempt++) {
      response = await this.#try(policy.perTryTimeoutMs, pod, program, request, signal, arrival);
      if (!retriable(policy, response)) break;
    }
    return response!;
  }

  async #try(
    perTryMs: number | undefined,
    pod: Pod,
    program: Program,
    request: SimRequest,
    signal: AbortSignal,
    arrival?: Arrival,
  ): Promise<SimResponse> {
    if (perTryMs === undefined) return this.#run(pod, program, request, signal, arrival);
    const { controller, release } = childOf(signal);
    const cancelTimer = this.#options.clock.setTimer(perTryMs, () => controller.abort(PER_TRY_TIMEOUT));
    try {
      return await abortable(this.#run(pod, program, request, controller.signal, arrival), controller.signal);
    } catch (error) {
      if (error !== PER_TRY_TIMEOUT) throw error;
      return upstreamTimeout();
    } finally {
      cancelTimer();
      release();
    }
  }

  #run(
    pod: Pod,
    program: Program,
    request: SimRequest,
    signal: AbortSignal,
    arrival?: Arrival,
  ): Promise<SimResponse> {
    const context: WorkloadContext = {
      pod,
      signal,
      clock: this.#options.clock,
      fetch: (url, init) => this.#call(pod, url, init, signal),
    };
    const result = abortable(program(request, context), signal);
    const observer = this.#options.observer;
    if (!observer) return result;
    const started = new Date();
    const t0 = this.#options.clock.now();
    // Inbound traffic to a pod with a sidecar goes through it (iptables), whoever sends it;
    // a port-forward connects to the app's port directly.
    const inbound = (response: SimResponse | undefined) => {
      if (!arrival || !hasSidecar(pod)) return;
      const durationMs = this.#options.clock.now() - t0;
      const answered = response && {
        ...response,
        headers: { ...response.headers, "x-envoy-upstream-service-time": String(Math.round(durationMs)) },
      };
      notify(() =>
        observer.proxied({
          proxy: pod,
          direction: "inbound",
          started,
          durationMs,
          request,
          response: answered,
          upstream: { pod, port: arrival.port },
          delayed: false,
          downstream: arrival.from,
          dialled: { port: arrival.port },
          mtls: arrival.from && hasSidecar(arrival.from) ? arrival.mtls : undefined,
          routeName: "default",
        }),
      );
    };
    result.then(
      (response) => {
        const source = !arrival
          ? "127.0.0.1"
          : hasSidecar(pod)
            ? "127.0.0.6"
            : (arrival.from?.status?.podIP ?? "10.244.0.1");
        notify(() => observer.served(pod, request, response, source));
        inbound(response);
      },
      () => inbound(undefined),
    );
    return result;
  }

  /** A program's outbound call, reported to the observer once it has an outcome. */
  async #call(caller: Pod, url: string, init: FetchInit, signal: AbortSignal): Promise<SimResponse> {
    const observer = this.#options.observer;
    if (!observer) return this.fromPod(caller, url, init, signal);
    const request: SimRequest = {
      method: init.method ?? "GET",
      path: url,
      headers: init.headers ?? {},
      body: init.body ?? "",
    };
    try {
      const response = await this.fromPod(caller, url, init, signal);
      notify(() => observer.called(caller, url, request, response));
      return response;
    } catch (error) {
      notify(() => observer.called(caller, url, request, undefined));
      throw error;
    }
  }
}

/** The pod port behind a Service port: its numeric targetPort, else the port itself. */
function targetPort(service: ServiceInfo, port: number): number {
  const entry = service.ports.find((p) => p.port === port);
  const target = entry?.targetPort;
  if (typeof target === "number") return target;
  if (typeof target === "string" && /^\d+$/.test(target)) return Number(target);
  return port;
}

/** Logging must never break a request. */
function notify(report: () => void): void {
  try {
    report();
  } catch (error) {
    process.emitWarning(`sandbox mesh observer: ${(error as Error)?.stack ?? error}`);
  }
}
