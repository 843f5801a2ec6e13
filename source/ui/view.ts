// The whole screen as data: every line the panels draw, already fitted to its width and budget,
// computed from the Snapshot (via the pure view models in model/), the stage checks and the UI
// state. Components only draw these lines, so everything shown is testable without a terminal.

import { podRows } from "../model/podRows.ts";
import { computeLayout } from "./layout.ts";
import { cells } from "./text.ts";
import { detailLines, stageCommands, yamlText } from "./view/detail.ts";
import { findingsLines } from "./view/findings.ts";
import { footerLine, messageLine } from "./view/footer.ts";
import { headerLines } from "./view/header.ts";
import { seg, type TourView, type ViewInput } from "./view/lines.ts";
import { podTable } from "./view/pods.ts";
import { samplesLines } from "./view/samples.ts";
import { stageLines, stageWindow } from "./view/stages.ts";

export { helpScrollMax, stageCommands, yamlText } from "./view/detail.ts";
export type {
  BootState,
  Line,
  PodLine,
  PodTableView,
  Seg,
  StageLine,
  TourView,
  ViewInput,
} from "./view/lines.ts";

export function tourView(input: ViewInput): TourView {
  const { snapshot, size, theme, ui } = input;
  const pods = snapshot ? podRows(snapshot) : [];
  const layout = computeLayout(size, pods.length);
  const stages = stageLines(input, layout.leftWidth);
  const window = stageWindow(stages, layout.stageLines, layout.leftWidth, theme.ascii);
  return {
    layout,
    header: headerLines(input, layout.width),
    stages,
    stagesTitle: window.title,
    stageWindow: window.rows,
    pods: podTable(pods, snapshot, layout.podRows, layout.width, theme),
    samples: snapshot
      ? samplesLines(input, snapshot, layout.rightWidth, layout.samplesLines)
      : [[seg("Samples of GATEWAY_URL/productpage", "strong")], [seg("waiting for the cluster", "dim")]],
    findings: findingsLines(input, layout.width, layout.findingsLines),
    detail: detailLines(input, stages, layout.width, layout.detailLines),
    message: messageLine(input, stages, layout.width),
    footer: footerLine(theme, ui, layout.width),
    commands: stageCommands(input, ui.selected),
    yaml: ui.panel === "yaml" ? measure(yamlText(input, ui.selected)) : null,
  };
}

function measure(lines: string[]): { lines: number; widest: number } {
  return { lines: lines.length, widest: Math.max(0, ...lines.map(cells)) };
}
