// The mesh analysis under the stages and samples: the finding most likely to explain what the
// samples show, and how many more there are (`kubectl bookinfo analyze` lists them all). One line
// on a small terminal, two (the finding wrapped) when there is room.

import { explaining, type Finding, type Level } from "../../analysis/finding.ts";
import { cells, wrap } from "../text.ts";
import type { Theme, Tone } from "../theme.ts";
import { fit, type Line, seg, type ViewInput } from "./lines.ts";

/** From this width the count also says where the full list is. */
const WIDE = 100;

const TONES: Record<Level, Tone> = { Error: "bad", Warning: "warn", Info: "dim" };

export function findingsLines(input: ViewInput, width: number, budget: number): Line[] {
  const { snapshot, findings, theme } = input;
  if (budget <= 0) return [];
  if (!snapshot?.istio.installed) return [fit([seg("Mesh: not analyzed yet", "dim")], width, theme)];
  if (findings.length === 0) {
    return [
      fit(
        [
          seg(`${theme.glyphs.marks.done} `, "ok"),
          seg("Mesh configuration: istioctl analyze's checks find nothing", "dim"),
        ],
        width,
        theme,
      ),
    ];
  }
  const inTheWay = explaining(findings);
  const shown: Finding = inTheWay[0] ?? findings[0]!;
  // A finding nothing routes through (a subset no pod has) is true but not in the way: muted.
  const tone = inTheWay.length > 0 ? TONES[shown.level] : "dim";
  const more = findings.length - 1;
  const count =
    more > 0
      ? `  ${theme.glyphs.dot} +${more}${width >= WIDE ? " more: kubectl bookinfo analyze" : " more"}`
      : "";
  const mark = `${markOf(shown.level, theme)} `;
  const text = `${shown.code} ${shown.summary}`;
  const all = wrap(text, width - cells(mark), "");
  // What does not fit in the budget is cut within the last line, not at its last whole word.
  const wrapped = all.length > budget ? [...all.slice(0, budget - 1), all.slice(budget - 1).join(" ")] : all;
  const lines: Line[] = wrapped.map((part, i) =>
    i === 0
      ? [seg(mark, tone), seg(shown.code, "strong"), seg(part.slice(shown.code.length), tone)]
      : [seg(" ".repeat(cells(mark))), seg(part, tone)],
  );
  const last = lines.at(-1)!;
  const used = last.reduce((n, s) => n + cells(s.text), 0);
  if (all.length <= budget && count) {
    // The count goes where there is still room.
    if (used + cells(count) <= width) last.push(seg(count, "dim"));
    else if (lines.length < budget) lines.push([seg(" ".repeat(cells(mark))), seg(count.trimStart(), "dim")]);
  }
  return lines.map((l) => fit(l, width, theme));
}

function markOf(level: Level, theme: Theme): string {
  if (level === "Error") return theme.glyphs.marks.failed;
  return level === "Warning" ? "!" : "i";
}
