// The samples panel's figures, one column per stream (anonymous, and signed in as jason): what
// answered (codes and network errors), which reviews version rendered the page or that it came
// without reviews or ratings, latency, and next to each share the one the routing configures
// for that stream, so people see the measured traffic converge on the configured weights.

import { percentOf, type StreamRouting, streamRoutings } from "../../model/reviewsRouting.ts";
import type { Sample, Snapshot } from "../../model/snapshot.ts";
import { STREAMS } from "../../model/streams.ts";
import { type StreamSummary, summarizeStreams } from "../../traffic/statistics.ts";

const ERROR_ORDER = ["refused", "reset", "timeout", "truncated", "not-productpage", "dns", "other"];

/** The rows of the panel: a version, a page without reviews, a page without ratings, or unreadable. */
export type RowKey = "v1" | "v2" | "v3" | "unavailable" | "ratings" | "unknown";
export const ROW_ORDER: RowKey[] = ["v1", "v2", "v3", "unavailable", "ratings", "unknown"];

export interface CodeCount {
  /** "200", "503", or a network error kind ("refused", "timeout", ...). */
  label: string;
  count: number;
  ok: boolean;
}

export interface Cell {
  count: number;
  /** Share of the stream's rendered pages (code 200), 0..1. */
  fraction: number;
  percent: number;
  /** What the routing asks for, in percent; null when there is nothing to compare with. */
  configuredPercent: number | null;
}

export interface StreamColumn {
  stream: string;
  total: number;
  codes: CodeCount[];
  cells: Record<RowKey, Cell>;
  latencyMs: { p50: number; p95: number };
  routing: StreamRouting;
  /** Pages of a signed-in stream that showed nobody signed in. */
  notSignedIn: number;
}

export interface Distribution {
  streams: StreamColumn[];
  /** Rows worth showing, most telling first, in display order. */
  rows: RowKey[];
}

export function distribution(
  snapshot: Snapshot,
  samples: readonly Sample[] = snapshot.samples,
): Distribution {
  const routings = streamRoutings(snapshot);
  const summaries = summarizeStreams(samples, STREAMS);
  const streams = summaries.map((summary, i) => column(summary, routings[i]!));
  return { streams, rows: rowsWorthShowing(streams) };
}

function column(stream: StreamSummary, routing: StreamRouting): StreamColumn {
  const { summary } = stream;
  const codes: CodeCount[] = Object.entries(summary.codes)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([label, count]) => ({ label, count, ok: label === "200" }));
  const errors = Object.entries(summary.errors).sort(
    ([a], [b]) => ERROR_ORDER.indexOf(a) - ERROR_ORDER.indexOf(b),
  );
  for (const [label, count] of errors) codes.push({ label, count, ok: false });
  const rendered = Math.max(0, (summary.codes["200"] ?? 0) - stream.notSignedIn);
  const configured = (key: RowKey) =>
    key === "ratings" || key === "unknown" || !routing.shares ? null : percentOf(routing.shares, key);
  const unknown =
    rendered -
    (stream.outcomes.v1 ?? 0) -
    (stream.outcomes.v2 ?? 0) -
    (stream.outcomes.v3 ?? 0) -
    (stream.outcomes.unavailable ?? 0);
  const counts: Record<RowKey, number> = {
    v1: stream.outcomes.v1 ?? 0,
    v2: stream.outcomes.v2 ?? 0,
    v3: stream.outcomes.v3 ?? 0,
    unavailable: stream.outcomes.unavailable ?? 0,
    ratings: stream.pageErrors.ratings,
    unknown: Math.max(0, unknown),
  };
  const cells = {} as Record<RowKey, Cell>;
  for (const key of ROW_ORDER) {
    const fraction = rendered === 0 ? 0 : counts[key] / rendered;
    cells[key] = {
      count: counts[key],
      fraction,
      percent: Math.round(fraction * 100),
      configuredPercent: configured(key),
    };
  }
  return {
    stream: stream.stream,
    total: summary.total,
    codes,
    cells,
    latencyMs: summary.latencyMs,
    routing,
    notSignedIn: stream.notSignedIn,
  };
}

/**
 * The versions always (they are what the routing is about), then pages without reviews or
 * ratings and unreadable pages when some stream had them or is configured to get them.
 */
function rowsWorthShowing(streams: StreamColumn[]): RowKey[] {
  return ROW_ORDER.filter((key) => {
    if (key === "v1" || key === "v2" || key === "v3") return true;
    return streams.some((s) => s.cells[key].count > 0 || (s.cells[key].configuredPercent ?? 0) > 0);
  });
}

/**
 * The rows to draw in `room` lines: versions nobody got and nobody is configured to get go
 * first when there is no room for all.
 */
export function fitRows(d: Distribution, room: number): RowKey[] {
  if (d.rows.length <= room) return d.rows;
  const idle = (key: RowKey) =>
    d.streams.every((s) => s.cells[key].count === 0 && (s.cells[key].configuredPercent ?? 0) === 0);
  const kept = d.rows.filter((key) => !idle(key));
  return (kept.length > 0 ? kept : d.rows).slice(0, Math.max(0, room));
}

/** A horizontal bar of `width` cells for a 0..1 fraction. */
export function bar(fraction: number, width: number, ascii = false): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return (ascii ? "#" : "█").repeat(filled) + (ascii ? "." : "░").repeat(width - filled);
}
