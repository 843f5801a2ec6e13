import type { StatusReport } from "./statusReport.ts";
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
  if (report.samples) lines.push(`Samples:    ${samplesLine(report.samples)}`);
  lines.push(
    "",
    ...formatTable(
      ["STAGE", "STATE", "DETAIL"],
      report.stages.map((s) => [s.id, s.state, s.detail]),
    ),
  );
  lines.push("");
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
