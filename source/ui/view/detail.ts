// The selected stage in detail: what it does and why, the commands, the YAML, the fix; or help.

import { explaining } from "../../analysis/finding.ts";
import { stageById } from "../../tutorial/lessons.ts";
import type { StageId } from "../../tutorial/stage.ts";
import { KEY_BINDINGS } from "../keys.ts";
import { cells, padEnd, truncate, wrap } from "../text.ts";
import { STAGE_TONES, type Theme, type Tone } from "../theme.ts";
import { fixForTour } from "./fix.ts";
import { fit, type Line, type StageLine, seg, type ViewInput } from "./lines.ts";

interface Block {
  lines: Line[];
  /** Lower comes first when lines are short; display order is the array's. */
  priority: number;
  /** Whether a partial block makes sense (prose) or only whole items (commands). */
  partial: boolean;
  /** Lines to keep together (each command is one item, wrapped or not). */
  items?: Line[][];
}

export function detailLines(input: ViewInput, stages: StageLine[], width: number, budget: number): Line[] {
  const { snapshot, checks, ui, theme } = input;
  if (budget <= 0) return [];
  if (ui.panel === "help") return helpLines(theme, width).slice(0, budget);
  const line = stages.find((s) => s.selected) ?? stages[0]!;
  const stage = stageById(line.id);
  const heading: Line = [
    seg(line.mark, STAGE_TONES[line.display]),
    seg(` ${line.number} ${stage.title}`, "strong"),
    seg(line.display === "unknown" ? "" : `  ${theme.glyphs.dot} ${line.display}`, "dim"),
  ];
  if (!snapshot || !checks)
    return [fit(heading, width, theme), ...wrap(stage.why, width).map((t) => [seg(t, "dim")])].slice(
      0,
      budget,
    );
  if (ui.panel === "yaml") return yamlLines(input, line, width, budget);
  if (ui.choosing) return [fit(heading, width, theme)];

  const check = checks[line.number - 1]!.check;
  const blocks: Block[] = [{ lines: [fit(heading, width, theme)], priority: 0, partial: false }];
  const applyError = ui.applyError?.id === line.id ? ui.applyError.message : null;
  if (applyError) {
    blocks.push(prose(`Failed to apply: ${applyError}`, width, "bad", 1));
  }
  const outcomeLabel = check.state === "failed" ? "Cause: " : check.state === "done" ? "Outcome: " : "Now: ";
  blocks.push(
    prose(
      `${outcomeLabel}${check.detail}`,
      width,
      check.state === "failed" ? "bad" : check.state === "done" ? "ok" : "plain",
      1,
    ),
  );
  if (check.state === "failed") {
    // The mesh analysis often names the cause the stage's own check cannot see.
    for (const finding of explaining(input.findings).slice(0, MAX_FINDINGS)) {
      blocks.push(
        prose(`${finding.code}: ${finding.summary}`, width, finding.level === "Error" ? "bad" : "warn", 1),
      );
    }
  }
  const next = checks.find((r) => r.check.state !== "done")?.stage.id ?? null;
  if (check.fix && check.state !== "done") {
    blocks.push(prose(`Fix: ${fixForTour(check.fix, { next })}`, width, "warn", 2));
  }
  // What the measurement means (why jason waits 6 s) is the lesson itself: it comes before "Why".
  if (check.explain) blocks.push(prose(check.explain, width, "plain", 2));
  if (check.offer && check.state === "done") {
    blocks.push(prose(`Try: ${fixForTour(check.offer, { next })}`, width, "accent", 3));
  }
  blocks.push(prose(`Why: ${stage.why}`, width, "dim", 4));
  const commands = stage.commands(snapshot);
  if (commands.length > 0) {
    blocks.push({
      lines: [[seg("Run it yourself:", "dim")]],
      priority: 5,
      partial: false,
    });
    blocks.push({
      lines: [],
      items: commands.map((c) => wrap(c, width, "    ").map((t) => [seg(t, "accent")])),
      priority: 3,
      partial: true,
    });
  }
  return allocate(blocks, budget, width, theme);
}

/** Findings shown under a failed stage's cause; `kubectl bookinfo analyze` lists every one. */
const MAX_FINDINGS = 2;

function prose(text: string, width: number, tone: Tone, priority: number): Block {
  return { lines: wrap(text, width, "  ").map((t) => [seg(t, tone)]), priority, partial: true };
}

/** Gives each block lines in priority order, then lays them out in display order. */
function allocate(blocks: Block[], budget: number, width: number, theme: Theme): Line[] {
  const granted = new Map<Block, Line[]>();
  let room = budget;
  for (const block of [...blocks].sort((a, b) => a.priority - b.priority)) {
    if (room <= 0) break;
    if (block.items) {
      const taken: Line[] = [];
      for (const item of block.items) {
        if (item.length > room - taken.length) break;
        taken.push(...item);
      }
      room -= taken.length;
      granted.set(block, taken);
      continue;
    }
    if (block.lines.length <= room) {
      granted.set(block, block.lines);
      room -= block.lines.length;
    } else if (block.partial) {
      const cut = block.lines.slice(0, room);
      const last = cut.at(-1)?.at(-1);
      if (last) {
        // The line keeps its width: it already fits, so the mark replaces its last cell at most.
        const text = cells(last.text) < width ? last.text : [...last.text].slice(0, -1).join("");
        cut[cut.length - 1] = [
          ...cut.at(-1)!.slice(0, -1),
          { ...last, text: `${text}${theme.glyphs.ellipsis}` },
        ];
      }
      granted.set(block, cut);
      room = 0;
    }
  }
  // A label without what it labels says nothing.
  return blocks.flatMap((block, i) => {
    const lines = granted.get(block) ?? [];
    const next = blocks[i + 1];
    if (block.priority === 5 && next?.items && (granted.get(next)?.length ?? 0) === 0) return [];
    return lines;
  });
}

function yamlLines(input: ViewInput, line: StageLine, width: number, budget: number): Line[] {
  const { theme, ui } = input;
  const stage = stageById(line.id);
  if (stage.manifests.length === 0) {
    return [
      [seg(`${line.number} ${stage.title}: applies no YAML`, "strong")],
      ...wrap("It changes the cluster with these commands instead:", width).map((t) => [seg(t, "dim")]),
      ...(input.snapshot ? stage.commands(input.snapshot) : []).flatMap((c) =>
        wrap(c, width, "    ").map((t) => [seg(t, "accent")]),
      ),
    ].slice(0, budget);
  }
  const text: string[] = [];
  for (const file of stage.manifests) {
    text.push(`# manifests/${file}`);
    const body = input.manifests.get(file) ?? "(not available)";
    text.push(...body.replace(/\n$/, "").split("\n"));
  }
  const rows = Math.max(1, budget - 1);
  const top = Math.min(ui.yamlScroll, Math.max(0, text.length - rows));
  const shown = text.slice(top, top + rows);
  const title: Line = [
    seg(`YAML of ${stage.id}`, "strong"),
    seg(
      `  lines ${top + 1}-${top + shown.length} of ${text.length} ${theme.glyphs.dot} PgUp/PgDn scroll ${theme.glyphs.dot} y closes`,
      "dim",
    ),
  ];
  return [
    fit(title, width, theme),
    ...shown.map((t) => [seg(truncate(t, width, theme.ascii), t.startsWith("#") ? "dim" : "plain")]),
  ];
}

/** How many lines the YAML view can scroll, for the reducer's bound. */
export function yamlLength(id: StageId, manifests: ReadonlyMap<string, string>): number {
  let n = 0;
  for (const file of stageById(id).manifests) {
    n += 1 + (manifests.get(file) ?? "").replace(/\n$/, "").split("\n").length;
  }
  return n;
}

function helpLines(theme: Theme, width: number): Line[] {
  return [
    [
      seg("Keys", "strong"),
      seg("  what was applied stays when you quit; the tour resumes from the cluster", "dim"),
    ],
    ...KEY_BINDINGS.map((b) => fit([seg(padEnd(b.keys, 14), "accent"), seg(b.help)], width, theme)),
  ].map((l) => fit(l, width, theme));
}
