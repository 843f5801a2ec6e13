import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import { type HeaderOps, modifiedPath, type RouteRule, ruleMatches } from "../gatewayapi/istio/rules.ts";
import { noHealthyUpstream, noRoute } from "./envoyReplies.ts";
import { serviceFqdn } from "./hosts.ts";
import { hostWithoutPort, type SimRequest, type SimResponse } from "./http.ts";
import type { ServiceInfo } from "./meshIndex.ts";
import type { Decision, RoutingContext } from "./routing.ts";

// Gateway API HTTPRoutes in the data plane: the route table a Gateway API gateway serves on a
// port, and the mesh (GAMMA) routes a sidecar or waypoint applies to calls to a Service, with
// Istio's precedence over VirtualServices for the same host.

const reply = (response: SimResponse): Decision => ({ kind: "reply", response });
const empty = (status: number, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { ...headers, "content-length": "0" },
  body: "",
});

function applyHeaders(headers: Record<string, string>, ops: HeaderOps | undefined): void {
  if (!ops) return;
  for (const [name, value] of ops.set) headers[name] = value;
  for (const [name, value] of ops.add) headers[name] = headers[name] ? `${headers[name]},${value}` : value;
  for (const name of ops.remove) delete headers[name];
}

function portOf(host: string | undefined): number | undefined {
  const m = /:(\d+)$/.exec(host ?? "");
  return m ? Number(m[1]) : undefined;
}

function redirect(rule: RouteRule, request: SimRequest): Decision {
  const r = rule.action.redirect!;
  const scheme = r.scheme ?? "http";
  const host = r.hostname ?? hostWithoutPort(request.headers.host);
  // The request's own port, unless the filter names one or changes the scheme.
  const port = r.port ?? (r.scheme ? undefined : portOf(request.headers.host));
  const defaultPort = scheme === "https" ? 443 : 80;
  const authority = port && port !== defaultPort ? `${host}:${port}` : host;
  const path = r.path ? modifiedPath(r.path, rule.match, request.path) : request.path;
  return reply(empty(r.statusCode, { location: `${scheme}://${authority}${path}` }));
}

/** The first matching rule decides: redirect, local 500, or a weighted backend's ready pods. */
export function routeByHttpRoutes(
  ctx: RoutingContext,
  rules: readonly RouteRule[],
  request: SimRequest,
): Decision {
  const rule = rules.find((r) => ruleMatches(r, request));
  if (!rule) return reply(noRoute());
  const { action } = rule;
  if (action.redirect) return redirect(rule, request);
  if (action.directStatus) return reply(empty(action.directStatus));
  const backends = action.backends;
  if (backends.length === 0) return reply(empty(500));
  const backend =
    backends[
      ctx.decks.pick(
        action,
        backends.map((b) => b.weight),
      )
    ]!;
  // The spec asks for a 500 for requests that would go to a backend that could not be resolved.
  if (backend.invalid) return reply(empty(500));
  const service = ctx.index.services.get(serviceFqdn(backend.name, backend.namespace));
  if (!service) return reply(empty(500));
  const pods = ctx.index.endpoints(service);
  if (pods.length === 0) return reply(noHealthyUpstream());
  const changes = action.requestHeaders || backend.requestHeaders || action.rewrite;
  const rewrite = (upstream: SimRequest): SimRequest => {
    const headers = { ...upstream.headers };
    applyHeaders(headers, action.requestHeaders);
    applyHeaders(headers, backend.requestHeaders);
    if (action.rewrite?.hostname) headers.host = action.rewrite.hostname;
    const path = action.rewrite?.path
      ? modifiedPath(action.rewrite.path, rule.match, upstream.path)
      : upstream.path;
    return { ...upstream, path, headers };
  };
  const responseHeaders = [action.responseHeaders, backend.responseHeaders].filter(
    (ops): ops is HeaderOps => ops !== undefined,
  );
  return {
    kind: "forward",
    pod: pods[ctx.decks.pickEven(pods, pods.length)]!,
    unroutable: undefined,
    fault: { delayMs: 0, abortStatus: undefined },
    timeoutMs: action.timeoutMs,
    ...(changes ? { rewrite } : {}),
    ...(responseHeaders.length ? { responseHeaders } : {}),
  };
}

/** A request reaching a Gateway API gateway's listener port. */
export function routeFromManagedGateway(
  ctx: RoutingContext,
  gateway: GatewayModel,
  port: number,
  request: SimRequest,
): Decision {
  const rules = ctx.index.gatewayApi.rulesFor(gateway, port, hostWithoutPort(request.headers.host));
  if (!rules) return reply(noRoute());
  return routeByHttpRoutes(ctx, rules, request);
}

/**
 * The mesh HTTPRoutes for a call, when Istio would use them rather than a VirtualService for the
 * same host: routes in the caller's namespace always win; otherwise the older config does.
 */
export function preferredHttpRoutes(
  ctx: RoutingContext,
  service: ServiceInfo,
  port: number,
  clientNamespace: string,
): readonly RouteRule[] | undefined {
  const routes = ctx.index.gatewayApi.meshRules(service.namespace, service.name, port, clientNamespace);
  if (!routes) return undefined;
  if (routes.sameNamespace || !ctx.index.meshRules(service.fqdn)) return routes.rules;
  const routeCreated = routes.oldest.metadata.creationTimestamp ?? "";
  return routeCreated < ctx.index.meshRulesCreated(service.fqdn) ? routes.rules : undefined;
}

export function applyResponseHeaders(
  response: SimResponse,
  ops: readonly HeaderOps[] | undefined,
): SimResponse {
  if (!ops?.length) return response;
  const headers = { ...response.headers };
  for (const o of ops) applyHeaders(headers, o);
  return { ...response, headers };
}
