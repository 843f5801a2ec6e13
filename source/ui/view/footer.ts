// The message line and the keys.

import { allDone, STAGES } from "../../tutorial/lessons.ts";
import { CHOICE_BINDINGS, KEY_BINDINGS } from "../keys.ts";
import { cells } from "../text.ts";
import type { Theme } from "../theme.ts";
import type { UiState } from "../uiState.ts";
import { fit, type Line, type StageLine, seg, type ViewInput } from "./lines.ts";

export function messageLine(input: ViewInput, stages: StageLine[], width: number): Line {
  const { ui, snapshot, theme } = input;
  // A stage's "done" is news only until something else happens; what n does next is read from
  // the stages on this frame, so it never names a stage that got done by itself meanwhile.
  if (ui.message && !ui.message.outcome) return fit([seg(ui.message.text, ui.message.tone)], width, theme);
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
  const done = ui.message ? [seg(`${ui.message.text} `, ui.message.tone)] : [];
  const next = stages.find((s) => s.display !== "done");
  // The last outcome is in the detail and the log; that the tour is over comes first.
  if (!next)
    return fit(
      [seg(`${allDone(STAGES.length)}. `, "ok"), seg("s sends 100 requests; q quits.", "dim")],
      width,
      theme,
    );
  return fit(
    [
      ...done,
      seg(done.length ? "n runs stage " : "Press n to run stage ", "dim"),
      seg(`${next.number}: ${next.title}`, "strong"),
    ],
    width,
    theme,
  );
}

export function footerLine(theme: Theme, ui: UiState, width: number): Line {
  const entries = (ui.choosing ? CHOICE_BINDINGS : KEY_BINDINGS).flatMap((binding) => {
    const footer = binding.footer;
    if (!footer) return [];
    const label = ui.panel === "yaml" && footer.yamlLabel ? footer.yamlLabel : footer.label;
    const keys = footer.keys(theme.glyphs, theme.ascii);
    return [{ keys, label, cells: cells(`${keys} ${label}`), spare: footer.spare ?? 0 }];
  });
  // When they do not all fit, the ones a person can most easily do without go first (the help
  // lists every key), so the line never ends cut off in the middle of "q quit".
  const length = () => entries.reduce((n, e) => n + e.cells, 0) + 2 * Math.max(0, entries.length - 1);
  while (length() > width && entries.some((e) => e.spare > 0)) {
    const most = Math.max(...entries.map((e) => e.spare));
    entries.splice(
      entries.findLastIndex((e) => e.spare === most),
      1,
    );
  }
  const line: Line = entries.flatMap((e, i) => [
    seg(e.keys, "strong"),
    seg(` ${e.label}${i < entries.length - 1 ? "  " : ""}`, "dim"),
  ]);
  return fit(line, width, theme);
}
