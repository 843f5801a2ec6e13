import {
  byAge,
  type ConditionResult,
  type HeaderFilter,
  type HttpBackendRef,
  type HttpRouteFilter,
  type HttpRouteMatch,
  type HttpRouteSpec,
  listOf,
  type NamedObject,
  type PathModifier,
} from "./types.ts";

// HTTPRoute rules the way Istio turns them into Envoy routes: one route per match, sorted by the
// Gateway API's precedence (exact paths before prefixes before regexes, longer before shorter,
// then method, header and query matches), backends by weight, and the filters that act on the
// request and the response. Pure: the data plane evaluates these per request.

const DOMAIN = "svc.cluster.local";

export interface HeaderOps {
  set: [name: string, value: string][];
  add: [name: string, value: string][];
  remove: string[];
}

export interface Backend {
  weight: number;
  namespace: string;
  name: string;
  port: number | undefined;
  /** A reference Istio could not resolve: requests that would go there get a 500. */
  invalid: boolean;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
}

export interface Redirect {
  scheme?: string;
  hostname?: string;
  port?: number;
  statusCode: number;
  path?: PathModifier;
}

export interface RuleAction {
  backends: Backend[];
  /** The local reply when no backend has a weight above zero (500, as the spec requires). */
  directStatus?: number;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  redirect?: Redirect;
  rewrite?: { hostname?: string; path?: PathModifier };
  timeoutMs?: number;
}

export type PathType = "Exact" | "PathPrefix" | "RegularExpression";

export interface ValueTest {
  name: string;
  regex: boolean;
  value: string;
}

export interface CompiledMatch {
  path: { type: PathType; value: string };
  headers: ValueTest[];
  queryParams: ValueTest[];
  method?: string;
}

/** One match of one rule of one HTTPRoute: the unit Envoy's route table is made of. */
export interface RouteRule {
  routeNamespace: string;
  routeName: string;
  ruleIndex: number;
  /** Undefined for a rule without matches, which catches everything. */
  match: CompiledMatch | undefined;
  action: RuleAction;
}

export interface ConvertedRoute {
  rules: RouteRule[];
  /** The ResolvedRefs condition's failure, if any (bad backend, unsupported filter...). */
  error?: Omit<ConditionResult, "status">;
}

export interface BackendLookup {
  serviceExists(namespace: string, name: string): boolean;
  /** A ReferenceGrant lets HTTPRoutes of `from` use Service `name` in `to`. */
  granted(from: string, to: string, name: string): boolean;
}

class HardError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  let ms = 0;
  const re = /(\d+)(ms|h|m|s)/g;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    ms += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n;
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) return undefined;
  return ms;
}

function headerOps(filter: HeaderFilter | undefined): HeaderOps | undefined {
  if (!filter) return undefined;
  // "Subsequent entries with an equivalent header name MUST be ignored."
  const pairs = (list: HeaderFilter["set"]) => {
    const seen = new Set<string>();
    const out: [string, string][] = [];
    for (const h of listOf(list)) {
      const name = (h.name ?? "").toLowerCase();
      if (!name || seen.has(name)) continue;
      seen.add(name);
      out.push([name, h.value ?? ""]);
    }
    return out;
  };
  return {
    set: pairs(filter.set),
    add: pairs(filter.add),
    remove: listOf(filter.remove).map((n) => String(n).toLowerCase()),
  };
}

function compileMatch(match: HttpRouteMatch): CompiledMatch {
  const type = (match.path?.type ?? "PathPrefix") as PathType;
  let value = match.path?.value ?? "/";
  // "When specified, a trailing `/` is ignored."
  if (type === "PathPrefix" && value !== "/") value = value.replace(/\/$/, "");
  const tests = (list: HttpRouteMatch["headers"], lower: boolean): ValueTest[] =>
    listOf(list).map((h) => ({
      name: lower ? (h.name ?? "").toLowerCase() : (h.name ?? ""),
      regex: h.type === "RegularExpression",
      value: h.value ?? "",
    }));
  return {
    path: { type, value },
    headers: tests(match.headers, true),
    queryParams: tests(match.queryParams, false),
    ...(match.method ? { method: match.method } : {}),
  };
}

function applyFilters(filters: HttpRouteFilter[] | undefined, action: RuleAction): void {
  for (const filter of listOf(filters)) {
    switch (filter.type) {
      case "RequestHeaderModifier": {
        const ops = headerOps(filter.requestHeaderModifier);
        if (ops) action.requestHeaders = ops;
        break;
      }
      case "ResponseHeaderModifier": {
        const ops = headerOps(filter.responseHeaderModifier);
        if (ops) action.responseHeaders = ops;
        break;
      }
      case "RequestRedirect": {
        const r = filter.requestRedirect ?? {};
        action.redirect = {
          ...(r.scheme ? { scheme: r.scheme } : {}),
          ...(r.hostname ? { hostname: r.hostname } : {}),
          ...(r.port ? { port: r.port } : {}),
          ...(r.path ? { path: r.path } : {}),
          statusCode: r.statusCode ?? 302,
        };
        break;
      }
      case "URLRewrite": {
        const r = filter.urlRewrite ?? {};
        if (r.hostname || r.path) action.rewrite = { hostname: r.hostname, path: r.path };
        break;
      }
      // Mirrored copies and CORS preflights are not part of what a client sees in the sandbox.
      case "RequestMirror":
      case "CORS":
        break;
      default:
        throw new HardError("InvalidFilter", `unsupported filter type "${filter.type ?? ""}"`);
    }
  }
}

function backendOf(
  ref: HttpBackendRef,
  routeNamespace: string,
  lookup: BackendLookup,
  problems: Omit<ConditionResult, "status">[],
): Backend {
  const group = ref.group ?? "";
  const kind = ref.kind ?? "Service";
  const namespace = ref.namespace ?? routeNamespace;
  const name = ref.name ?? "";
  const backend: Backend = { weight: ref.weight ?? 1, namespace, name, port: ref.port, invalid: false };
  for (const filter of listOf(ref.filters)) {
    if (filter.type === "RequestHeaderModifier")
      backend.requestHeaders = headerOps(filter.requestHeaderModifier);
    else if (filter.type === "ResponseHeaderModifier")
      backend.responseHeaders = headerOps(filter.responseHeaderModifier);
    else throw new HardError("InvalidFilter", `unsupported filter type "${filter.type ?? ""}"`);
  }
  const invalid = (reason: string, message: string) => {
    backend.invalid = true;
    problems.push({ reason, message });
    return backend;
  };
  if (namespace !== routeNamespace && !lookup.granted(routeNamespace, namespace, name)) {
    return invalid(
      "RefNotPermitted",
      `backendRef ${name}/${namespace} not accessible to a HTTPRoute in namespace "${routeNamespace}" (missing a ReferenceGrant?)`,
    );
  }
  if (group === "" && kind === "Service") {
    if (name.includes(".")) {
      throw new HardError(
        "InvalidDestination",
        "service name invalid; the name of the Service must be used, not the hostname.",
      );
    }
    if (ref.port === undefined) throw new HardError("InvalidDestination", "port is required in backendRef");
    if (!lookup.serviceExists(namespace, name))
      return invalid("BackendNotFound", `backend(${name}.${namespace}.${DOMAIN}) not found`);
    return backend;
  }
  if (group === "networking.istio.io" && kind === "Hostname") {
    return invalid("BackendNotFound", `backend(${name}) not found`);
  }
  return invalid("InvalidKind", `referencing unsupported backendRef: group "${group}" kind "${kind}"`);
}

/** One HTTPRoute's rules, or the error that keeps Istio from programming it. */
export function convertRoute(route: NamedObject<HttpRouteSpec>, lookup: BackendLookup): ConvertedRoute {
  const rules: RouteRule[] = [];
  const problems: Omit<ConditionResult, "status">[] = [];
  try {
    listOf(route.spec.rules).forEach((rule, ruleIndex) => {
      const action: RuleAction = { backends: [] };
      applyFilters(rule.filters, action);
      const timeout = parseDuration(rule.timeouts?.request) || parseDuration(rule.timeouts?.backendRequest);
      if (timeout) action.timeoutMs = timeout;
      const refs = listOf(rule.backendRefs);
      const weightSum = refs.reduce((sum, r) => sum + (r.weight ?? 1), 0);
      if (weightSum === 0 && !action.redirect) action.directStatus = 500;
      else
        for (const ref of refs) {
          if ((ref.weight ?? 1) === 0) continue;
          action.backends.push(backendOf(ref, route.namespace, lookup, problems));
        }
      const matches = listOf(rule.matches);
      const base = { routeNamespace: route.namespace, routeName: route.name, ruleIndex, action };
      if (matches.length === 0) rules.push({ ...base, match: undefined });
      for (const m of matches) rules.push({ ...base, match: compileMatch(m) });
    });
  } catch (error) {
    if (!(error instanceof HardError)) throw error;
    return { rules: [], error: { reason: error.reason, message: error.message } };
  }
  const error = problems.length
    ? { reason: problems[0]!.reason, message: problems.map((p) => p.message).join("; ") }
    : undefined;
  return error ? { rules, error } : { rules };
}

const URI_RANK: Record<PathType, number> = { Exact: 3, PathPrefix: 2, RegularExpression: 1 };

/** sortHTTPRoutes: stable, so routes keep their age order (and rules their list order) on ties. */
function precedence(a: RouteRule, b: RouteRule): number {
  if (!a.match) return b.match ? 1 : 0;
  if (!b.match) return -1;
  const m1 = a.match;
  const m2 = b.match;
  if (m1.path.type !== m2.path.type) return URI_RANK[m2.path.type] - URI_RANK[m1.path.type];
  if (m1.path.value.length !== m2.path.value.length) return m2.path.value.length - m1.path.value.length;
  if (!m1.method !== !m2.method) return m1.method ? -1 : 1;
  if (m1.headers.length !== m2.headers.length) return m2.headers.length - m1.headers.length;
  return m2.queryParams.length - m1.queryParams.length;
}

/** The route table for rules gathered from several HTTPRoutes (given oldest route first). */
export function sortRules(rules: readonly RouteRule[]): RouteRule[] {
  return [...rules].sort(precedence);
}

/** Routes in Istio's order of age (then namespace and name), for gathering their rules. */
export const routesByAge = <T extends { object: Parameters<typeof byAge>[0] }>(routes: readonly T[]): T[] =>
  [...routes].sort((a, b) => byAge(a.object, b.object));

const regexCache = new Map<string, RegExp | null>();

/** Gateway API regexes are RE2 and match the whole value; an invalid one never matches. */
function fullRegex(pattern: string): RegExp | null {
  let compiled = regexCache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${pattern})$`);
    } catch {
      compiled = null;
    }
    if (regexCache.size > 512) regexCache.clear();
    regexCache.set(pattern, compiled);
  }
  return compiled;
}

const testValue = (t: ValueTest, value: string | undefined) =>
  value !== undefined && (t.regex ? (fullRegex(t.value)?.test(value) ?? false) : t.value === value);

export interface MatchRequest {
  method: string;
  /** Path and query as on the request line. */
  path: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
}

/** PathPrefix matches whole segments: "/static" takes "/static" and "/static/x", not "/staticx". */
function pathMatches(type: PathType, value: string, path: string): boolean {
  if (type === "Exact") return path === value;
  if (type === "RegularExpression") return fullRegex(value)?.test(path) ?? false;
  if (value === "/") return true;
  return path === value || path.startsWith(`${value}/`);
}

export function ruleMatches(rule: RouteRule, request: MatchRequest): boolean {
  const m = rule.match;
  if (!m) return true;
  const q = request.path.indexOf("?");
  const path = q === -1 ? request.path : request.path.slice(0, q);
  if (!pathMatches(m.path.type, m.path.value, path)) return false;
  if (m.method && m.method !== request.method) return false;
  for (const h of m.headers) if (!testValue(h, request.headers[h.name])) return false;
  if (m.queryParams.length) {
    const query = new URLSearchParams(q === -1 ? "" : request.path.slice(q + 1));
    for (const p of m.queryParams) if (!testValue(p, query.get(p.name) ?? undefined)) return false;
  }
  return true;
}

/** The path after a rewrite or redirect's path modifier, query kept. */
export function modifiedPath(modifier: PathModifier, match: CompiledMatch | undefined, path: string): string {
  const q = path.indexOf("?");
  const bare = q === -1 ? path : path.slice(0, q);
  const query = q === -1 ? "" : path.slice(q);
  if (modifier.type === "ReplaceFullPath") return `${modifier.replaceFullPath ?? "/"}${query}`;
  if (modifier.type === "ReplacePrefixMatch" && match?.path.type === "PathPrefix") {
    const prefix = match.path.value === "/" ? "" : match.path.value;
    const replacement = (modifier.replacePrefixMatch ?? "/").replace(/\/$/, "");
    let rest = bare.slice(prefix.length);
    if (rest && !rest.startsWith("/")) rest = `/${rest}`;
    return `${replacement + rest || "/"}${query}`;
  }
  return path;
}
