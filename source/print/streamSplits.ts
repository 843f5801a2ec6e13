// Each stream's measured split next to the one its routing configures, the same for `status`
// (its samples) and `run` (the samples a stage was judged by), so the two can be compared.

import { OUTCOMES, percentOf, type StreamRouting, streamRoutings } from "../model/reviewsRouting.ts";
import type { Sample, SampleSummary, Snapshot } from "../model/snapshot.ts";
import { STREAMS } from "../model/streams.ts";
import { summarizeStreams } from "../traffic/statistics.ts";

/** Percentages by what rendered the reviews: v1, v2, v3, or "unavailable" (no reviews on the page). */
export type SplitPercent = Record<"v1" | "v2" | "v3" | "unavailable", number>;

export interface MeasuredStream extends SampleSummary {
  /** Of the pages whose reviews outcome could be read. */
  split: SplitPercent;
  /** 200 pages that said a part was unavailable. */
  pageErrors: { details: number; reviews: number; ratings: number };
}

export interface ConfiguredStream extends Partial<SplitPercent> {
  /** Where the split comes from: "VirtualService reviews rule 1 (end-user exact jason): v2 100%". */
  source: string;
  /** The route's timeout on reviews, in ms, when it has one. */
  timeoutMs?: number;
}

export interface StreamSplits {
  streams: Record<string, MeasuredStream>;
  /** Null for a stream whose split cannot be told (no ready reviews pods). */
  configured: Record<string, ConfiguredStream | null>;
}

export function streamSplits(snapshot: Snapshot, samples: readonly Sample[]): StreamSplits {
  const streams: Record<string, MeasuredStream> = {};
  for (const { stream, summary, outcomes, pageErrors } of summarizeStreams(samples, STREAMS)) {
    const known = OUTCOMES.reduce((sum, o) => sum + (outcomes[o] ?? 0), 0);
    const split = Object.fromEntries(
      OUTCOMES.map((o) => [o, known === 0 ? 0 : Math.round(((outcomes[o] ?? 0) / known) * 100)]),
    ) as SplitPercent;
    streams[stream] = { ...summary, split, pageErrors };
  }
  const configured: Record<string, ConfiguredStream | null> = {};
  for (const routing of streamRoutings(snapshot)) configured[routing.stream] = configuredOf(routing);
  return { streams, configured };
}

function configuredOf(routing: StreamRouting): ConfiguredStream | null {
  if (!routing.shares) return null;
  const split = Object.fromEntries(OUTCOMES.map((o) => [o, percentOf(routing.shares, o)])) as SplitPercent;
  return {
    ...split,
    source: routing.description,
    ...(routing.reviews.timeoutMs !== null ? { timeoutMs: routing.reviews.timeoutMs } : {}),
  };
}

/** "v1 50%, v3 50%" of a split, largest first; "none" when nothing was measured. */
export function splitText(split: Partial<SplitPercent>): string {
  const parts = OUTCOMES.filter((o) => (split[o] ?? 0) > 0).map((o) => `${o} ${split[o]}%`);
  return parts.join(", ") || "none";
}

/** One line per stream: "anonymous: 20 pages, v1 100% (configured v1 100%); p50 12 ms, p95 20 ms". */
export function streamLines(splits: StreamSplits): string[] {
  return Object.entries(splits.streams).map(([stream, measured]) => {
    const configured = splits.configured[stream];
    const cfg = configured ? splitText(configured) : "unknown";
    const unavailable =
      measured.pageErrors.ratings > 0 ? `, ${measured.pageErrors.ratings} without ratings` : "";
    return `${stream}: ${measured.total} requests, measured ${splitText(measured.split)}${unavailable} (configured ${cfg}); p50 ${Math.round(measured.latencyMs.p50)} ms, p95 ${Math.round(measured.latencyMs.p95)} ms`;
  });
}
