// The tutorial as data: lessons of stages, in the order the tutorial takes them. A new stage is
// one file under stages/ plus its line here; every view (the tour, `run`, `status`) reads this.

import type { Snapshot } from "../model/snapshot.ts";
import type { Lesson, Stage, StageCheck, StageId } from "./stage.ts";
import { canary50 } from "./stages/canary50.ts";
import { canary100 } from "./stages/canary100.ts";
import { cleanup } from "./stages/cleanup.ts";
import { deploy } from "./stages/deploy.ts";
import { faultAbort } from "./stages/faultAbort.ts";
import { faultDelay } from "./stages/faultDelay.ts";
import { gateway } from "./stages/gateway.ts";
import { inject } from "./stages/inject.ts";
import { routeJason } from "./stages/routeJason.ts";
import { routeV1 } from "./stages/routeV1.ts";
import { timeout } from "./stages/timeout.ts";
import { verify } from "./stages/verify.ts";

/** Istio's getting-started path: a mesh, Bookinfo in it, reachable, routed to v1. */
export const GETTING_STARTED: Lesson = {
  id: "getting-started",
  title: "Bookinfo in the mesh",
  stages: [inject, deploy, gateway, verify, routeV1],
};

/**
 * Istio's traffic-management tasks on top of it: request routing by user, fault injection,
 * traffic shifting (the canary) and request timeouts, each measured on two streams of samples.
 */
export const TRAFFIC_MANAGEMENT: Lesson = {
  id: "traffic-management",
  title: "Traffic management",
  stages: [routeJason, faultDelay, faultAbort, canary50, canary100, timeout, cleanup],
};

export const LESSONS: Lesson[] = [GETTING_STARTED, TRAFFIC_MANAGEMENT];
export const LESSON_IDS: string[] = LESSONS.map((lesson) => lesson.id);

/** Every stage of every lesson, in tour order. */
export const STAGES: Stage[] = LESSONS.flatMap((lesson) => lesson.stages);
export const STAGE_IDS: StageId[] = STAGES.map((stage) => stage.id);

export interface StageResult {
  stage: Stage;
  check: StageCheck;
}

export function stageById(id: StageId): Stage {
  const stage = STAGES.find((s) => s.id === id);
  if (!stage) throw new Error(`unknown stage ${id}`);
  return stage;
}

/** The stage's 1-based position in the tour, as lists number it. */
export function stageNumber(id: StageId): number {
  return STAGE_IDS.indexOf(id) + 1;
}

export function lessonById(id: string): Lesson {
  const lesson = LESSONS.find((l) => l.id === id);
  if (!lesson) throw new Error(`unknown lesson ${id}`);
  return lesson;
}

export function lessonOf(id: StageId): Lesson {
  const lesson = LESSONS.find((l) => l.stages.some((s) => s.id === id));
  if (!lesson) throw new Error(`unknown stage ${id}`);
  return lesson;
}

/** Every stage's check against one snapshot, in tour order. */
export function stageChecks(snapshot: Snapshot): StageResult[] {
  return STAGES.map((stage) => ({ stage, check: stage.check(snapshot) }));
}

/** The first stage that is not done (pending or failed): where the tour stands. Null when all are. */
export function nextPendingStage(snapshot: Snapshot): Stage | null {
  return stageChecks(snapshot).find((r) => r.check.state !== "done")?.stage ?? null;
}

/** "All 5 stages done", and not "All 1 stages done" for a tour of one. */
export function allDone(count: number): string {
  return count === 1 ? "The stage is done" : `All ${count} stages are done`;
}
