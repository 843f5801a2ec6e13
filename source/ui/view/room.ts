// The facilitator's screen as data: a heading, then one row per attendee (whoever has been on
// their stage longest on top), fitted to the terminal; columns the width cannot hold are left
// out, least useful first. Pure, so every line is testable without a terminal.

import { humanDuration } from "../../model/age.ts";
import { atStage, type RoomReport, type RoomRow, rowCells, sortRows } from "../../print/roomRows.ts";
import { lessonsBegun } from "../../print/statusReport.ts";
import type { StageId, StageState } from "../../tutorial/stage.ts";
import { cells, padEnd, truncate } from "../text.ts";
import type { Theme, Tone } from "../theme.ts";
import { fit, type Line, seg } from "./lines.ts";

export type StageFilter = StageId | "done" | undefined;

export interface RoomViewInput {
  report: RoomReport | null;
  /** What start-up is doing while there is no report yet. */
  bootText: string;
  filter: StageFilter;
  /** Rows scrolled past at the top. */
  offset: number;
  size: { columns: number; rows: number };
  theme: Theme;
  sampleEveryMs: number;
  message?: { text: string; tone: Tone };
}

export interface RoomView {
  lines: Line[];
  /**
   * What each line shows, for React's keys: an attendee's row keeps its key when the sorting
   * moves it, so only the rows that changed are drawn again.
   */
  keys: string[];
  /** How many rows fit, and how many there are, for scrolling. */
  visibleRows: number;
  totalRows: number;
}

/** On the screen for at least this long, a stage is worth a look. */
const SLOW_SECONDS = 10 * 60;

interface Column {
  title: string;
  /** Index into rowCells. */
  cell: number;
  /** Dropped first when the width does not hold every column (higher goes first). */
  drop: number;
  max: number;
}

const COLUMNS: Column[] = [
  { title: "NAMESPACE", cell: 0, drop: 0, max: 24 },
  { title: "STAGES", cell: 1, drop: 0, max: 40 },
  { title: "AT", cell: 2, drop: 0, max: 10 },
  { title: "FOR", cell: 3, drop: 0, max: 8 },
  { title: "PODS", cell: 4, drop: 1, max: 7 },
  { title: "NO SIDECAR", cell: 5, drop: 3, max: 10 },
  { title: "REVIEWS", cell: 6, drop: 2, max: 20 },
  { title: "CHANGED", cell: 8, drop: 4, max: 8 },
  { title: "FINDING", cell: 7, drop: 5, max: 60 },
];
const GAP = 2;
const HEADING = 2;
const FOOTER = 1;

export function roomView(input: RoomViewInput): RoomView {
  const { report, theme, size } = input;
  const width = Math.max(1, size.columns);
  const height = Math.max(1, size.rows - 1);
  if (!report) {
    const line = fit(
      [
        seg("kubectl bookinfo workshop", "strong"),
        seg(`  ${input.bootText}${theme.glyphs.ellipsis}`, "accent"),
      ],
      width,
      theme,
    );
    return { lines: [line], keys: ["heading"], visibleRows: 0, totalRows: 0 };
  }
  const rows = atStage(sortRows(report.attendees), input.filter);
  const marks = theme.glyphs.marks as Record<StageState, string>;
  const table = rows.map((row) => rowCells(row, marks));
  const columns = fitColumns(table, width);
  const budget = Math.max(1, height - HEADING - 1 - FOOTER - 1);
  const offset = Math.max(0, Math.min(input.offset, rows.length - budget));
  const shown = rows.slice(offset, offset + budget);

  const lines: Line[] = [...heading(input, rows.length, width)];
  lines.push([]);
  lines.push(
    fit([seg(columns.map((c) => padEnd(c.title, c.width)).join(" ".repeat(GAP)), "dim")], width, theme),
  );
  if (rows.length === 0) {
    lines.push([
      seg(
        input.filter
          ? `Nobody is at ${input.filter === "done" ? "the end" : `stage ${input.filter}`} right now.`
          : `No attendee namespaces found for room ${report.room}: run kubectl bookinfo workshop setup, or pick them with --prefix or -l.`,
        "dim",
      ),
    ]);
  }
  const keys = lines.map((_, i) => `line-${i}`);
  for (const row of shown) {
    lines.push(rowLine(row, columns, theme, width));
    keys.push(`row-${row.namespace}`);
  }
  const below = rows.length - offset - shown.length;
  lines.push(footer(input, offset, below, width));
  keys.push("footer");
  return { lines, keys, visibleRows: budget, totalRows: rows.length };
}

function heading(input: RoomViewInput, count: number, width: number): Line[] {
  const { report, theme, filter } = input;
  if (!report) return [];
  const d = theme.glyphs.dot;
  const total = report.attendees.length;
  const first: Line = [
    seg("kubectl bookinfo workshop", "strong"),
    seg(`  room ${report.room}`),
    seg(`, ${total} attendee${total === 1 ? "" : "s"}`, "dim"),
  ];
  if (report.pace) first.push(seg("  the room is at: ", "dim"), seg(report.pace, "accent"));
  first.push(seg(`  context ${report.context}`, "dim"));
  const every = humanDuration(input.sampleEveryMs);
  const second: Line = [
    seg(`each page sampled every ${every} with its Host`, "dim"),
    seg(` ${d} longest on their stage first`, "dim"),
  ];
  if (filter) second.push(seg(` ${d} showing ${count} at ${filter}`, "accent"));
  return [fit(first, width, theme), fit(second, width, theme)];
}

function rowLine(row: RoomRow, columns: FittedColumn[], theme: Theme, width: number): Line {
  const cellsOf = rowCells(row, theme.glyphs.marks as Record<StageState, string>);
  const line: Line = [];
  columns.forEach((column, i) => {
    const gap = i === columns.length - 1 ? "" : " ".repeat(GAP);
    if (column.cell === 1) {
      // Each stage's mark in its own colour; ASCII marks are wider, so they are cut as a whole.
      let used = 0;
      const begun = lessonsBegun(row.stages);
      for (const stage of row.stages.filter((s) => begun.has(s.lesson))) {
        const mark = theme.glyphs.marks[stage.state];
        if (used + cells(mark) > column.width) break;
        used += cells(mark);
        line.push(seg(mark, stage.state === "done" ? "ok" : stage.state === "failed" ? "bad" : "dim"));
      }
      line.push(seg(" ".repeat(Math.max(0, column.width - used)) + gap));
      return;
    }
    const text = padEnd(truncate(cellsOf[column.cell] ?? "", column.width, theme.ascii), column.width) + gap;
    line.push(seg(text, toneOf(row, column.cell)));
  });
  return merged(fit(line, width, theme));
}

/** Neighbouring segments of one tone as one: fewer elements for React and Ink to go through. */
function merged(line: Line): Line {
  const out: Line = [];
  for (const part of line) {
    const last = out.at(-1);
    if (last && last.tone === part.tone)
      out[out.length - 1] = { text: last.text + part.text, tone: part.tone };
    else out.push(part);
  }
  return out;
}

function toneOf(row: RoomRow, cell: number): Tone {
  switch (cell) {
    case 2:
      if (row.current === null) return "ok";
      return row.stages.find((s) => s.id === row.current)?.state === "failed" ? "bad" : "accent";
    case 3:
      return row.forSeconds !== null && row.forSeconds >= SLOW_SECONDS ? "warn" : "plain";
    case 4:
      return row.pods.ready < row.pods.total ? "warn" : "plain";
    case 5:
      return row.pods.withoutSidecar > 0 ? "warn" : "dim";
    case 7:
      return row.finding ? "bad" : "dim";
    case 8:
      return "dim";
    default:
      return "plain";
  }
}

function footer(input: RoomViewInput, above: number, below: number, width: number): Line {
  const { theme } = input;
  if (input.message) return fit([seg(input.message.text, input.message.tone)], width, theme);
  const d = theme.glyphs.dot;
  const more = [above > 0 ? `${above} above` : "", below > 0 ? `${below} below` : ""]
    .filter(Boolean)
    .join(", ");
  return fit(
    [
      seg(more ? `${more}  ` : "", "accent"),
      seg(
        `${theme.ascii ? "up/dn j/k" : `${theme.glyphs.updown} jk`} scroll ${d} f filter by stage ${d} q quit`,
        "dim",
      ),
    ],
    width,
    theme,
  );
}

interface FittedColumn extends Column {
  width: number;
}

/** Each column as wide as its widest cell (within its cap); the least useful go when space runs out. */
function fitColumns(table: string[][], width: number): FittedColumn[] {
  let columns: FittedColumn[] = COLUMNS.map((column) => ({
    ...column,
    width: Math.min(
      column.max,
      Math.max(cells(column.title), ...table.map((r) => cells(r[column.cell] ?? ""))),
    ),
  }));
  const total = (list: FittedColumn[]) => list.reduce((sum, c) => sum + c.width, 0) + GAP * (list.length - 1);
  for (const level of [5, 4, 3, 2, 1]) {
    if (total(columns) <= width) break;
    columns = columns.filter((c) => c.drop < level);
  }
  return columns;
}
