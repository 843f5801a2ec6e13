// The pod table: kubectl's rows, the changing ones kept when they do not all fit.

import type { PodRow } from "../../model/podRow.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { cells, padEnd, truncate } from "../text.ts";
import type { Theme, Tone } from "../theme.ts";
import type { PodTableView } from "./lines.ts";

const POD_HEADER = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
const FAILING = /BackOff|Err|Error|Invalid|OOMKilled|Unknown|Failed|Evicted/;

function statusTone(row: PodRow): Tone {
  if (FAILING.test(row.status)) return "bad";
  if (row.status === "Running") {
    const [ready, total] = row.ready.split("/");
    return ready === total ? "ok" : "warn";
  }
  if (row.status === "Completed" || row.status === "Terminating") return "dim";
  return "warn";
}

export function podTable(
  rows: PodRow[],
  snapshot: Snapshot | null,
  budget: number,
  width: number,
  theme: Theme,
): PodTableView {
  if (!snapshot) return { header: POD_HEADER.join("   "), rows: [], note: "waiting for the cluster" };
  if (rows.length === 0) {
    return {
      header: POD_HEADER.join("   "),
      rows: [],
      note: `No pods in namespace ${snapshot.namespace} yet; the deploy stage creates them.`,
    };
  }
  // When they do not all fit, the pods that are changing matter more than the settled ones.
  let shown = rows;
  let note: string | null = null;
  if (rows.length > budget) {
    const keep = Math.max(1, budget - 1);
    const unsettled = rows.filter((r) => statusTone(r) !== "ok");
    const settled = rows.filter((r) => statusTone(r) === "ok");
    const chosen = new Set([...unsettled, ...settled].slice(0, keep));
    shown = rows.filter((r) => chosen.has(r));
    const hidden = rows.length - shown.length;
    const hiddenUnsettled = unsettled.filter((r) => !chosen.has(r)).length;
    note = `${theme.glyphs.ellipsis} and ${hidden} more pod${hidden === 1 ? "" : "s"}${
      hiddenUnsettled > 0 ? ` (${hiddenUnsettled} not Running and Ready)` : ""
    }`;
  }
  const table = shown.map((r) => [r.name, r.ready, r.status, r.restartsText, r.age]);
  const widths = POD_HEADER.map((h, i) => Math.max(cells(h), ...table.map((t) => cells(t[i] ?? ""))));
  // kubectl separates columns with three spaces; NAME gives way when the terminal is narrow.
  const fixed = widths.slice(1).reduce((a, b) => a + b, 0) + 3 * (POD_HEADER.length - 1);
  widths[0] = Math.max(10, Math.min(widths[0]!, width - fixed));
  const pad = (cell: string, i: number) =>
    i === POD_HEADER.length - 1 ? cell : padEnd(truncate(cell, widths[i]!, theme.ascii), widths[i]! + 3);
  return {
    header: truncate(POD_HEADER.map(pad).join(""), width, theme.ascii),
    rows: shown.map((r, index) => {
      const cellsOf = table[index]!;
      const tone = statusTone(r);
      return {
        cells: cellsOf.map((cell, i) => ({
          text: pad(cell, i),
          tone: i === 1 || i === 2 ? tone : i === 3 && r.restarts > 0 ? "warn" : "plain",
        })),
      };
    }),
    note,
  };
}
