// Istio's validation of a VirtualService (ValidateVirtualService and the route checks it calls),
// as istiod's webhook runs it on every create and update, with Istio's messages.

import { append, appendMulti, type Errors, none } from "./errors.ts";
import {
  hostsOverlap,
  isDns1123Label,
  isIpAddress,
  validateGatewayBoundHost,
  validateGatewayNames,
  validatePort,
  validateWildcardDomain,
} from "./names.ts";

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const rec = (v: unknown): Json | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
const has = (v: unknown) => v !== undefined && v !== null;

const MESH = "mesh";

export function validateVirtualService(spec: Json, namespace: string): Errors {
  const errors = none();
  const hosts = strs(spec.hosts);
  const gateways = strs(spec.gateways);
  const http = Array.isArray(spec.http) ? (spec.http as unknown[]) : [];
  const tcp = list(spec.tcp);
  const tls = list(spec.tls);
  if (hosts.length === 0) {
    // Without hosts a VirtualService is a delegate, which only root routes point at.
    if (gateways.length) append(errors, "delegate virtual service must have no gateways specified");
    if (tls.length) append(errors, "delegate virtual service must have no tls route specified");
    if (tcp.length) append(errors, "delegate virtual service must have no tcp route specified");
  }
  let appliesToMesh = gateways.length === 0;
  let appliesToGateway = false;
  if (gateways.length) {
    append(errors, validateGatewayNames(gateways));
    appliesToGateway = !gateways.includes(MESH);
    appliesToMesh = !appliesToGateway;
  }
  const sni = tls.some((route) => list(route.match).some((m) => strs(m.sniHosts).length > 0));
  let allHostsValid = true;
  for (const host of hosts) {
    const problem = appliesToGateway ? validateGatewayBoundHost(sni, host) : validateWildcardDomain(host);
    if (problem) {
      if (!isIpAddress(host)) {
        append(errors, problem);
        allHostsValid = false;
      }
    } else if (appliesToMesh && host === "*") {
      append(errors, "wildcard host * is not allowed for virtual services bound to the mesh gateway");
      allHostsValid = false;
    }
  }
  if (allHostsValid) {
    hosts.forEach((a, i) => {
      for (const b of hosts.slice(i + 1))
        if (hostsOverlap(a, b)) append(errors, `duplicate hosts in virtual service: ${a} & ${b}`);
    });
  }
  if (http.length === 0 && tcp.length === 0 && tls.length === 0) {
    append(errors, "http, tcp or tls must be provided in virtual service");
  }
  for (const route of http) {
    const r = rec(route);
    if (!r) append(errors, "http route may not be null");
    else append(errors, validateHttpRoute(r, hosts.length === 0));
  }
  for (const route of tls) append(errors, validateTlsRoute(route, hosts, appliesToGateway));
  for (const route of tcp) append(errors, validateTcpRoute(route));
  append(errors, validateExportTo(namespace, strs(spec.exportTo)));
  return errors;
}

function validateHttpRoute(http: Json, delegate: boolean): Errors {
  const errors = validateRouteConflicts(http, delegate ? "delegate" : http.delegate ? "root" : "independent");
  append(errors, validateMatches(list(http.match)));
  append(errors, validateHeaderOperations(rec(http.headers)));
  append(errors, validateCors(rec(http.corsPolicy)));
  append(errors, validateFault(rec(http.fault)));
  const mirrorPercent = http.mirrorPercent ?? http.mirror_percent;
  if (typeof mirrorPercent === "number" && mirrorPercent > 100) {
    append(errors, `mirror_percent must have a max value of 100 (it has ${mirrorPercent})`);
  }
  const mirrorPercentage = rec(http.mirrorPercentage)?.value;
  if (typeof mirrorPercentage === "number") {
    if (mirrorPercentage > 100)
      append(errors, `mirror_percentage must have a max value of 100 (it has ${goFloat(mirrorPercentage)})`);
    if (mirrorPercentage < 0)
      append(errors, `mirror_percentage must have a min value of 0 (it has ${goFloat(mirrorPercentage)})`);
  }
  append(errors, validateDestination(rec(http.mirror)));
  for (const mirror of list(http.mirrors)) {
    if (!rec(mirror.destination)) append(errors, "destination is required for mirrors");
    else append(errors, validateDestination(rec(mirror.destination)));
  }
  append(errors, validateRedirect(rec(http.redirect)));
  const direct = rec(http.directResponse);
  if (direct && typeof direct.status === "number") append(errors, validateHttpStatus(direct.status));
  append(errors, validateRetries(rec(http.retries)));
  append(errors, validateRewrite(rec(http.rewrite)));
  append(errors, validateHttpRouteDestinations(list(http.route)));
  return errors;
}

function validateRouteConflicts(http: Json, type: "root" | "delegate" | "independent"): Errors {
  const errors = none();
  const name = typeof http.name === "string" ? http.name : "";
  const routes = list(http.route);
  if (type === "root") {
    if (has(http.redirect)) append(errors, `root HTTP route ${name} must not specify redirect`);
    if (has(http.route)) append(errors, `root HTTP route ${name} must not specify route`);
    return errors;
  }
  if (type === "delegate" && has(http.delegate))
    append(errors, "delegate HTTP route cannot contain delegate");
  if (has(http.redirect)) {
    if (routes.length) append(errors, "HTTP route cannot contain both route and redirect");
    if (has(http.fault)) append(errors, "HTTP route cannot contain both fault and redirect");
    if (has(http.rewrite)) append(errors, "HTTP route rule cannot contain both rewrite and redirect");
    if (has(http.directResponse))
      append(errors, "HTTP route rule cannot contain both direct_response and redirect");
  } else if (has(http.directResponse)) {
    if (routes.length) append(errors, "HTTP route cannot contain both route and direct_response");
    if (has(http.fault)) append(errors, "HTTP route cannot contain both fault and direct_response");
    if (has(http.rewrite)) append(errors, "HTTP route rule cannot contain both rewrite and direct_response");
  } else if (routes.length === 0) {
    append(errors, "HTTP route, redirect or direct_response is required");
  }
  if (has(http.mirror) && list(http.mirrors).length)
    append(errors, "HTTP route cannot contain both mirror and mirrors");
  return errors;
}

const VALID_HEADER_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([":method", ":scheme", ":authority", ":path", ":status"]);

function validateHeaderName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (name.startsWith("@request.auth.claims")) return undefined;
  if (PSEUDO_HEADERS.has(name)) return undefined;
  return VALID_HEADER_NAME.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

function validateStringMatch(match: unknown, where: string, allowEmptyPrefix = false): string | undefined {
  const m = rec(match);
  if (!m) return undefined;
  if (typeof m.prefix === "string" && m.prefix === "" && !allowEmptyPrefix) {
    return `${JSON.stringify(where)}: prefix string match should not be empty`;
  }
  if (typeof m.regex === "string") {
    if (m.regex === "") return `${JSON.stringify(where)}: regex string match should not be empty`;
    if (m.regex.length > 1024)
      return `${JSON.stringify(where)}: regex is too large, max length allowed is 1024`;
    try {
      new RegExp(m.regex, "u");
    } catch (e) {
      return `${JSON.stringify(where)}: ${(e as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
    }
  }
  return undefined;
}

function validateMatches(matches: Json[]): Errors {
  const errors = none();
  for (const match of matches) {
    for (const [name, header] of Object.entries(rec(match.headers) ?? {})) {
      if (header === null) append(errors, `header match ${name} cannot be null`);
      append(errors, validateHeaderName(name), validateStringMatch(header, "headers"));
    }
    for (const [name, header] of Object.entries(rec(match.withoutHeaders) ?? {})) {
      append(errors, validateHeaderName(name));
      if (rec(header)?.regex !== "*") append(errors, validateStringMatch(header, "withoutHeaders"));
    }
    append(errors, validateStringMatch(match.uri, "uri", true));
    append(errors, validateStringMatch(match.scheme, "scheme"));
    append(errors, validateStringMatch(match.method, "method"));
    append(errors, validateStringMatch(match.authority, "authority"));
    for (const qp of Object.values(rec(match.queryParams) ?? {}))
      append(errors, validateStringMatch(qp, "queryParams"));
  }
  for (const match of matches) {
    if (typeof match.port === "number" && match.port !== 0) append(errors, validatePort(match.port));
    append(errors, validateGatewayNames(strs(match.gateways)));
    if (
      typeof match.sourceNamespace === "string" &&
      match.sourceNamespace !== "" &&
      !isDns1123Label(match.sourceNamespace)
    ) {
      append(errors, `sourceNamespace match ${match.sourceNamespace} is invalid`);
    }
  }
  return errors;
}

function validateHeaderOperations(headers: Json | undefined): Errors {
  const errors = none();
  for (const side of ["request", "response"] as const) {
    const ops = rec(headers?.[side]);
    for (const name of [...Object.keys(rec(ops?.add) ?? {}), ...Object.keys(rec(ops?.set) ?? {})]) {
      if (name === "") append(errors, "header name cannot be empty");
      else if (name.startsWith(":") && !(side === "request" && name.toLowerCase() === ":authority")) {
        append(errors, `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`);
      } else if (side === "response" && name.toLowerCase() === "host") {
        append(errors, `invalid header ${JSON.stringify(name)}: cannot set Host header`);
      }
    }
    for (const name of strs(ops?.remove)) {
      if (name === "") append(errors, "header name cannot be empty");
      else if (name.toLowerCase() === "host")
        append(errors, `invalid header ${JSON.stringify(name)}: cannot set Host header`);
      else if (name.startsWith(":"))
        append(errors, `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`);
    }
  }
  return errors;
}

const CORS_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "*",
]);

function validateCors(policy: Json | undefined): Errors {
  const errors = none();
  if (!policy) return errors;
  for (const origin of list(policy.allowOrigins)) {
    const value = origin.exact ?? origin.prefix ?? origin.regex;
    if (typeof value !== "string" || value === "") {
      append(
        errors,
        `'${typeof value === "string" ? value : ""}' is not a valid match type for CORS allow origins`,
      );
    } else append(errors, validateStringMatch(origin, "corsPolicy.allowOrigins"));
  }
  for (const method of strs(policy.allowMethods)) {
    if (!CORS_METHODS.has(method)) append(errors, `${JSON.stringify(method)} is not a supported HTTP method`);
  }
  return errors;
}

function validatePercentage(percentage: unknown): string | undefined {
  const value = rec(percentage)?.value;
  if (typeof value !== "number") return undefined;
  if (value < 0 || value > 100 || (value > 0 && value < 0.0001)) {
    return `percentage ${value} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}

const validateHttpStatus = (status: number) =>
  status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;

function validateFault(fault: Json | undefined): Errors {
  const errors = none();
  if (!fault) return errors;
  const abort = rec(fault.abort);
  const delay = rec(fault.delay);
  if (!abort && !delay) appendMulti(errors, "HTTP fault injection must have an abort and/or a delay");
  if (abort) {
    append(errors, validatePercentage(abort.percentage));
    if (typeof abort.httpStatus === "number") append(errors, validateHttpStatus(abort.httpStatus));
    else if (typeof abort.http2Error === "string")
      append(errors, "HTTP/2 abort fault injection not supported yet");
  }
  if (delay) {
    append(errors, validatePercentage(delay.percentage));
    if (has(delay.exponentialDelay)) appendMulti(errors, "exponentialDelay not supported yet");
  }
  return errors;
}

export function validateDestination(destination: Json | undefined): Errors {
  const errors = none();
  if (!destination) return errors;
  const host = typeof destination.host === "string" ? destination.host : "";
  if (host === "*") append(errors, `invalid destination host ${host}`);
  else append(errors, validateWildcardDomain(host));
  if (typeof destination.subset === "string" && destination.subset !== "") {
    if (!isDns1123Label(destination.subset)) append(errors, `subset name is invalid: ${destination.subset}`);
  }
  const port = rec(destination.port);
  if (port) append(errors, validatePort(typeof port.number === "number" ? port.number : 0));
  return errors;
}

function validateRedirect(redirect: Json | undefined): string | undefined {
  if (!redirect) return undefined;
  if (
    !redirect.uri &&
    !redirect.authority &&
    !has(redirect.port) &&
    !has(redirect.derivePort) &&
    !redirect.scheme
  ) {
    return "redirect must specify URI, authority, scheme, or port";
  }
  if (typeof redirect.redirectCode === "number" && redirect.redirectCode !== 0) {
    if (redirect.redirectCode < 300 || redirect.redirectCode > 399) {
      return `${redirect.redirectCode} is not a valid redirect code, must be 3xx`;
    }
  }
  if (redirect.scheme && redirect.scheme !== "http" && redirect.scheme !== "https") {
    return 'invalid redirect scheme, must be "http" or "https"';
  }
  if (typeof redirect.port === "number" && redirect.port > 0) return validatePort(redirect.port);
  return undefined;
}

const RETRY_ON = new Set([
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "envoy-ratelimited",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
]);

function validateRetries(retries: Json | undefined): Errors {
  const errors = none();
  if (!retries) return errors;
  const attempts = typeof retries.attempts === "number" ? retries.attempts : 0;
  if (attempts < 0) appendMulti(errors, "attempts cannot be negative");
  if (
    attempts === 0 &&
    (has(retries.perTryTimeout) || retries.retryOn || has(retries.retryRemoteLocalities))
  ) {
    append(errors, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  if (typeof retries.retryOn === "string" && retries.retryOn !== "") {
    for (const policy of retries.retryOn.split(",")) {
      const code = Number(policy);
      const isStatus = /^\d+$/.test(policy) && code >= 100 && code <= 599;
      if (!isStatus && !RETRY_ON.has(policy))
        append(errors, `${JSON.stringify(policy)} is not a valid retryOn policy`);
    }
  }
  return errors;
}

function validateRewrite(rewrite: Json | undefined): string | undefined {
  if (!rewrite) return undefined;
  const regex = rec(rewrite.uriRegexRewrite);
  if (rewrite.uri && regex) return "rewrite may only contain one of URI or UriRegexRewrite";
  if (!rewrite.uri && !regex && !rewrite.authority) {
    return "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified";
  }
  if (regex && (!regex.match || !regex.rewrite)) {
    return "UriRegexRewrite has errors\nUriRegexRewrite requires both Rewrite and Match fields to be specified";
  }
  return undefined;
}

function validateHttpRouteDestinations(routes: Json[]): Errors {
  const errors = none();
  let total = 0;
  for (const route of routes) {
    if (!rec(route.destination)) appendMulti(errors, "destination is required");
    append(errors, validateHeaderOperations(rec(route.headers)));
    append(errors, validateDestination(rec(route.destination)));
    const weight = typeof route.weight === "number" ? route.weight : 0;
    if (weight < 0) append(errors, `weight ${weight} < 0`);
    total += weight;
  }
  if (routes.length > 1 && total === 0) append(errors, "total destination weight = 0");
  return errors;
}

function validateRouteDestinations(routes: Json[]): Errors {
  const errors = none();
  let total = 0;
  for (const route of routes) {
    if (!rec(route.destination)) appendMulti(errors, "destination is required");
    append(errors, validateDestination(rec(route.destination)));
    const weight = typeof route.weight === "number" ? route.weight : 0;
    if (weight < 0) append(errors, `weight ${weight} < 0`);
    total += weight;
  }
  if (routes.length > 1 && total === 0) append(errors, "total destination weight = 0");
  return errors;
}

function validateTlsRoute(tls: Json, hosts: string[], boundToGateway: boolean): Errors {
  const errors = none();
  const matches = list(tls.match);
  if (matches.length === 0) append(errors, "TLS route must have at least one match condition");
  for (const match of matches) {
    const sniHosts = strs(match.sniHosts);
    if (sniHosts.length === 0) append(errors, "TLS match must have at least one SNI host");
    for (const sni of sniHosts) {
      const problem = boundToGateway ? validateGatewayBoundHost(true, sni) : validateWildcardDomain(sni);
      if (problem) {
        if (!isIpAddress(sni)) append(errors, problem);
        continue;
      }
      if (!hosts.some((h) => subsetOf(sni, h))) {
        append(
          errors,
          `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(", ")}]`,
        );
      }
    }
    if (typeof match.port === "number" && match.port !== 0) append(errors, validatePort(match.port));
    append(errors, validateGatewayNames(strs(match.gateways)));
  }
  if (list(tls.route).length === 0) append(errors, "TLS route is required");
  append(errors, validateRouteDestinations(list(tls.route)));
  return errors;
}

/** host.Name.SubsetOf: `a` is covered by `b`. */
function subsetOf(a: string, b: string): boolean {
  if (b.startsWith("*"))
    return a.endsWith(b.slice(1)) || (a.startsWith("*") && a.slice(1).endsWith(b.slice(1)));
  return a === b;
}

function validateTcpRoute(tcp: Json): Errors {
  const errors = none();
  for (const match of list(tcp.match)) {
    if (typeof match.port === "number" && match.port !== 0) append(errors, validatePort(match.port));
    append(errors, validateGatewayNames(strs(match.gateways)));
  }
  if (list(tcp.route).length === 0) append(errors, "TCP route is required");
  append(errors, validateRouteDestinations(list(tcp.route)));
  return errors;
}

export function validateExportTo(namespace: string, exportTo: string[]): Errors {
  const errors = none();
  const seen = new Set<string>();
  for (const entry of exportTo) {
    const key = entry === "." ? namespace : entry;
    if (seen.has(key)) {
      append(
        errors,
        key !== entry
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${entry}`,
      );
    } else if (key === "~") {
      append(errors, "exportTo ~ (none) is not allowed for Istio configuration objects");
    } else if (key !== "*" && !isDns1123Label(key)) {
      append(errors, "only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
    } else seen.add(key);
  }
  if (seen.has("*") && exportTo.length > 1) {
    append(errors, "cannot have both public (*) and non-public exportTo values for a resource");
  }
  return errors;
}

/** Go's %f. */
const goFloat = (value: number) => value.toFixed(6);
