// The whole screen as data: every line the panels draw, already fitted to its width and budget,
// computed from the Snapshot (via the pure view models in model/), the stage checks and the UI
// state. Components only draw these lines, so everything shown is testable without a terminal.

import { bar, type Distribution, distribution } from "../model/distribution.ts";
import type { PodRow } from "../model/podRow.ts";
import { podRows } from "../model/podRows.ts";
import type { GatewayAddress, Snapshot } from "../model/snapshot.ts";
import { stageRows } from "../model/stageRows.ts";
import type { StageId } from "../tutorial/stage.ts";
import { deploymentsNeedingRestart } from "../tutorial/stages/inject.ts";
import { STAGES, type StageResult, stageById } from "../tutorial/stages.ts";
import { computeLayout, type Layout } from "./layout.ts";
import { cells, padEnd, padStart, truncate, wrap } from "./text.ts";
import { STAGE_TONES, type StageDisplay, type Theme, type Tone } from "./theme.ts";
import type { UiState } from "./uiState.ts";

export interface Seg {
  text: string;
  tone: Tone;
}
export type Line = Seg[];

export interface StageLine {
  id: StageId;
  number: number;
  title: string;
  display: StageDisplay;
  mark: string;
  selected: boolean;
  text: string;
}

export interface PodLine {
  /** kubectl's cells, padded to the table's columns. */
  cells: { text: string; tone: Tone }[];
}

export interface PodTableView {
  header: string;
  rows: PodLine[];
  /** "… and 6 more pods (2 not Ready)" when they do not all fit, or the empty-table line. */
  note: string | null;
}

export interface TourView {
  layout: Layout;
  header: Line[];
  stages: StageLine[];
  stagesTitle: string | null;
  pods: PodTableView;
  samples: Line[];
  detail: Line[];
  message: Line;
  footer: Line;
}

export interface BootState {
  state: "starting" | "ready";
  /** What is happening while starting, e.g. "starting the sandbox". */
  text: string;
}

export interface ViewInput {
  /** Null until the session is open. */
  snapshot: Snapshot | null;
  configChangedAt: number;
  checks: StageResult[] | null;
  ui: UiState;
  size: { columns: number; rows: number };
  theme: Theme;
  /** The last N samples the panel summarises, and the background rate. */
  window: number;
  rate: number;
  boot: BootState;
  manifestText?: (file: string) => string;
}

const seg = (text: string, tone: Tone = "plain"): Seg => ({ text, tone });

export function tourView(input: ViewInput): TourView {
  const { snapshot, size, theme, ui } = input;
  const pods = snapshot ? podRows(snapshot) : [];
  const layout = computeLayout(size, pods.length);
  const stages = stageLines(input, layout.leftWidth);
  return {
    layout,
    header: headerLines(input, layout.width),
    stages,
    stagesTitle: layout.spacious ? "Stages" : null,
    pods: podTable(pods, snapshot, layout.podRows, layout.width, theme),
    samples: snapshot
      ? samplesLines(input, snapshot, layout.rightWidth, layout.samplesLines)
      : [[seg("Samples of GATEWAY_URL/productpage", "strong")], [seg("waiting for the cluster", "dim")]],
    detail: detailLines(input, stages, layout.width, layout.detailLines),
    message: messageLine(input, stages, layout.width),
    footer: footerLine(theme, ui, layout.width),
  };
}

/** A line of segments cut to `width` cells. */
export function fit(line: Line, width: number, theme: Theme): Line {
  const out: Line = [];
  let room = width;
  for (const part of line) {
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

// Header ------------------------------------------------------------------------------------

const GATEWAY_SOURCES: Record<GatewayAddress["source"], { short: string; long: string }> = {
  LoadBalancer: { short: "LoadBalancer", long: "the ingress Service's LoadBalancer address" },
  NodePort: { short: "NodePort", long: "NodePort on the ingress gateway pod's host IP" },
  "port-forward": {
    short: "port-forward",
    long: "a port-forward to the ingress gateway, opened by the tour",
  },
  flag: { short: "--gateway-url", long: "given with --gateway-url" },
};

function headerLines(input: ViewInput, width: number): Line[] {
  const { snapshot, theme, boot } = input;
  const d = theme.glyphs.dot;
  if (!snapshot) {
    return [
      fit(
        [
          seg("kubectl bookinfo", "strong"),
          seg(` ${d} `, "dim"),
          seg(`${boot.text}${theme.glyphs.ellipsis}`, "accent"),
        ],
        width,
        theme,
      ),
      [seg("Istio's Bookinfo tutorial, stage by stage, on a live cluster", "dim")],
    ];
  }
  const wide = width >= 100;
  // Narrow terminals get kubectl's short words, so the server still fits on the line.
  const first: Line = [
    seg("kubectl bookinfo", "strong"),
    seg(wide ? "  context " : "  ctx ", "dim"),
    seg(snapshot.context),
    seg(wide ? "  namespace " : "  ns ", "dim"),
    seg(snapshot.namespace),
    seg(wide ? "  server " : "  ", "dim"),
    seg(snapshot.server),
  ];
  const istio = snapshot.istio;
  const istioText: Seg = istio.detecting
    ? seg(`detecting${theme.glyphs.ellipsis}`, "dim")
    : istio.installed
      ? seg(istio.version ?? "installed (version unknown)", "ok")
      : seg("not installed", "bad");
  const gateway = snapshot.gateway;
  const second: Line = [seg("Istio ", "dim"), istioText, seg("  GATEWAY_URL ", "dim")];
  if (gateway) {
    const source = GATEWAY_SOURCES[gateway.source];
    second.push(seg(hostPort(gateway.url), "accent"), seg(` (${wide ? source.long : source.short})`, "dim"));
  } else if (
    snapshot.unreadable.ingressPods !== undefined ||
    snapshot.unreadable.ingressService !== undefined
  ) {
    // Nothing will turn up by waiting: this context cannot see istio-system.
    second.push(
      seg("unknown", "warn"),
      seg(wide ? " (istio-system not readable: pass --gateway-url)" : "", "dim"),
    );
  } else {
    second.push(
      seg("not found yet", "warn"),
      seg(wide ? " (no ingress address: LoadBalancer, NodePort or port-forward)" : "", "dim"),
    );
  }
  return [fit(first, width, theme), fit(second, width, theme)];
}

function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\//, "").replace(/\/$/, "");
}

// Stage list --------------------------------------------------------------------------------

/** The stage's state as drawn: the check's, or running while the tour applies or waits on it. */
export function stageDisplay(
  result: StageResult | undefined,
  id: StageId,
  ui: Pick<UiState, "running" | "applyError">,
): StageDisplay {
  if (!result) return "unknown";
  if (ui.applyError?.id === id) return "failed";
  if (result.check.state === "done") return "done";
  if (result.check.state === "failed") return "failed";
  return ui.running?.id === id ? "running" : "pending";
}

function stageLines(input: ViewInput, width: number): StageLine[] {
  const { checks, theme, ui } = input;
  const rows = checks ? stageRows(checks, ui.selected, { ascii: theme.ascii }) : null;
  return STAGES.map((stage, index) => {
    const result = checks?.[index];
    const display = stageDisplay(result, stage.id, ui);
    const mark = theme.glyphs.marks[display];
    const selected = rows ? (rows[index]?.selected ?? false) : stage.id === ui.selected;
    const pointer = selected ? theme.glyphs.pointer : " ";
    return {
      id: stage.id,
      number: index + 1,
      title: stage.title,
      display,
      mark,
      selected,
      text: truncate(`${pointer} ${mark} ${index + 1} ${stage.title}`, width, theme.ascii),
    };
  });
}

// Pod table ---------------------------------------------------------------------------------

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

function podTable(
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

// Samples panel -----------------------------------------------------------------------------

function samplesLines(input: ViewInput, snapshot: Snapshot, width: number, budget: number): Line[] {
  const { theme, window, rate, configChangedAt } = input;
  const d = theme.glyphs.dot;
  const recent = snapshot.samples.filter((s) => s.at >= configChangedAt).slice(-window);
  const since = recent.length < Math.min(window, snapshot.samples.length);
  const title: Line = [seg("Samples", "strong")];
  if (!snapshot.gateway) {
    return [
      title,
      [seg("No GATEWAY_URL yet: nothing to request.", "dim")],
      [seg("The gateway stage finds the ingress address.", "dim")],
    ].map((l) => fit(l, width, theme));
  }
  title.push(
    seg(` ${d} `, "dim"),
    seg(
      recent.length === 0
        ? `GET /productpage ${d} ${rate}/s`
        : width >= 50
          ? `last ${recent.length}${since ? " since the routing changed" : ""} ${d} ${rate}/s`
          : `${since ? `${recent.length} since routing change` : `last ${recent.length}`} ${d} ${rate}/s`,
      "dim",
    ),
  );
  const stats = distribution({ ...snapshot, samples: recent });
  const lines: Line[] = [title, codesLine(stats, recent.length, theme)];
  for (const b of stats.bars) {
    if (b.version === "unknown") continue;
    // "v1 " + bar + " 100%" + " 200" + "  cfg 100%"
    const fixed = 3 + 5 + 4 + 10;
    const barWidth = Math.max(4, Math.min(30, width - fixed));
    const tone: Tone = b.count > 0 ? "accent" : "dim";
    lines.push([
      seg(`${b.version} `, "strong"),
      seg(bar(b.fraction, barWidth, theme.ascii), tone),
      seg(` ${padStart(`${b.percent}%`, 4)} ${padStart(String(b.count), 3)}`),
      seg(b.configuredPercent === null ? "" : `  cfg ${padStart(`${b.configuredPercent}%`, 4)}`, "dim"),
    ]);
  }
  lines.push([
    seg("p50 ", "dim"),
    seg(`${Math.round(stats.latencyMs.p50)} ms`),
    seg("  p95 ", "dim"),
    seg(`${Math.round(stats.latencyMs.p95)} ms`),
    seg(`  ${d} s: 100 more`, "dim"),
  ]);
  if (budget > lines.length) {
    const routing =
      stats.routing.kind === "service"
        ? "no reviews VirtualService: spread over the ready pods"
        : stats.routing.kind === "virtualservice"
          ? `VirtualService ${stats.routing.virtualService}: ${stats.routing.description}`
          : stats.routing.description;
    lines.push([seg(`cfg: ${routing}`, "dim")]);
  }
  return lines.slice(0, budget).map((l) => fit(l, width, theme));
}

function codesLine(stats: Distribution, total: number, theme: Theme): Line {
  const times = theme.ascii ? "x" : "×";
  if (total === 0) return [seg("no answers yet", "dim")];
  const line: Line = [];
  for (const code of stats.codes) {
    line.push(seg(code.label, code.ok ? "ok" : "bad"), seg(` ${times}${code.count}  `, "plain"));
  }
  return line;
}

// Stage detail ------------------------------------------------------------------------------

interface Block {
  lines: Line[];
  /** Lower comes first when lines are short; display order is the array's. */
  priority: number;
  /** Whether a partial block makes sense (prose) or only whole items (commands). */
  partial: boolean;
  /** Lines to keep together (each command is one item, wrapped or not). */
  items?: Line[][];
}

function detailLines(input: ViewInput, stages: StageLine[], width: number, budget: number): Line[] {
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
  const fix = fixText(line.id, check.fix, snapshot);
  if (fix && check.state !== "done") blocks.push(prose(`Fix: ${fix}`, width, "warn", 2));
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

/** The stage's own fix, with the key that does it when the tour can. */
function fixText(id: StageId, fix: string | undefined, snapshot: Snapshot): string | null {
  if (id === "inject" && deploymentsNeedingRestart(snapshot).length > 0) {
    return `press r to restart them${fix ? `, or run: ${fix}` : ""}`;
  }
  return fix ?? null;
}

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
    let body: string;
    try {
      body = input.manifestText?.(file) ?? "(not available)";
    } catch (error) {
      body = `(cannot read it: ${(error as Error).message})`;
    }
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
export function yamlLength(id: StageId, manifestText?: (file: string) => string): number {
  let n = 0;
  for (const file of stageById(id).manifests) {
    try {
      n += 1 + (manifestText?.(file) ?? "").replace(/\n$/, "").split("\n").length;
    } catch {
      n += 2;
    }
  }
  return n;
}

export const KEYS: [string, string][] = [
  ["up/down, j/k", "select a stage"],
  ["Enter", "run the selected stage (again, if it is done)"],
  ["n", "run the next stage that is not done"],
  ["r", "restart the pods that have no sidecar (rollout restart)"],
  ["s", "send 100 requests to GATEWAY_URL/productpage now"],
  ["y", "show or hide the YAML the selected stage applies"],
  ["PgUp/PgDn", "scroll the YAML"],
  ["?", "show or hide this help"],
  ["Esc", "back to the stage detail"],
  ["q, Ctrl-C", "quit (what was applied stays; the tour resumes from the cluster)"],
];

function helpLines(theme: Theme, width: number): Line[] {
  return [
    [seg("Keys", "strong")],
    ...KEYS.map(([key, what]) => fit([seg(padEnd(key, 14), "accent"), seg(what)], width, theme)),
  ];
}

// Message and footer ------------------------------------------------------------------------

function messageLine(input: ViewInput, stages: StageLine[], width: number): Line {
  const { ui, snapshot, theme } = input;
  if (ui.message) return fit([seg(ui.message.text, ui.message.tone)], width, theme);
  if (!snapshot) return [seg(`${input.boot.text}${theme.glyphs.ellipsis}`, "dim")];
  if (!snapshot.istio.installed && !snapshot.istio.detecting) {
    return fit(
      [
        seg(
          "Istio is not installed on this cluster: install it first (istioctl install --set profile=demo -y).",
          "bad",
        ),
      ],
      width,
      theme,
    );
  }
  const stage = ui.running && stages.find((s) => s.id === ui.running?.id);
  // Done on this frame already: the reducer hears of it a frame later, the screen need not wait.
  if (ui.running && stage && stage.display !== "done") {
    if (stage.display === "failed") {
      return fit(
        [seg(`Stage ${stage.number} needs attention: the cause and the fix are below.`, "bad")],
        width,
        theme,
      );
    }
    const doing = ui.running.phase === "applying" ? "applying" : "waiting for";
    return fit(
      [seg(`${doing} stage ${stage.number} (${ui.running.id})${theme.glyphs.ellipsis}`, "accent")],
      width,
      theme,
    );
  }
  const next = stages.find((s) => s.display !== "done");
  if (!next)
    return fit(
      [seg("All five stages are done. ", "ok"), seg("s sends 100 requests; q quits.", "dim")],
      width,
      theme,
    );
  return fit(
    [seg("Press n to run stage ", "dim"), seg(`${next.number}: ${next.title}`, "strong")],
    width,
    theme,
  );
}

function footerLine(theme: Theme, ui: UiState, width: number): Line {
  const g = theme.glyphs;
  const keys: [string, string][] = ui.choosing
    ? [
        [`${g.updown}`, "choose"],
        [g.enter, "confirm"],
        ["Esc", "cancel"],
        ["q", "quit"],
      ]
    : [
        [theme.ascii ? "up/dn j/k" : `${g.updown} jk`, "select"],
        [g.enter, "run"],
        ["n", "next"],
        ["r", "restart"],
        ["s", "sample"],
        ["y", ui.panel === "yaml" ? "detail" : "YAML"],
        ["?", "help"],
        ["q", "quit"],
      ];
  const line: Line = [];
  for (const [key, what] of keys) line.push(seg(key, "strong"), seg(` ${what}  `, "dim"));
  return fit(line, width, theme);
}
