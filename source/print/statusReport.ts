import { podRows } from "../model/podRows.ts";
import { roomPace, roomSettings } from "../model/room.ts";
import type { GatewaySource, SampleSummary, Snapshot } from "../model/snapshot.ts";
import { summarizeSamples } from "../traffic/statistics.ts";
import type { StageResult } from "../tutorial/lessons.ts";
import type { StageState } from "../tutorial/stage.ts";

/** The shape of `status -o json` (the README's status section; docs/architecture.md for where it comes from). */
export interface StatusReport {
  context: string;
  namespace: string;
  server: string;
  istio: { installed: boolean; version: string | null };
  stages: { id: string; title: string; state: StageState; detail: string }[];
  pods: { name: string; ready: string; status: string; restarts: number; age: string; sidecar: boolean }[];
  /** `host` only when requests carry one of their own (a workshop room, --host). */
  gateway: { url: string; source: GatewaySource; host?: string } | null;
  samples: SampleSummary | null;
  /** Only in a workshop room: its name and where its facilitator says it should be. */
  room?: { name: string | null; pace: string | null };
}

/** Pure: what `status` reports for one snapshot and its stage checks. */
export function statusReport(snapshot: Snapshot, results: StageResult[], sampled: boolean): StatusReport {
  return {
    context: snapshot.context,
    namespace: snapshot.namespace,
    server: snapshot.server,
    istio: { installed: snapshot.istio.installed, version: snapshot.istio.version },
    stages: results.map(({ stage, check }) => ({
      id: stage.id,
      title: stage.title,
      state: check.state,
      detail: check.detail,
    })),
    pods: podRows(snapshot).map((row) => ({
      name: row.name,
      ready: row.ready,
      status: row.status,
      restarts: row.restarts,
      age: row.age,
      sidecar: row.sidecar,
    })),
    gateway: snapshot.gateway
      ? {
          url: snapshot.gateway.url,
          source: snapshot.gateway.source,
          ...(snapshot.host ? { host: snapshot.host } : {}),
        }
      : null,
    samples: sampled ? summarizeSamples(snapshot.samples) : null,
    ...(snapshot.roomConfig
      ? { room: { name: roomSettings(snapshot.roomConfig)?.room ?? null, pace: roomPace(snapshot) } }
      : {}),
  };
}

/**
 * Exit status of `status`, for scripts: 0 when every stage is done, 3 when the tour is
 * not finished yet, 4 when a stage failed (1 and 2 stay for errors and usage, as elsewhere).
 */
export function statusExitCode(report: StatusReport): number {
  if (report.stages.some((s) => s.state === "failed")) return 4;
  if (report.stages.some((s) => s.state === "pending")) return 3;
  return 0;
}
