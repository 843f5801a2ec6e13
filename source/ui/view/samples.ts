// The samples panel: one column per stream (anonymous, and signed in as jason), side by side:
// the codes, the reviews versions against what the routing configures for that stream, pages
// without reviews or ratings, and latency.

import type { Snapshot } from "../../model/snapshot.ts";
import { ANONYMOUS } from "../../model/streams.ts";
import { cells, padEnd, padStart, truncate } from "../text.ts";
import type { Theme } from "../theme.ts";
import {
  bar,
  type Cell,
  type Distribution,
  distribution,
  fitRows,
  type RowKey,
  type StreamColumn,
} from "./distribution.ts";
import { fit, type Line, seg, type ViewInput } from "./lines.ts";

const ROW_LABELS: Record<RowKey, string> = {
  v1: "v1",
  v2: "v2",
  v3: "v3",
  unavailable: "no rev",
  ratings: "no rat",
  unknown: "?",
};
const LABEL = 7;
// " 100% cfg100": the measured share, then the configured one.
const FIGURES = 12;

export function samplesLines(input: ViewInput, snapshot: Snapshot, width: number, budget: number): Line[] {
  const { theme, window, rate, configChangedAt } = input;
  const d = theme.glyphs.dot;
  const title: Line = [seg("Samples", "strong")];
  if (!snapshot.gateway) {
    return [
      title,
      [seg("No GATEWAY_URL yet: nothing to request.", "dim")],
      [seg("The gateway stage finds the ingress address.", "dim")],
    ].map((l) => fit(l, width, theme));
  }
  // The window counts per stream: the latest N of each since the routing changed.
  const since = snapshot.samples.filter((s) => s.at >= configChangedAt);
  const recent = perStreamWindow(since, window);
  const cut = recent.length < snapshot.samples.length;
  title.push(
    seg(` ${d} `, "dim"),
    seg(
      recent.length === 0
        ? `GET /productpage ${d} ${rate}/s each`
        : width >= 50
          ? `${cut ? "since the routing changed" : "latest"} ${d} ${rate}/s each ${d} measured/cfg`
          : `${cut ? "since routing change" : "latest"} ${d} ${rate}/s`,
      "dim",
    ),
  );
  const stats = distribution(snapshot, recent);
  const column = Math.max(8, Math.floor((width - LABEL) / stats.streams.length));
  // With room, the codes get a line of their own; else they follow each stream's name.
  const ownCodes = budget >= 8;
  const lines: Line[] = [title, headerLine(stats, column, theme, !ownCodes)];
  if (ownCodes) lines.push(codesLine(stats, column, theme));
  const room = Math.max(1, budget - lines.length - 1);
  // Where each stream's split comes from is worth more than a version nobody gets.
  const sources = new Set(stats.streams.map((stream) => stream.routing.description)).size;
  const active = fitRows(stats, Number.POSITIVE_INFINITY).filter((key) =>
    stats.streams.some((st) => st.cells[key].count > 0 || (st.cells[key].configuredPercent ?? 0) > 0),
  ).length;
  const rows =
    budget >= 8 && active + sources <= room
      ? fitRows(stats, Math.max(active, room - sources))
      : fitRows(stats, room);
  for (const key of rows) lines.push(rowLine(key, stats, column, theme));
  lines.push(latencyLine(stats, column, theme));
  if (budget > lines.length) lines.push(...routingLines(stats, budget - lines.length));
  return lines.slice(0, budget).map((l) => fit(l, width, theme));
}

/** The latest `window` samples of each stream, oldest first. */
function perStreamWindow<T extends { stream?: string }>(samples: T[], window: number): T[] {
  const kept = new Map<string, number>();
  const out: T[] = [];
  for (let i = samples.length - 1; i >= 0; i--) {
    const stream = samples[i]!.stream ?? ANONYMOUS;
    const n = kept.get(stream) ?? 0;
    if (n >= window) continue;
    kept.set(stream, n + 1);
    out.push(samples[i]!);
  }
  return out.reverse();
}

/** Each stream's name, and with `codes` what answered it. */
function headerLine(stats: Distribution, column: number, theme: Theme, codes: boolean): Line {
  const line: Line = [seg(padEnd("", LABEL))];
  for (const stream of stats.streams) {
    const name = column < 18 && stream.stream === ANONYMOUS ? "anon" : stream.stream;
    const parts: Line = [seg(name, "strong")];
    if (stream.total === 0) parts.push(seg(" no answers yet", "dim"));
    else if (codes) parts.push(...codeSegs(stream, theme, " "));
    else parts.push(seg(` ${stream.total} requests`, "dim"));
    line.push(...padTo(parts, column, theme));
  }
  return line;
}

function codesLine(stats: Distribution, column: number, theme: Theme): Line {
  const line: Line = [seg(padEnd("codes", LABEL), "dim")];
  for (const stream of stats.streams) line.push(...padTo(codeSegs(stream, theme, ""), column, theme));
  return line;
}

/** "200×30 503×2 refused×1", and pages that showed the session lost. */
function codeSegs(stream: StreamColumn, theme: Theme, lead: string): Line {
  const times = theme.ascii ? "x" : "×";
  const parts: Line = stream.codes.map((code, i) =>
    seg(`${i === 0 ? lead : " "}${code.label}${times}${code.count}`, code.ok ? "ok" : "bad"),
  );
  if (stream.notSignedIn > 0) parts.push(seg(` ${stream.notSignedIn} not signed in`, "warn"));
  return parts;
}

/** The segments cut to a column, then padded to it, with a space before the next column. */
function padTo(parts: Line, column: number, theme: Theme): Line {
  const cut = cutTo(parts, column - 1, theme);
  const used = cut.reduce((n, part) => n + cells(part.text), 0);
  return [...cut, seg(" ".repeat(Math.max(1, column - used)))];
}

function rowLine(key: RowKey, stats: Distribution, column: number, theme: Theme): Line {
  const line: Line = [seg(padEnd(ROW_LABELS[key], LABEL), "strong")];
  const barWidth = Math.max(2, Math.min(30, column - FIGURES - 1));
  for (const stream of stats.streams) line.push(...cellSegs(stream.cells[key], barWidth, theme), seg(" "));
  return line;
}

function cellSegs(cell: Cell, barWidth: number, theme: Theme): Line {
  const tone = cell.count > 0 ? "accent" : "dim";
  const configured =
    cell.configuredPercent === null ? padEnd("", 6) : `cfg${padStart(String(cell.configuredPercent), 3)}`;
  return [
    seg(bar(cell.fraction, barWidth, theme.ascii), tone),
    seg(` ${padStart(`${cell.percent}%`, 4)} `),
    seg(configured, "dim"),
  ];
}

function latencyLine(stats: Distribution, column: number, theme: Theme): Line {
  const line: Line = [seg(padEnd("p50/95", LABEL), "dim")];
  for (const stream of stats.streams) {
    // No answers, no latency: a 0 would read as a measurement.
    const text = stream.total === 0 ? (theme.ascii ? "-" : "–") : latency(stream);
    line.push(seg(padEnd(text, column)));
  }
  return line;
}

function latency(stream: StreamColumn): string {
  const { p50, p95 } = stream.latencyMs;
  if (p95 >= 1000) return `${(p50 / 1000).toFixed(1)}/${(p95 / 1000).toFixed(1)} s`;
  return `${Math.round(p50)}/${Math.round(p95)} ms`;
}

/** Where each stream's configured split comes from, once per distinct routing. */
function routingLines(stats: Distribution, room: number): Line[] {
  const seen = new Map<string, string[]>();
  for (const stream of stats.streams) {
    const names = seen.get(stream.routing.description) ?? [];
    names.push(stream.stream);
    seen.set(stream.routing.description, names);
  }
  const lines: Line[] = [];
  for (const [description, names] of seen) {
    const who = seen.size === 1 ? "cfg" : `cfg ${names.join(", ")}`;
    // The panel is narrow: "reviews rule 1" says which VirtualService well enough.
    lines.push([seg(`${who}: ${description.replace(/^VirtualService /, "")}`, "dim")]);
  }
  return lines.slice(0, room);
}

function cutTo(parts: Line, width: number, theme: Theme): Line {
  const out: Line = [];
  let room = width;
  for (const part of parts) {
    if (room <= 0) break;
    const n = cells(part.text);
    if (n <= room) {
      out.push(part);
      room -= n;
    } else {
      out.push({ ...part, text: truncate(part.text, room, theme.ascii) });
      room = 0;
    }
  }
  return out;
}
