import type { Sample, SampleSummary } from "../model/snapshot.ts";
import { outcomeCounts, STREAMS, streamOf } from "../model/streams.ts";

export type VersionShares = SampleSummary["versions"];

/**
 * The nearest-rank percentile: the smallest value with at least p % of the values at or below
 * it. It always returns a value that was measured, never an interpolation, so "p95 = 6012 ms"
 * is a request someone really waited for. 0 for an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Counts what the samples saw. `versions` counts 200 pages only (a 503 is not a version), with
 * `unknown` for 200 pages no version could be read from; latency covers every sample, failures
 * included, because a timeout is time the user waited too.
 */
export function summarizeSamples(samples: readonly Sample[]): SampleSummary {
  const codes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const versions = { v1: 0, v2: 0, v3: 0, unknown: 0 };
  for (const sample of samples) {
    if (sample.code !== undefined) increment(codes, String(sample.code));
    if (sample.error !== undefined) increment(errors, sample.error);
    if (sample.code === 200) versions[sample.version ?? "unknown"]++;
  }
  const latencies = samples.map((sample) => sample.latencyMs);
  return {
    total: samples.length,
    codes,
    errors,
    versions,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

/** Each version's percentage of the 200 pages (0..100, unrounded); all zeros when there were none. */
export function versionShares(summary: SampleSummary): VersionShares {
  const { v1, v2, v3, unknown } = summary.versions;
  const pages = v1 + v2 + v3 + unknown;
  const share = (count: number) => (pages === 0 ? 0 : (count / pages) * 100);
  return { v1: share(v1), v2: share(v2), v3: share(v3), unknown: share(unknown) };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** One stream's samples, summarised, with what the pages said went missing. */
export interface StreamSummary {
  stream: string;
  summary: SampleSummary;
  /** 200 pages by what rendered their reviews: a version, or "unavailable" (model/streams.ts). */
  outcomes: Record<string, number>;
  /** 200 pages that said a part of the page is unavailable. */
  pageErrors: { details: number; reviews: number; ratings: number };
  /** A signed-in stream's pages that showed nobody signed in (not counted as outcomes). */
  notSignedIn: number;
}

/** Each stream's summary, in the order given; samples of other streams are left out. */
export function summarizeStreams(
  samples: readonly Sample[],
  streams: readonly string[] = STREAMS,
): StreamSummary[] {
  return streams.map((stream) => {
    const own = samples.filter((s) => streamOf(s) === stream);
    const pageErrors = { details: 0, reviews: 0, ratings: 0 };
    let notSignedIn = 0;
    for (const sample of own) {
      if (sample.code !== 200) continue;
      if (sample.signedIn === false) notSignedIn++;
      for (const kind of sample.pageErrors ?? []) pageErrors[kind]++;
    }
    return { stream, summary: summarizeSamples(own), outcomes: outcomeCounts(own), pageErrors, notSignedIn };
  });
}
