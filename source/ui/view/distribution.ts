// The samples panel's figures: what answered (codes and network errors), which reviews version
// rendered the page, and next to that the split the routing configures, so people see the
// measured traffic converge on the configured weights.

import { configuredSplit, type ReviewsRouting, reviewsRouting } from "../../model/reviewsRouting.ts";
import type { ReviewsVersion, SampleSummary, Snapshot } from "../../model/snapshot.ts";
import { summarizeSamples } from "../../traffic/statistics.ts";

const VERSIONS: ReviewsVersion[] = ["v1", "v2", "v3"];
const ERROR_ORDER = ["refused", "reset", "timeout", "dns", "other"];

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

/** A horizontal bar of `width` cells for a 0..1 fraction. */
export function bar(fraction: number, width: number, ascii = false): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return (ascii ? "#" : "█").repeat(filled) + (ascii ? "." : "░").repeat(width - filled);
}
