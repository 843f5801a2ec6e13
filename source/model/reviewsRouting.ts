// What the routing configures for each of the sampler's streams, read from the cluster as a
// sidecar reads it: the first rule of the VirtualService for the host that catches the request
// (header matches included), weights normalised by their sum, subsets turned into versions by
// the DestinationRule's labels, and a route to a subset no DestinationRule defines counted as
// unavailable (the sidecar answers 503). The samples panel, `status` and the routing stages set
// what was measured next to this.

import { type MeshRequest, matchEntryHolds, ruleCatches } from "./httpMatch.ts";
import {
  describeMatch,
  destinationRuleSubsets,
  destinationRulesFor,
  type HttpFault,
  type HttpRoute,
  httpRoutes,
  localServiceName,
  virtualServicesFor,
} from "./istioConfig.ts";
import type { KubeObject, Pod } from "./kube.ts";
import type { ReviewsVersion, Snapshot } from "./snapshot.ts";
import { STREAMS, streamHeaders } from "./streams.ts";

export const REVIEWS_VERSIONS: ReviewsVersion[] = ["v1", "v2", "v3"];

/** What a page's reviews section can come from: a version, or nothing (the call fails). */
export type RoutedOutcome = ReviewsVersion | "unavailable";
export const OUTCOMES: RoutedOutcome[] = ["v1", "v2", "v3", "unavailable"];

/** Fractions (0..1) by what answers; they sum to 1. Keys are versions ("v1") or "unavailable". */
export type Shares = Record<string, number>;

export interface ConfiguredDestination {
  host: string;
  subset: string | null;
  /** The destination's weight normalised by the rule's sum, 0..1. */
  fraction: number;
  percent: number;
  /** What it reaches; null when that cannot be told from here (no ready pods known). */
  shares: Shares | null;
  /** Why it reaches nothing, in a few words: "subset v2 is not defined". */
  problem?: string;
}

export interface ServiceRouting {
  service: string;
  /** rule: a VirtualService rule caught the request; service: no VirtualService; no-rule: none caught it (404). */
  kind: "rule" | "service" | "no-rule";
  virtualService: string | null;
  /** 1-based position of the rule that caught the request. */
  rule: number | null;
  /** The match that caught it ("end-user exact jason"), null for a rule that takes everything. */
  match: string | null;
  /** How many rules the VirtualService has. */
  rules: number;
  destinations: ConfiguredDestination[];
  timeoutMs: number | null;
  retries: HttpRoute["retries"] | null;
  fault: HttpFault | null;
  /** Fractions by what answers, the destinations together; null when unknown. */
  shares: Shares | null;
}

export interface StreamRouting {
  stream: string;
  reviews: ServiceRouting;
  /** ratings as reviews v2 and v3 call it for this stream (v1 never calls ratings). */
  ratings: { v2: ServiceRouting; v3: ServiceRouting };
  /** The page's reviews outcome shares, null when unknown. */
  shares: Shares | null;
  /** One line: where the split comes from and what it is. */
  description: string;
}

const PORT = 9080;

/** What the routing configures for one stream's product pages. */
export function streamRouting(snapshot: Snapshot, stream: string): StreamRouting {
  const headers = streamHeaders(stream);
  const productpage = labelsOfApp(snapshot, "productpage", { app: "productpage", version: "v1" });
  const reviews = serviceRouting(snapshot, "reviews", "/reviews/0", headers, productpage);
  const ratingsFrom = (version: "v2" | "v3") =>
    serviceRouting(snapshot, "ratings", "/ratings/0", headers, { app: "reviews", version });
  return {
    stream,
    reviews,
    ratings: { v2: ratingsFrom("v2"), v3: ratingsFrom("v3") },
    shares: reviews.shares,
    description: describeRouting(reviews),
  };
}

/** Every stream's routing, in the views' order. */
export function streamRoutings(snapshot: Snapshot): StreamRouting[] {
  return STREAMS.map((stream) => streamRouting(snapshot, stream));
}

/** The routing of one call inside the mesh: the first rule that catches it, or the Service itself. */
export function serviceRouting(
  snapshot: Snapshot,
  service: string,
  path: string,
  headers: Record<string, string>,
  sourceLabels: Record<string, string>,
): ServiceRouting {
  const ns = snapshot.namespace;
  const request: MeshRequest = {
    authority: `${service}:${PORT}`,
    path,
    method: "GET",
    scheme: "http",
    port: PORT,
    headers,
    sourceLabels,
    sourceNamespace: ns,
  };
  const vs = oldestFirst(virtualServicesFor(snapshot.virtualServices, service, ns))[0];
  const none = {
    timeoutMs: null,
    retries: null,
    fault: null,
  };
  if (!vs) {
    const shares = podShares(snapshot, service, selectorOf(snapshot, service));
    return {
      service,
      kind: "service",
      virtualService: null,
      rule: null,
      match: null,
      rules: 0,
      destinations: [{ host: service, subset: null, fraction: 1, percent: 100, shares }],
      ...none,
      shares,
    };
  }
  const name = vs.metadata.name ?? service;
  const rules = httpRoutes(vs);
  for (const [index, http] of rules.entries()) {
    if (!ruleCatches(http.match, request)) continue;
    const matched = http.match?.find((entry) => matchEntryHolds(entry, request));
    const weights = normalise(http.route.map((d) => d.weight));
    const destinations = http.route.map((d, i): ConfiguredDestination => {
      const reach = destinationReach(snapshot, d.host || service, d.subset ?? null);
      return {
        host: d.host,
        subset: d.subset ?? null,
        fraction: weights[i]!,
        percent: Math.round(weights[i]! * 100),
        ...reach,
      };
    });
    return {
      service,
      kind: "rule",
      virtualService: name,
      rule: index + 1,
      match: matched ? describeMatch(matched) : null,
      rules: rules.length,
      destinations,
      timeoutMs: http.timeoutMs ?? null,
      retries: http.retries ?? null,
      fault: http.fault ?? null,
      shares: destinations.length === 0 ? { unavailable: 1 } : combine(destinations),
    };
  }
  // No rule catches it: the sidecar has no route and answers 404, which the caller sees as a failure.
  return {
    service,
    kind: "no-rule",
    virtualService: name,
    rule: null,
    match: null,
    rules: rules.length,
    destinations: [],
    ...none,
    shares: { unavailable: 1 },
  };
}

/** A share as a whole percentage (what views print). */
export function percentOf(shares: Shares | null, outcome: string): number {
  return Math.round((shares?.[outcome] ?? 0) * 100);
}

/** "v1 50%, v3 50%", largest first, versions before "unavailable". */
export function describeShares(shares: Shares | null): string {
  if (!shares) return "unknown (no ready pods)";
  const parts = Object.entries(shares)
    .filter(([, share]) => share > 0)
    .sort(([a], [b]) => order(a) - order(b))
    .map(([outcome, share]) => `${outcome} ${Math.round(share * 100)}%`);
  return parts.join(", ") || "nothing";
}

function order(outcome: string): number {
  const i = OUTCOMES.indexOf(outcome as RoutedOutcome);
  return i < 0 ? OUTCOMES.length - 1 : i;
}

function describeRouting(routing: ServiceRouting): string {
  if (routing.kind === "service")
    return `no VirtualService for ${routing.service}: ${describeShares(routing.shares)} (its ready pods)`;
  const where =
    routing.kind === "no-rule"
      ? `VirtualService ${routing.virtualService}: no rule matches (404)`
      : routing.rules > 1
        ? `VirtualService ${routing.virtualService} rule ${routing.rule}${routing.match ? ` (${routing.match})` : ""}`
        : `VirtualService ${routing.virtualService}`;
  const problems = [...new Set(routing.destinations.flatMap((d) => (d.problem ? [d.problem] : [])))];
  const timeout = routing.timeoutMs !== null ? `, timeout ${seconds(routing.timeoutMs)}` : "";
  const why = problems.length > 0 ? ` (${problems.join("; ")})` : "";
  return routing.kind === "no-rule" ? where : `${where}: ${describeShares(routing.shares)}${timeout}${why}`;
}

/** A duration as rules write it: 500 ms is "0.5s". */
export function seconds(ms: number): string {
  return `${Math.round(ms) / 1000}s`;
}

/** What one route destination reaches: a version by the subset's labels, or nothing. */
function destinationReach(
  snapshot: Snapshot,
  host: string,
  subset: string | null,
): { shares: Shares | null; problem?: string } {
  const ns = snapshot.namespace;
  const service = localServiceName(host, ns);
  if (!service) return { shares: null, problem: `host ${host} is not a Service of namespace ${ns}` };
  const known = snapshot.services.length > 0;
  if (known && !snapshot.services.some((s) => s.metadata.name === service) && !isBookinfo(service))
    return { shares: { unavailable: 1 }, problem: `there is no Service ${service}` };
  const selector = selectorOf(snapshot, service);
  if (subset === null) return { shares: podShares(snapshot, service, selector) };
  const rules = destinationRulesFor(snapshot.destinationRules, service, ns);
  const defined = rules.flatMap(destinationRuleSubsets).find((s) => s.name === subset);
  if (!defined) {
    const problem =
      rules.length === 0
        ? `no DestinationRule defines subset ${subset}`
        : `DestinationRule ${rules[0]!.metadata.name} does not define subset ${subset}`;
    return { shares: { unavailable: 1 }, problem };
  }
  const labels = { ...selector, ...defined.labels };
  // The version label names the version even before its pods are known (a plain snapshot).
  if (labels.version) return { shares: { [labels.version]: 1 } };
  return { shares: podShares(snapshot, service, labels) };
}

/** Ready pods the labels select, spread evenly, by version; null when none is known to be ready. */
function podShares(snapshot: Snapshot, service: string, labels: Record<string, string>): Shares | null {
  const counts = new Map<string, number>();
  let total = 0;
  for (const pod of snapshot.pods) {
    const podLabels = pod.metadata.labels ?? {};
    if (!Object.entries(labels).every(([k, v]) => podLabels[k] === v)) continue;
    if (!isReadyPod(pod)) continue;
    const version = podLabels.version ?? "unversioned";
    counts.set(version, (counts.get(version) ?? 0) + 1);
    total++;
  }
  if (total === 0) {
    // A selector that names a version reaches that version, whether or not pods are listed.
    if (labels.version) return { [labels.version]: 1 };
    if (service && snapshot.pods.length > 0) return { unavailable: 1 };
    return null;
  }
  const shares: Shares = {};
  for (const [version, count] of counts) shares[version] = count / total;
  return shares;
}

function combine(destinations: ConfiguredDestination[]): Shares | null {
  const total: Shares = {};
  for (const d of destinations) {
    if (d.fraction === 0) continue;
    if (!d.shares) return null;
    for (const [outcome, share] of Object.entries(d.shares))
      total[outcome] = (total[outcome] ?? 0) + d.fraction * share;
  }
  return total;
}

/** Weight shares summing to 1: missing weights count as 0, and all-zero means an even split. */
function normalise(weights: (number | undefined)[]): number[] {
  // One destination takes everything, whatever its weight says (Istio defaults it to 100).
  if (weights.length === 1) return [1];
  const values = weights.map((w) => (w !== undefined && w > 0 ? w : 0));
  const sum = values.reduce((a, b) => a + b, 0);
  if (sum === 0) return values.map(() => 1 / values.length);
  return values.map((v) => v / sum);
}

function selectorOf(snapshot: Snapshot, service: string): Record<string, string> {
  const object = snapshot.services.find((s) => s.metadata.name === service);
  const selector = (object?.spec as { selector?: Record<string, unknown> } | undefined)?.selector;
  if (selector && typeof selector === "object") {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(selector)) if (typeof v === "string") out[k] = v;
    return out;
  }
  return { app: service };
}

/** The labels of the app's first live pod, or the usual ones of bookinfo.yaml. */
function labelsOfApp(
  snapshot: Snapshot,
  app: string,
  fallback: Record<string, string>,
): Record<string, string> {
  const pod = snapshot.pods.find((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
  return pod?.metadata.labels ?? fallback;
}

function isReadyPod(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function isBookinfo(service: string): boolean {
  return ["productpage", "details", "reviews", "ratings"].includes(service);
}

/** Istio takes the oldest VirtualService when several claim the same host for the sidecars. */
function oldestFirst(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) =>
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
  );
}
