// The samples panel: what answered (codes and network errors), which reviews version rendered
// the page, and next to that the split the routing configuration asks for, so people see the
// measured traffic converge on the configured weights.

import { summarizeSamples } from "../traffic/statistics.ts";
import {
  describeMatch,
  destinationRuleSubsets,
  destinationRulesFor,
  httpRoutes,
  localServiceName,
  virtualServicesFor,
} from "./istioConfig.ts";
import type { KubeObject, Pod } from "./kube.ts";
import type { ReviewsVersion, SampleSummary, Snapshot } from "./snapshot.ts";

const VERSIONS: ReviewsVersion[] = ["v1", "v2", "v3"];
const ERROR_ORDER = ["refused", "reset", "timeout", "truncated", "not-productpage", "dns", "other"];

export interface CodeCount {
  /** "200", "503", or a network error kind ("refused", "timeout", ...). */
  label: string;
  count: number;
  ok: boolean;
}

export interface VersionBar {
  version: ReviewsVersion | "unknown";
  count: number;
  /** Share of the pages that rendered (code 200), 0..1. */
  fraction: number;
  percent: number;
  /** What the routing asks for, in percent; null when there is nothing to compare with. */
  configuredPercent: number | null;
}

export interface WeightedSubset {
  /** The subset name, or null for a destination without one (any version). */
  subset: string | null;
  /** The reviews version the subset selects, when it is one. */
  version: ReviewsVersion | null;
  /** Normalised weight, 0..1. */
  fraction: number;
  percent: number;
}

export interface ReviewsRouting {
  /**
   * virtualservice: weights from the reviews VirtualService's default rule; service: no rule, so
   * the reviews Service spreads calls over its ready pods; none: nothing to compare with.
   */
  kind: "virtualservice" | "service" | "none";
  /** The VirtualService the weights come from. */
  virtualService: string | null;
  weights: WeightedSubset[];
  /** Rules with a match (e.g. "end-user exact jason -> v2"): the sampler is anonymous, so they do not apply. */
  matchRules: string[];
  /** One line for the panel. */
  description: string;
}

export interface Distribution {
  summary: SampleSummary;
  codes: CodeCount[];
  bars: VersionBar[];
  routing: ReviewsRouting;
  latencyMs: { p50: number; p95: number };
}

export interface DistributionOptions {
  /** Only the latest N samples (all the snapshot keeps by default). */
  window?: number;
}

export function distribution(snapshot: Snapshot, options: DistributionOptions = {}): Distribution {
  const samples = options.window === undefined ? snapshot.samples : snapshot.samples.slice(-options.window);
  const summary = summarizeSamples(samples);
  const routing = reviewsRouting(snapshot);
  const configured = configuredSplit(snapshot, routing);

  const codes: CodeCount[] = Object.entries(summary.codes)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([label, count]) => ({ label, count, ok: label === "200" }));
  const errors = Object.entries(summary.errors).sort(
    ([a], [b]) => ERROR_ORDER.indexOf(a) - ERROR_ORDER.indexOf(b),
  );
  for (const [label, count] of errors) codes.push({ label, count, ok: false });

  const rendered = summary.versions.v1 + summary.versions.v2 + summary.versions.v3 + summary.versions.unknown;
  const bars: VersionBar[] = [];
  for (const version of [...VERSIONS, "unknown" as const]) {
    const count = summary.versions[version];
    if (version === "unknown" && count === 0) continue;
    const fraction = rendered === 0 ? 0 : count / rendered;
    const share = version === "unknown" ? undefined : configured?.[version];
    bars.push({
      version,
      count,
      fraction,
      percent: Math.round(fraction * 100),
      configuredPercent: configured === null ? null : Math.round((share ?? 0) * 100),
    });
  }
  return { summary, codes, bars, routing, latencyMs: summary.latencyMs };
}

/** How the reviews VirtualService in the namespace splits anonymous traffic, read from its rules. */
export function reviewsRouting(snapshot: Snapshot): ReviewsRouting {
  const ns = snapshot.namespace;
  const vs = virtualServicesFor(snapshot.virtualServices, "reviews", ns)[0];
  if (!vs) {
    return {
      kind: "service",
      virtualService: null,
      weights: [],
      matchRules: [],
      description: "no VirtualService for reviews: the Service spreads calls over all ready reviews pods",
    };
  }
  const name = vs.metadata.name ?? "reviews";
  const subsetVersions = subsetToVersion(snapshot);
  const matchRules: string[] = [];
  for (const http of httpRoutes(vs)) {
    const destinations = http.route.filter(
      (d) => localServiceName(d.host, ns) === "reviews" || d.host === "",
    );
    if (http.match) {
      const target = destinations.map((d) => d.subset ?? "reviews").join(", ") || "elsewhere";
      matchRules.push(`${http.match.map(describeMatch).join(" or ")} -> ${target}`);
      continue;
    }
    // First rule without a match catches everything; Istio never looks further.
    const weights = normalise(http.route.map((d) => d.weight));
    const merged = new Map<string | null, number>();
    http.route.forEach((d, i) => {
      const key = d.subset ?? null;
      merged.set(key, (merged.get(key) ?? 0) + weights[i]!);
    });
    const list: WeightedSubset[] = [...merged].map(([subset, share]) => ({
      subset,
      version: subset === null ? null : (subsetVersions.get(subset) ?? asVersion(subset)),
      fraction: share,
      percent: Math.round(share * 100),
    }));
    const description = list.map((w) => `${w.subset ?? "any version"} ${w.percent}%`).join(", ");
    return { kind: "virtualservice", virtualService: name, weights: list, matchRules, description };
  }
  return {
    kind: "none",
    virtualService: name,
    weights: [],
    matchRules,
    description: `VirtualService ${name} has no rule for requests that match nothing`,
  };
}

/** Weight shares summing to 1: missing weights count as 0, and all-zero means an even split. */
function normalise(weights: (number | undefined)[]): number[] {
  const values = weights.map((w) => (w !== undefined && w > 0 ? w : 0));
  const sum = values.reduce((a, b) => a + b, 0);
  if (sum === 0) return values.map(() => 1 / values.length);
  return values.map((v) => v / sum);
}

// The configured share of each version: weights mapped through the DestinationRule's subset
// labels; traffic to "any version" (no subset, or no VirtualService) follows the ready pods.
function configuredSplit(snapshot: Snapshot, routing: ReviewsRouting): Record<ReviewsVersion, number> | null {
  if (routing.kind === "none") return null;
  const spread = readyReviewsSpread(snapshot.pods);
  if (routing.kind === "service") return spread;
  const split: Record<ReviewsVersion, number> = { v1: 0, v2: 0, v3: 0 };
  for (const w of routing.weights) {
    const share = w.fraction;
    if (w.subset === null) {
      if (spread) for (const v of VERSIONS) split[v] += share * spread[v];
    } else if (w.version) {
      split[w.version] += share;
    }
  }
  return split;
}

function readyReviewsSpread(pods: readonly Pod[]): Record<ReviewsVersion, number> | null {
  const counts: Record<ReviewsVersion, number> = { v1: 0, v2: 0, v3: 0 };
  let total = 0;
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    const version = asVersion(labels.version ?? "");
    if (labels.app !== "reviews" || !version || pod.metadata.deletionTimestamp) continue;
    if (!pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) continue;
    counts[version]++;
    total++;
  }
  if (total === 0) return null;
  return { v1: counts.v1 / total, v2: counts.v2 / total, v3: counts.v3 / total };
}

function subsetToVersion(snapshot: Snapshot): Map<string, ReviewsVersion | null> {
  const map = new Map<string, ReviewsVersion | null>();
  const rules: KubeObject[] = destinationRulesFor(snapshot.destinationRules, "reviews", snapshot.namespace);
  for (const dr of rules) {
    for (const subset of destinationRuleSubsets(dr)) {
      if (!map.has(subset.name)) map.set(subset.name, asVersion(subset.labels.version ?? ""));
    }
  }
  return map;
}

function asVersion(value: string): ReviewsVersion | null {
  return value === "v1" || value === "v2" || value === "v3" ? value : null;
}

/** A horizontal bar of `width` cells for a 0..1 fraction. */
export function bar(fraction: number, width: number, ascii = false): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return (ascii ? "#" : "█").repeat(filled) + (ascii ? "." : "░").repeat(width - filled);
}
