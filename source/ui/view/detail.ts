// The selected stage in detail: what it does and why, the commands, the YAML, the fix; or help.

import { explaining } from "../../analysis/finding.ts";
import { NO_TOUR_FILES, namesReleaseFiles, RELEASE_FILES_NOTE, withTourFiles } from "../../tutorial/files.ts";
import { stageById } from "../../tutorial/lessons.ts";
import type { StageId } from "../../tutorial/stage.ts";
import { KEY_BINDINGS } from "../keys.ts";
import { cells, padEnd, sideways, truncate, wrap } from "../text.ts";
import { STAGE_TONES, type Theme, type Tone } from "../theme.ts";
import { fixForTour } from "./fix.ts";
import { fit, type Line, type StageLine, seg, type ViewInput } from "./lines.ts";

interface Block {
  lines: Line[];
  /** Lower comes first when lines are short; display order is the array's. */
  priority: number;
  /** The block in fewer lines than it has, where that still makes sense; else all or nothing. */
  cut?: (room: number) => Line[];
}

export function detailLines(input: ViewInput, stages: StageLine[], width: number, budget: number): Line[] {
  const { snapshot, checks, ui, theme } = input;
  if (budget <= 0) return [];
  if (ui.panel === "help") return helpLines(theme, width, budget, ui.yamlScroll);
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
  const blocks: Block[] = [{ lines: [fit(heading, width, theme)], priority: 0 }];
  const applyError = ui.applyError?.id === line.id ? ui.applyError.message : null;
  if (applyError) {
    blocks.push(prose(`Failed to apply: ${applyError}`, width, "bad", 1, theme));
  }
  const outcomeLabel = check.state === "failed" ? "Cause: " : check.state === "done" ? "Outcome: " : "Now: ";
  blocks.push(
    prose(
      `${outcomeLabel}${check.detail}`,
      width,
      check.state === "failed" ? "bad" : check.state === "done" ? "ok" : "plain",
      1,
      theme,
    ),
  );
  if (check.state === "failed") {
    // The mesh analysis often names the cause the stage's own check cannot see.
    for (const finding of explaining(input.findings).slice(0, MAX_FINDINGS)) {
      const tone = finding.level === "Error" ? "bad" : "warn";
      blocks.push(prose(`${finding.code}: ${finding.summary}`, width, tone, 1, theme));
    }
  }
  const next = checks.find((r) => r.check.state !== "done")?.stage.id ?? null;
  if (check.fix && check.state !== "done") {
    blocks.push(prose(`Fix: ${fixForTour(check.fix, { next })}`, width, "warn", 2, theme));
  }
  // What the measurement means (why jason waits 6 s) is the lesson itself: it comes before "Why".
  if (check.explain) blocks.push(prose(check.explain, width, "plain", 2, theme));
  if (check.offer && check.state === "done") {
    blocks.push(prose(`Try: ${fixForTour(check.offer, { next })}`, width, "accent", 3, theme));
  }
  blocks.push(prose(`Why: ${stage.why}`, width, "dim", 4, theme));
  const commands = stageCommands(input, line.id);
  if (commands.length > 0) blocks.push(commandsBlock(commands, width, theme));
  return allocate(blocks, budget);
}

/** Findings shown under a failed stage's cause; `kubectl bookinfo analyze` lists every one. */
const MAX_FINDINGS = 2;

/** The stage's commands as a person can run them: naming files they have. */
export function stageCommands(input: ViewInput, id: StageId): string[] {
  if (!input.snapshot) return [];
  const files = input.files ?? NO_TOUR_FILES;
  return stageById(id)
    .commands(input.snapshot)
    .map((command) => withTourFiles(command, files));
}

function prose(text: string, width: number, tone: Tone, priority: number, theme: Theme): Block {
  const lines = wrap(text, width, "  ").map((t) => [seg(t, tone)]);
  return {
    lines,
    priority,
    cut(room) {
      const cut = lines.slice(0, room);
      const last = cut.at(-1)?.at(-1);
      if (last) {
        // The line keeps its width: it already fits, so the mark replaces its last cell at most.
        const text = cells(last.text) < width ? last.text : [...last.text].slice(0, -1).join("");
        cut[cut.length - 1] = [
          ...cut.at(-1)!.slice(0, -1),
          { ...last, text: `${text}${theme.glyphs.ellipsis}` },
        ];
      }
      return cut;
    },
  };
}

/**
 * "Run it yourself": each command on one line, whole or cut with a visible ellipsis, never
 * wrapped (a wrapped command pasted into a shell runs without its end). When they do not all
 * fit, the last line says how many are hidden and where they are in full.
 */
function commandsBlock(commands: string[], width: number, theme: Theme): Block {
  const note = namesReleaseFiles(commands) ? ` (${RELEASE_FILES_NOTE})` : "";
  const label = fit([seg(`Run it yourself${note}; c copies them:`, "dim")], width, theme);
  const lines = [label, ...commands.map((c) => [seg(truncate(c, width, theme.ascii), "accent")])];
  return {
    lines,
    priority: 3,
    cut(room) {
      if (room < 2) return [];
      const shown = room - 2;
      const hidden = commands.length - shown;
      const more = `${theme.glyphs.ellipsis} ${hidden} more command${hidden === 1 ? "" : "s"}: y shows them all, c copies them`;
      return [...lines.slice(0, 1 + shown), fit([seg(more, "warn")], width, theme)];
    },
  };
}

/** Gives each block lines in priority order, then lays them out in display order. */
function allocate(blocks: Block[], budget: number): Line[] {
  const granted = new Map<Block, Line[]>();
  let room = budget;
  for (const block of [...blocks].sort((a, b) => a.priority - b.priority)) {
    if (room <= 0) break;
    if (block.lines.length <= room) {
      granted.set(block, block.lines);
      room -= block.lines.length;
    } else if (block.cut) {
      const cut = block.cut(room);
      granted.set(block, cut);
      room -= cut.length;
    }
  }
  return blocks.flatMap((block) => granted.get(block) ?? []);
}

/**
 * The selected stage in full: its commands, then the YAML it applies, unwrapped. PgUp/PgDn
 * scroll it; left/right move it sideways, so the end of a long line can be read too.
 */
function yamlLines(input: ViewInput, line: StageLine, width: number, budget: number): Line[] {
  const { theme, ui } = input;
  const stage = stageById(line.id);
  const text = yamlText(input, line.id);
  const rows = Math.max(1, budget - 1);
  const top = Math.min(ui.yamlScroll, Math.max(0, text.length - rows));
  const shown = text.slice(top, top + rows);
  const d = theme.glyphs.dot;
  const arrows = theme.ascii ? "left/right" : "←→";
  const title: Line = [
    seg(`${stage.id}: ${stage.manifests.length > 0 ? "commands and YAML" : "commands"}`, "strong"),
    seg(
      `  lines ${top + 1}-${top + shown.length} of ${text.length} ${d} PgUp/PgDn ${arrows} scroll ${d} y closes`,
      "dim",
    ),
  ];
  return [
    fit(title, width, theme),
    ...shown.map((t): Line => [seg(sideways(t, ui.yamlShift, width, theme.ascii), toneOf(t))]),
  ];
}

const toneOf = (text: string): Tone =>
  text.startsWith("#") ? "dim" : /^(kubectl|export|istioctl|curl) /.test(text) ? "accent" : "plain";

/** What the commands and YAML view shows, line by line (PgUp/PgDn move over these). */
export function yamlText(input: ViewInput, id: StageId): string[] {
  const stage = stageById(id);
  const commands = stageCommands(input, id);
  const text: string[] = [];
  if (commands.length > 0) {
    const note = namesReleaseFiles(commands) ? ` (${RELEASE_FILES_NOTE})` : "";
    text.push(`# Run it yourself${note}:`, ...commands);
  }
  const dir = input.files?.dir ?? null;
  for (const file of stage.manifests) {
    if (text.length > 0) text.push("");
    text.push(dir ? `# ${dir}/${file}` : `# ${file} (the tour's own copy)`);
    const body = input.manifests.get(file) ?? "(not available)";
    text.push(...body.replace(/\n$/, "").split("\n"));
  }
  return text;
}

/** The keys, one per line; where they do not all fit, PgUp/PgDn scroll them and a line says so. */
function helpLines(theme: Theme, width: number, budget: number, scroll: number): Line[] {
  const title: Line = [
    seg("Keys", "strong"),
    seg("  what was applied stays when you quit; the tour resumes from the cluster", "dim"),
  ];
  const keys = KEY_BINDINGS.map((b) => fit([seg(padEnd(b.keys, 14), "accent"), seg(b.help)], width, theme));
  if (budget >= keys.length + 1) return [fit(title, width, theme), ...keys];
  const rows = Math.max(1, budget - 2);
  const top = Math.min(Math.max(0, scroll), Math.max(0, keys.length - rows));
  const more = keys.length - top - rows;
  const mark = `${theme.glyphs.ellipsis} ${top > 0 ? `${top} above, ` : ""}${Math.max(0, more)} more: PgUp/PgDn scroll`;
  return [
    fit(title, width, theme),
    ...keys.slice(top, top + rows),
    fit([seg(mark, "warn")], width, theme),
  ].slice(0, budget);
}

/** How far the keys can scroll in a detail of `budget` lines (the reducer's bound). */
export function helpScrollMax(budget: number): number {
  return budget >= KEY_BINDINGS.length + 1 ? 0 : KEY_BINDINGS.length - Math.max(1, budget - 2);
}
