import { analyze } from "../analysis/analyze.ts";
import { podRows } from "../model/podRows.ts";
import { roomPace, roomSettings } from "../model/room.ts";
import type { GatewaySource, SampleSummary, Snapshot } from "../model/snapshot.ts";
import { ANONYMOUS, streamSamples } from "../model/streams.ts";
import { summarizeSamples } from "../traffic/statistics.ts";
import { lessonOf, type StageResult } from "../tutorial/lessons.ts";
import type { StageState } from "../tutorial/stage.ts";
import { type FindingJson, findingJson } from "./findings.ts";
import { type StreamSplits, streamSplits } from "./streamSplits.ts";

/** The shape of `status -o json` (the README's status section; docs/architecture.md for where it comes from). */
export interface StatusReport {
  context: string;
  namespace: string;
  server: string;
  istio: { installed: boolean; version: string | null };
  stages: {
    id: string;
    lesson: string;
    title: string;
    state: StageState;
    detail: string;
    /** Set when nothing of the stage is in the cluster yet (a later lesson not begun). */
    notApplied?: true;
  }[];
  pods: { name: string; ready: string; status: string; restarts: number; age: string; sidecar: boolean }[];
  /** `host` only when requests carry one of their own (a workshop room, --host). */
  gateway: { url: string; source: GatewaySource; host?: string } | null;
  /** The anonymous stream at the top (what one person refreshing sees); every stream, and what each is configured to get, below. */
  samples: (SampleSummary & StreamSplits) | null;
  /** What the mesh analysis found, as `analyze -o json` prints it. */
  findings: FindingJson[];
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
      lesson: lessonOf(stage.id).id,
      title: stage.title,
      state: check.state,
      detail: check.detail,
      ...(check.notApplied ? { notApplied: true as const } : {}),
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
    samples: sampled
      ? {
          ...summarizeSamples(streamSamples(snapshot.samples, ANONYMOUS)),
          ...streamSplits(snapshot, snapshot.samples),
        }
      : null,
    findings: analyze(snapshot).map(findingJson),
    ...(snapshot.roomConfig
      ? { room: { name: roomSettings(snapshot.roomConfig)?.room ?? null, pace: roomPace(snapshot) } }
      : {}),
  };
}

/**
 * Exit status of `status`, for scripts: 0 when every stage of the lessons begun is done (the
 * first lesson always counts; a later one once one of its stages is in the cluster), 3 when one
 * of them is not finished yet, 4 when a stage failed (1 and 2 stay for errors and usage).
 */
export function statusExitCode(report: StatusReport): number {
  if (report.stages.some((s) => s.state === "failed")) return 4;
  const begun = lessonsBegun(report.stages);
  if (report.stages.some((s) => s.state === "pending" && begun.has(s.lesson))) return 3;
  return 0;
}

/** The first lesson, and every later one some stage of which is done or under way in the cluster. */
export function lessonsBegun(stages: StatusReport["stages"]): Set<string> {
  const first = stages[0]?.lesson;
  return new Set(stages.filter((s) => s.lesson === first || !s.notApplied).map((s) => s.lesson));
}
