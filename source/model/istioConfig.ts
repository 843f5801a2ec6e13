// Loose readers for Istio networking objects. The objects come from any served version (v1,
// v1beta1, v1alpha3) and any author (our manifests, Istio's own sample files, hand edits), so
// every field is read defensively and the spec shape, identical across those versions, is all
// that matters; apiVersion is never compared beyond its group.

import type { KubeObject } from "./kube.ts";

export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

export interface RouteDestination {
  host: string;
  subset?: string;
  /** As written; undefined when the destination has no weight field. */
  weight?: number;
}

export interface HttpMatch {
  uri?: Record<string, string>;
  headers?: Record<string, Record<string, string>>;
  [field: string]: unknown;
}

/** A fault as the rule writes it, durations in ms and shares in percent (0..100). */
export interface HttpFault {
  delay?: { ms: number; percent: number };
  abort?: { status: number; percent: number };
}

export interface HttpRoute {
  name?: string;
  /** Alternatives: the rule applies when any one matches; absent means "everything". */
  match?: HttpMatch[];
  route: RouteDestination[];
  /** The route's timeout; absent means none (Istio's default since 1.x: no timeout). */
  timeoutMs?: number;
  fault?: HttpFault;
  retries?: { attempts: number; perTryTimeoutMs?: number; retryOn?: string };
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
}

/** Whether the object is an Istio networking object (list items often carry no apiVersion). */
export function isIstioNetworking(object: KubeObject): boolean {
  const apiVersion = object.apiVersion;
  if (!apiVersion) return true;
  return apiVersion.split("/")[0] === ISTIO_NETWORKING_GROUP;
}

export function named(objects: readonly KubeObject[], name: string): KubeObject | undefined {
  return objects.find((o) => o.metadata?.name === name && isIstioNetworking(o));
}

export function gatewaySelector(gateway: KubeObject): Record<string, string> {
  return stringRecord(spec(gateway).selector);
}

export function gatewayServerPorts(gateway: KubeObject): number[] {
  const ports: number[] = [];
  for (const server of array(spec(gateway).servers)) {
    const number = record(record(server).port).number;
    if (typeof number === "number") ports.push(number);
  }
  return ports;
}

/** The hosts a Gateway's servers accept, without the `namespace/` part Istio allows in front. */
export function gatewayServerHosts(gateway: KubeObject): string[] {
  const hosts: string[] = [];
  for (const server of array(spec(gateway).servers))
    for (const host of array(record(server).hosts))
      if (typeof host === "string") hosts.push(host.slice(host.indexOf("/") + 1).toLowerCase());
  return [...new Set(hosts)];
}

/** Whether an Istio host pattern ("*", "*.example.com" or a name) takes requests for `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === "*") return true;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1));
  return p === h;
}

export function virtualServiceHosts(vs: KubeObject): string[] {
  return array(spec(vs).hosts).filter((h): h is string => typeof h === "string");
}

export function virtualServiceGateways(vs: KubeObject): string[] {
  return array(spec(vs).gateways).filter((g): g is string => typeof g === "string");
}

/** A VirtualService without `gateways` applies to sidecars only (the implicit "mesh" gateway). */
export function appliesToMesh(vs: KubeObject): boolean {
  const gateways = virtualServiceGateways(vs);
  return gateways.length === 0 || gateways.includes("mesh");
}

/** Whether the VirtualService is bound to the named Gateway of its own namespace. */
export function boundToGateway(vs: KubeObject, gateway: string, namespace: string): boolean {
  // Istio accepts the short name, namespace/name, and the deprecated FQDN form.
  const forms = [gateway, `${namespace}/${gateway}`, `${gateway}.${namespace}.svc.cluster.local`];
  return virtualServiceGateways(vs).some((g) => forms.includes(g));
}

export function httpRoutes(vs: KubeObject): HttpRoute[] {
  return array(spec(vs).http).map((entry) => {
    const http = record(entry);
    const route: RouteDestination[] = array(http.route).map((r) => {
      const destination = record(record(r).destination);
      const weight = record(r).weight;
      return {
        host: typeof destination.host === "string" ? destination.host : "",
        ...(typeof destination.subset === "string" && destination.subset
          ? { subset: destination.subset }
          : {}),
        ...(typeof weight === "number" ? { weight } : {}),
      };
    });
    const match = Array.isArray(http.match) ? (http.match.map(record) as HttpMatch[]) : undefined;
    const timeoutMs = parseDuration(http.timeout);
    const fault = parseFault(record(http.fault));
    const retries = record(http.retries);
    return {
      ...(typeof http.name === "string" ? { name: http.name } : {}),
      ...(match && match.length > 0 ? { match } : {}),
      route,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(fault ? { fault } : {}),
      ...(typeof retries.attempts === "number"
        ? {
            retries: {
              attempts: retries.attempts,
              ...(parseDuration(retries.perTryTimeout) !== undefined
                ? { perTryTimeoutMs: parseDuration(retries.perTryTimeout) }
                : {}),
              ...(typeof retries.retryOn === "string" ? { retryOn: retries.retryOn } : {}),
            },
          }
        : {}),
    };
  });
}

const DURATION_UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  ns: 1e-6,
};

/** A duration as Istio reads it ("7s", "0.5s", "500ms", "1m30s"); undefined when missing or malformed. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) {
    total += Number(amount) * DURATION_UNITS_MS[unit!]!;
  }
  return total;
}

/**
 * The share a fault applies to: `percentage.value` (Istio 1.1 and later) wins over the old
 * integer `percent`; with neither, Istio hands Envoy 0 and the fault never fires.
 */
function faultPercent(fault: Record<string, unknown>): number {
  const percentage = record(fault.percentage).value;
  const value =
    typeof percentage === "number" ? percentage : typeof fault.percent === "number" ? fault.percent : 0;
  return Math.min(100, Math.max(0, value));
}

function parseFault(fault: Record<string, unknown>): HttpFault | undefined {
  const delay = record(fault.delay);
  const abort = record(fault.abort);
  const delayMs = parseDuration(delay.fixedDelay);
  const out: HttpFault = {};
  if (delayMs !== undefined && faultPercent(delay) > 0)
    out.delay = { ms: delayMs, percent: faultPercent(delay) };
  if (typeof abort.httpStatus === "number" && faultPercent(abort) > 0)
    out.abort = { status: abort.httpStatus, percent: faultPercent(abort) };
  return out.delay || out.abort ? out : undefined;
}

export function destinationRuleHost(dr: KubeObject): string {
  const host = spec(dr).host;
  return typeof host === "string" ? host : "";
}

export function destinationRuleSubsets(dr: KubeObject): Subset[] {
  return array(spec(dr).subsets)
    .map(record)
    .filter((s) => typeof s.name === "string")
    .map((s) => ({ name: s.name as string, labels: stringRecord(s.labels) }));
}

/**
 * The Service name a host refers to when it is a Service of `namespace` (short name, name.ns,
 * name.ns.svc, or the full cluster-local name), else null.
 */
export function localServiceName(host: string, namespace: string): string | null {
  if (!host || host.includes("*")) return null;
  const parts = host.split(".");
  const name = parts[0]!;
  if (parts.length === 1) return name;
  if (parts[1] !== namespace) return null;
  const rest = parts.slice(2).join(".");
  return rest === "" || rest === "svc" || rest === "svc.cluster.local" ? name : null;
}

/** The DestinationRules of the namespace whose host is that Service. */
export function destinationRulesFor(
  rules: readonly KubeObject[],
  service: string,
  namespace: string,
): KubeObject[] {
  return rules.filter(
    (dr) => isIstioNetworking(dr) && localServiceName(destinationRuleHost(dr), namespace) === service,
  );
}

/** The mesh VirtualServices of the namespace that route that Service. */
export function virtualServicesFor(
  services: readonly KubeObject[],
  service: string,
  namespace: string,
): KubeObject[] {
  return services.filter(
    (vs) =>
      isIstioNetworking(vs) &&
      appliesToMesh(vs) &&
      virtualServiceHosts(vs).some((h) => localServiceName(h, namespace) === service),
  );
}

/** A one-line description of a match, e.g. `end-user exact jason` or `uri prefix /static`. */
export function describeMatch(match: HttpMatch): string {
  const parts: string[] = [];
  for (const [header, condition] of Object.entries(record(match.headers))) {
    for (const [kind, value] of Object.entries(record(condition)))
      parts.push(`${header} ${kind} ${String(value)}`);
  }
  for (const [kind, value] of Object.entries(record(match.uri))) parts.push(`uri ${kind} ${String(value)}`);
  for (const key of Object.keys(match)) {
    if (key !== "headers" && key !== "uri" && key !== "name") parts.push(key);
  }
  return parts.join(" and ") || "any request";
}

function spec(object: KubeObject): Record<string, unknown> {
  return record(object.spec);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value))) if (typeof v === "string") out[k] = v;
  return out;
}
