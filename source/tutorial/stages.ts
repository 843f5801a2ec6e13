import type { Snapshot } from "../model/snapshot.ts";
import type { Stage, StageCheck, StageId } from "./stage.ts";
import { deploy } from "./stages/deploy.ts";
import { gateway } from "./stages/gateway.ts";
import { inject } from "./stages/inject.ts";
import { routeV1 } from "./stages/routeV1.ts";
import { verify } from "./stages/verify.ts";

/** The tour, in the order the tutorial takes it (the order of STAGE_IDS). */
export const STAGES: Stage[] = [inject, deploy, gateway, verify, routeV1];

export interface StageResult {
  stage: Stage;
  check: StageCheck;
}

export function stageById(id: StageId): Stage {
  const stage = STAGES.find((s) => s.id === id);
  if (!stage) throw new Error(`unknown stage ${id}`);
  return stage;
}

/** Every stage's check against one snapshot, in tour order. */
export function stageChecks(snapshot: Snapshot): StageResult[] {
  return STAGES.map((stage) => ({ stage, check: stage.check(snapshot) }));
}

/** The first stage that is not done (pending or failed): where the tour stands. Null when all are. */
export function nextPendingStage(snapshot: Snapshot): Stage | null {
  return stageChecks(snapshot).find((r) => r.check.state !== "done")?.stage ?? null;
}
