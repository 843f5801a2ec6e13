// The message line and the keys.

import type { Theme } from "../theme.ts";
import type { UiState } from "../uiState.ts";
import { fit, type Line, type StageLine, seg, type ViewInput } from "./lines.ts";

export function messageLine(input: ViewInput, stages: StageLine[], width: number): Line {
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

export function footerLine(theme: Theme, ui: UiState, width: number): Line {
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
