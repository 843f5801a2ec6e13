// The samples panel: codes, the reviews versions against the routing, latency.

import type { Snapshot } from "../../model/snapshot.ts";
import { padStart } from "../text.ts";
import type { Theme, Tone } from "../theme.ts";
import { bar, type Distribution, distribution } from "./distribution.ts";
import { fit, type Line, seg, type ViewInput } from "./lines.ts";

export function samplesLines(input: ViewInput, snapshot: Snapshot, width: number, budget: number): Line[] {
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
  // No answers, no latency: a 0 would read as a measurement.
  const ms = (value: number) => (recent.length === 0 ? (theme.ascii ? "-" : "–") : `${Math.round(value)} ms`);
  lines.push([
    seg("p50 ", "dim"),
    seg(ms(stats.latencyMs.p50)),
    seg("  p95 ", "dim"),
    seg(ms(stats.latencyMs.p95)),
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
