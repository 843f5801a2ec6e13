import { lessonsBegun, type StatusReport } from "./statusReport.ts";
import { streamLines } from "./streamSplits.ts";
import { formatTable } from "./table.ts";

const percent = (count: number, total: number) =>
  total === 0 ? "0%" : `${Math.round((count / total) * 100)}%`;

function samplesLine(samples: NonNullable<StatusReport["samples"]>): string {
  if (samples.total === 0) return "none taken";
  const outcomes = [
    ...Object.entries(samples.codes).map(([code, n]) => `${n}× ${code}`),
    ...Object.entries(samples.errors).map(
      ([kind, n]) => `${n}× ${kind === "refused" ? "connection refused" : kind}`,
    ),
  ];
  const pages = samples.versions.v1 + samples.versions.v2 + samples.versions.v3 + samples.versions.unknown;
  const versions =
    pages === 0
      ? ""
      : `; reviews ${(["v1", "v2", "v3"] as const).map((v) => `${v} ${percent(samples.versions[v], pages)}`).join(", ")}`;
  return `${samples.total} requests: ${outcomes.join(", ")}${versions}; p50 ${samples.latencyMs.p50} ms, p95 ${samples.latencyMs.p95} ms`;
}

/** The mesh analysis's findings as `analyze` prints them: istioctl's line, then the fix. */
function findingLines(findings: StatusReport["findings"]): string[] {
  return findings.flatMap((f) => [
    `${f.level} [${f.code}] (${f.origin}) ${f.message}`,
    ...(f.fix ? [`    fix: ${f.fix}`] : []),
  ]);
}

/**
 * One row per stage of the lessons begun; a later lesson nobody has started is one row saying
 * so, so a glance at a fresh namespace is not twelve rows of "not applied yet".
 */
function stageRows(stages: StatusReport["stages"]): string[][] {
  const begun = lessonsBegun(stages);
  const rows: string[][] = [];
  for (const lesson of new Set(stages.map((s) => s.lesson))) {
    const own = stages.filter((s) => s.lesson === lesson);
    if (begun.has(lesson)) {
      rows.push(...own.map((s) => [s.id, s.state, s.detail]));
      continue;
    }
    rows.push([
      lesson,
      "not begun",
      `${own.length} stages (${own[0]?.id} to ${own.at(-1)?.id}); kubectl bookinfo run --lesson ${lesson} takes them`,
    ]);
  }
  return rows;
}

/** `status -o text`: a few labelled lines, the stage table and the pod table. No colour, no escapes. */
export function statusText(report: StatusReport): string {
  const lines = [
    `Context:    ${report.context} (${report.server})`,
    `Namespace:  ${report.namespace}`,
    `Istio:      ${report.istio.installed ? `installed, version ${report.istio.version ?? "unknown"}` : "not installed"}`,
    `Gateway:    ${report.gateway ? `${report.gateway.url} (${report.gateway.source})${report.gateway.host ? `, Host ${report.gateway.host}` : ""}` : "no address yet"}`,
  ];
  if (report.room)
    lines.push(
      `Room:       ${report.room.name ?? "a workshop room"}${report.room.pace ? ` (the room is at: ${report.room.pace})` : ""}`,
    );
  if (report.samples) {
    lines.push(`Samples:    ${samplesLine(report.samples)}`);
    if (report.samples.total > 0) for (const line of streamLines(report.samples)) lines.push(`  ${line}`);
  }
  lines.push("", ...formatTable(["STAGE", "STATE", "DETAIL"], stageRows(report.stages)));
  lines.push("");
  if (report.findings.length > 0) lines.push(...findingLines(report.findings), "");
  if (report.pods.length === 0) {
    lines.push(`No pods in namespace ${report.namespace}.`);
  } else {
    lines.push(
      ...formatTable(
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "SIDECAR"],
        report.pods.map((p) => [
          p.name,
          p.ready,
          p.status,
          String(p.restarts),
          p.age,
          p.sidecar ? "yes" : "no",
        ]),
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}
