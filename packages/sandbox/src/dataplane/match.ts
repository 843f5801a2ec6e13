import { pathOnly, queryOf, type SimRequest } from "./http.ts";
import { type HttpMatchRequest, type HttpRoute, listOf, type StringMatch, stringsOf } from "./istioConfig.ts";

/** Where a request comes from, for the match fields that look at the caller. */
export interface MatchSource {
  /** Labels of the calling pod (sidecar) or of the gateway pod. */
  labels: Readonly<Record<string, string>>;
  namespace: string;
  /** "mesh" for sidecar traffic, else the gateways ("namespace/name") that accepted the request. */
  gateways: readonly string[];
  port: number;
}

const regexCache = new Map<string, RegExp | null>();

/** Istio regexes are RE2 and must match the whole value. Invalid ones never match. */
function fullRegex(pattern: string, ignoreCase: boolean): RegExp | null {
  const key = `${ignoreCase ? "i" : "-"}${pattern}`;
  let compiled = regexCache.get(key);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${pattern})$`, ignoreCase ? "i" : "");
    } catch {
      compiled = null;
    }
    // Patterns come from config, so the set is small; the cap keeps churn from growing it.
    if (regexCache.size > 512) regexCache.clear();
    regexCache.set(key, compiled);
  }
  return compiled;
}

/** An empty StringMatch only asks that the value be present, as in Istio's header matches. */
export function stringMatches(match: StringMatch, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  if (typeof match !== "object" || match === null) return false;
  if (match.exact !== undefined) {
    if (typeof match.exact !== "string") return false;
    return ignoreCase ? match.exact.toLowerCase() === value.toLowerCase() : match.exact === value;
  }
  if (match.prefix !== undefined) {
    if (typeof match.prefix !== "string") return false;
    return ignoreCase
      ? value.toLowerCase().startsWith(match.prefix.toLowerCase())
      : value.startsWith(match.prefix);
  }
  if (match.regex !== undefined) return fullRegex(match.regex, ignoreCase)?.test(value) ?? false;
  return true;
}

const qualify = (gateway: string, namespace: string): string =>
  gateway === "mesh" || gateway.includes("/") ? gateway : `${namespace}/${gateway}`;

function isSubset(
  wanted: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
) {
  if (!wanted) return true;
  for (const [k, v] of Object.entries(wanted)) if (labels[k] !== v) return false;
  return true;
}

/** All fields present in one match entry must hold (AND). */
export function requestMatches(
  match: HttpMatchRequest,
  request: SimRequest,
  source: MatchSource,
  ruleNamespace: string,
): boolean {
  if (match.uri && !stringMatches(match.uri, pathOnly(request.path), match.ignoreUriCase === true))
    return false;
  if (match.method && !stringMatches(match.method, request.method)) return false;
  if (match.scheme && !stringMatches(match.scheme, "http")) return false;
  if (match.authority && !stringMatches(match.authority, request.headers.host)) return false;
  if (match.headers) {
    for (const [name, m] of Object.entries(match.headers)) {
      if (!stringMatches(m ?? {}, request.headers[name.toLowerCase()])) return false;
    }
  }
  if (match.withoutHeaders) {
    for (const [name, m] of Object.entries(match.withoutHeaders)) {
      if (stringMatches(m ?? {}, request.headers[name.toLowerCase()])) return false;
    }
  }
  if (match.queryParams) {
    const query = queryOf(request.path);
    for (const [name, m] of Object.entries(match.queryParams)) {
      if (!stringMatches(m ?? {}, query.get(name) ?? undefined)) return false;
    }
  }
  if (match.port !== undefined && match.port !== source.port) return false;
  if (!isSubset(match.sourceLabels, source.labels)) return false;
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== source.namespace) return false;
  const gateways = stringsOf(match.gateways);
  if (gateways.length > 0) {
    const allowed = gateways.map((g) => qualify(g, ruleNamespace));
    if (!source.gateways.some((g) => allowed.includes(g))) return false;
  }
  return true;
}

/** A rule without matches catches everything; its match entries are alternatives (OR). */
export function ruleMatches(
  rule: HttpRoute,
  request: SimRequest,
  source: MatchSource,
  ruleNamespace: string,
) {
  const matches = listOf(rule.match);
  if (matches.length === 0) return true;
  return matches.some((m) => requestMatches(m, request, source, ruleNamespace));
}

export interface BoundRule {
  rule: HttpRoute;
  /** Namespace of the VirtualService the rule came from: short hosts resolve against it. */
  namespace: string;
}

/** First match wins, in the order the rules were given. */
export function firstMatchingRule(
  rules: readonly BoundRule[],
  request: SimRequest,
  source: MatchSource,
): BoundRule | undefined {
  return rules.find((r) => ruleMatches(r.rule, request, source, r.namespace));
}

export const qualifiedGateway = qualify;
