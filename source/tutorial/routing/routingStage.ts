// What every routing stage of the traffic-management lesson shares: its files and commands come
// from the dialect, it applies them in order (with the person's choice written in), and its
// check asks the sequence where the routing stands before judging its own samples.

import type { StreamRouting } from "../../model/reviewsRouting.ts";
import type { Sample, Snapshot } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON, reviewsOutcome, samplesSinceRouting } from "../../model/streams.ts";
import { fix } from "../fix.ts";
import type { Evidence, Stage, StageCheck, StageChoice, StageContext } from "../stage.ts";
import type { RoutingStep } from "./dialect.ts";
import { dialectFor, ISTIO } from "./istio.ts";
import { type LessonRouting, lessonRouting, routingPosition, stepStanding } from "./sequence.ts";

export interface RoutingStageSpec {
  id: Exclude<RoutingStep, "route-v1">;
  title: string;
  why: string;
  /** The state the stage leaves, in a few words: "jason to reviews v2, everyone else to v1". */
  target: string;
  timeoutMs: number;
  evidence: Evidence;
  choice?: StageChoice;
  /** The stage's verdict once its state holds: its samples decide. */
  judge(snapshot: Snapshot, routing: LessonRouting): StageCheck;
  /** Runs after the files are applied (cleanup says what it removed). */
  after?(context: StageContext, before: Snapshot): void;
}

export function routingStage(spec: RoutingStageSpec): Stage {
  return {
    id: spec.id,
    title: spec.title,
    why: spec.why,
    commands: (snapshot) => dialectFor(snapshot).commands(spec.id, snapshot),
    manifests: ISTIO.files(spec.id),
    timeoutMs: spec.timeoutMs,
    evidence: spec.evidence,
    ...(spec.choice ? { choice: spec.choice } : {}),
    check: (snapshot) => routingCheck(spec, snapshot),
    async apply(context) {
      const before = context.snapshot();
      const dialect = dialectFor(before);
      const edit = dialect.edit(spec.id, context.parameters ?? {});
      for (const file of dialect.files(spec.id)) await context.actions.applyManifest(file, edit);
      spec.after?.(context, before);
    },
  };
}

function routingCheck(spec: RoutingStageSpec, snapshot: Snapshot): StageCheck {
  const standing = stepStanding(spec.id, snapshot);
  const routing = lessonRouting(snapshot);
  if (standing === "passed") {
    return { state: "done", detail: `passed (the routing is at ${routingPosition(snapshot)} now)` };
  }
  // The stage whose state the cluster holds answers for a route its rules break.
  if (standing === "current") return missingSubset(snapshot, routing) ?? spec.judge(snapshot, routing);
  if (standing === "ahead") {
    return {
      state: "pending",
      detail: `not applied yet: ${spec.target} (the routing is at ${routingPosition(snapshot)} now)`,
      notApplied: true,
    };
  }
  // A stage not reached yet is not where a broken route is reported: route-v1 or the stage whose
  // state the cluster holds says so, once, with its fix.
  return { state: "pending", detail: `not applied yet: ${spec.target}`, notApplied: true };
}

/** A route to a subset nothing defines fails every call that takes it: that is a failure, with its fix. */
export function missingSubset(snapshot: Snapshot, routing: LessonRouting): StageCheck | null {
  for (const stream of [routing.anonymous, routing.jason]) {
    const services = [stream.reviews, stream.ratings.v2, stream.ratings.v3];
    for (const service of services) {
      const problem = service.destinations.find((d) => d.problem?.includes("subset"))?.problem;
      if (!problem) continue;
      return {
        state: "failed",
        detail: `VirtualService ${service.virtualService} routes ${stream.stream === ANONYMOUS ? "anonymous" : stream.stream} calls to ${service.service}, but ${problem}: those calls fail with 503`,
        fix: fix(undefined, {
          do: "apply",
          namespace: snapshot.namespace,
          file: dialectFor(snapshot).subsetsFile,
          by: "route-v1",
        }),
      };
    }
  }
  return null;
}

/** The latest pages of a stream since the routing changed that say something about reviews. */
export function recentPages(snapshot: Snapshot, stream: string, count: number): Sample[] {
  return samplesSinceRouting(snapshot, stream)
    .filter((s) => reviewsOutcome(s) !== null)
    .slice(-count);
}

/** "5 of 5 pages v2" for one stream, with what is still missing when there are too few. */
export function tally(pages: Sample[], count: number, what: string, holds: (s: Sample) => boolean): string {
  const n = pages.filter(holds).length;
  const waiting = pages.length < count ? ` (waiting for ${count})` : "";
  return `${n} of ${pages.length} recent pages ${what}${waiting}`;
}

/** The median latency of the samples, in seconds with one decimal, or ms below a second. */
export function medianLatency(samples: Sample[]): string {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  if (sorted.length === 0) return "-";
  const median = sorted[Math.ceil(sorted.length / 2) - 1]!;
  return median >= 1000 ? `${(median / 1000).toFixed(1)} s` : `${Math.round(median)} ms`;
}

/** The stream's name as the details write it. */
export function streamLabel(routing: StreamRouting): string {
  return routing.stream === ANONYMOUS ? "anonymous" : routing.stream;
}

export const BOTH_STREAMS = [ANONYMOUS, JASON];
