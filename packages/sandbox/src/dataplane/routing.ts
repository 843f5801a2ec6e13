import type { HeaderOps } from "../gatewayapi/istio/rules.ts";
import type { Pod } from "../kube.ts";
import { type Decks, type Random, routeWeights } from "./balancer.ts";
import { clusterNotFound, noHealthyUpstream, noRoute } from "./envoyReplies.ts";
import { type FaultOutcome, parseDuration, rollFault } from "./faults.ts";
import { ruleHost } from "./hosts.ts";
import { hostWithoutPort, type SimRequest, type SimResponse } from "./http.ts";
import { preferredHttpRoutes, routeByHttpRoutes } from "./httpRoutes.ts";
import { listOf } from "./istioConfig.ts";
import { type BoundRule, firstMatchingRule, type MatchSource } from "./match.ts";
import type { MeshIndex, ServiceInfo } from "./meshIndex.ts";
import { type RetryPolicy, retryPolicy } from "./retries.ts";

// Routing decisions: which pod gets a request, or which local reply the proxy makes instead.
// No timers and no sockets here; the caller acts on the decision.

export interface RoutingContext {
  index: MeshIndex;
  decks: Decks;
  random: Random;
}

export type Decision =
  | { kind: "reply"; response: SimResponse }
  | {
      kind: "forward";
      /** Undefined when there is nowhere to send the request once the fault filter has run. */
      pod: Pod | undefined;
      /** The router's local reply when `pod` is undefined (no cluster, no healthy endpoint). */
      unroutable: SimResponse | undefined;
      fault: FaultOutcome;
      /** The route's own timeout (504 when exceeded); undefined means none, Istio's default. */
      timeoutMs: number | undefined;
      /** The Envoy cluster the router picked (for access logs): host, port, subset. */
      cluster?: { host: string; port?: number; subset?: string };
      /** The route's name, as access logs show it. */
      routeName?: string;
      /** The route's retries, when it sets them. */
      retries?: RetryPolicy;
      /** What the route changes in the request before it goes upstream (headers, path, host). */
      rewrite?: (request: SimRequest) => SimRequest;
      /** Response header changes the route asks for, applied in order. */
      responseHeaders?: readonly HeaderOps[];
    };

const reply = (response: SimResponse): Decision => ({ kind: "reply", response });
const NO_FAULT: FaultOutcome = { delayMs: 0, abortStatus: undefined };

function pickPod(ctx: RoutingContext, pods: readonly Pod[]): Pod {
  return pods[ctx.decks.pickEven(pods, pods.length)]!;
}

/** Without any rule a Service is one cluster of all its ready pods, every version alike. */
export function routeToService(ctx: RoutingContext, service: ServiceInfo, port?: number): Decision {
  const pods = ctx.index.endpoints(service);
  if (pods.length === 0) return reply(noHealthyUpstream());
  return {
    kind: "forward",
    pod: pickPod(ctx, pods),
    unroutable: undefined,
    fault: NO_FAULT,
    timeoutMs: undefined,
    cluster: { host: service.fqdn, port },
    routeName: "default",
  };
}

/** The ready pods behind a route destination, or the local reply when there is no such cluster. */
function destinationPods(
  ctx: RoutingContext,
  host: unknown,
  subsetName: unknown,
  ruleNamespace: string,
  clientNamespace: string,
): readonly Pod[] | SimResponse {
  const service =
    typeof host === "string" ? ctx.index.services.get(ruleHost(host, ruleNamespace)) : undefined;
  if (!service) return clusterNotFound();
  const pods = ctx.index.endpoints(service);
  if (!subsetName) return pods;
  const subsets = ctx.index.destinationRule(service.fqdn, clientNamespace)?.subsets;
  const subset = listOf(subsets).find((s) => s.name === subsetName);
  if (!subset) return clusterNotFound();
  const labels = Object.entries(subset.labels ?? {});
  return ctx.index.memo(`subset ${service.fqdn} ${JSON.stringify(labels)}`, () =>
    pods.filter((p) => labels.every(([k, v]) => p.metadata.labels?.[k] === v)),
  );
}

/** A matched rule: local replies first, then a destination by weight, then its subset's pods. */
export function routeByRule(
  ctx: RoutingContext,
  bound: BoundRule,
  request: SimRequest,
  clientNamespace: string,
): Decision {
  const { rule, namespace } = bound;
  if (rule.directResponse) {
    const body = rule.directResponse.body?.string ?? "";
    return reply({
      status: rule.directResponse.status ?? 200,
      headers: { "content-length": String(Buffer.byteLength(body)), "content-type": "text/plain" },
      body,
    });
  }
  if (rule.redirect) {
    const q = request.path.indexOf("?");
    const query = q === -1 ? "" : request.path.slice(q);
    const path = rule.redirect.uri ? `${rule.redirect.uri}${query}` : request.path;
    const host = rule.redirect.authority ?? request.headers.host ?? "";
    return reply({
      status: rule.redirect.redirectCode ?? 301,
      headers: { location: `http://${host}${path}`, "content-length": "0" },
      body: "",
    });
  }
  const destinations = listOf(rule.route);
  if (destinations.length === 0) return reply(noRoute());
  const weights = routeWeights(destinations.map((d) => d.weight));
  const chosen = destinations[ctx.decks.pick(destinations, weights)]?.destination;
  const fault = rollFault(rule.fault, ctx.random);
  const pods = destinationPods(ctx, chosen?.host, chosen?.subset, namespace, clientNamespace);
  const unroutable = !Array.isArray(pods)
    ? (pods as SimResponse)
    : pods.length === 0
      ? noHealthyUpstream()
      : undefined;
  // The fault filter runs before the router, so a delay or abort happens even with nowhere to go.
  if (unroutable && fault.delayMs === 0 && fault.abortStatus === undefined) return reply(unroutable);
  const pod = unroutable ? undefined : pickPod(ctx, pods as readonly Pod[]);
  const cluster =
    typeof chosen?.host === "string"
      ? { host: ruleHost(chosen.host, namespace), port: chosen.port?.number, subset: chosen.subset }
      : undefined;
  const retries = retryPolicy(rule.retries);
  return {
    kind: "forward",
    pod,
    unroutable,
    fault,
    timeoutMs: parseDuration(rule.timeout),
    cluster,
    routeName: rule.name,
    ...(retries ? { retries } : {}),
  };
}

/** A call from a pod with a sidecar: the mesh VirtualService for the host, if any, decides. */
export function routeFromSidecar(
  ctx: RoutingContext,
  caller: Pod,
  service: ServiceInfo,
  request: SimRequest,
  port: number,
): Decision {
  return routeMeshCall(ctx, caller, service, request, port);
}

/**
 * L7 routing of a mesh call (by the caller's sidecar, or by the waypoint in front of the
 * service): mesh HTTPRoutes of the service when Istio prefers them, else its mesh VirtualService,
 * else plain balancing over the Service.
 */
export function routeMeshCall(
  ctx: RoutingContext,
  caller: Pod,
  service: ServiceInfo,
  request: SimRequest,
  port: number,
): Decision {
  const namespace = caller.metadata.namespace ?? "default";
  const httpRoutes = preferredHttpRoutes(ctx, service, port, namespace);
  if (httpRoutes) return routeByHttpRoutes(ctx, httpRoutes, request);
  const rules = ctx.index.meshRules(service.fqdn);
  if (!rules) return routeToService(ctx, service, port);
  const source: MatchSource = { labels: caller.metadata.labels ?? {}, namespace, gateways: ["mesh"], port };
  const bound = firstMatchingRule(rules, request, source);
  return bound ? routeByRule(ctx, bound, request, namespace) : reply(noRoute());
}

/** A request arriving at the ingress gateway's node port. */
export function routeFromGateway(ctx: RoutingContext, nodePort: number, request: SimRequest): Decision {
  const routes = ctx.index.gatewayRoutes(nodePort, hostWithoutPort(request.headers.host));
  if (!routes) return reply(noRoute());
  const ingress = ctx.index.ingress(nodePort)!;
  const namespace = ingress.service.namespace;
  const source: MatchSource = {
    labels: routes.labels,
    namespace,
    gateways: routes.gateways,
    port: ingress.port,
  };
  const bound = firstMatchingRule(routes.rules, request, source);
  return bound ? routeByRule(ctx, bound, request, namespace) : reply(noRoute());
}
