// A check's fix in the tour's words: the key that does it when the tour can ("press n to label
// the namespace and restart them"), the command to paste when only the person can.

import { type Fix, type FixStep, stepCommand } from "../../tutorial/fix.ts";
import { stageNumber } from "../../tutorial/lessons.ts";
import type { StageId } from "../../tutorial/stage.ts";

export interface FixContext {
  /** The first stage that is not done: n runs it. */
  next: StageId | null;
}

export function fixForTour(value: Fix, context: FixContext): string {
  const phrases: string[] = [];
  const steps = value.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const by = byOf(step);
    // Consecutive steps one stage does are one key press; a restart alone is the restart key's.
    const group: FixStep[] = [step];
    while (by && i + 1 < steps.length && byOf(steps[i + 1]!) === by) group.push(steps[++i]!);
    if (by && group.some((s) => s.do !== "restart")) {
      const key = context.next === by ? "press n" : `select stage ${stageNumber(by)} and press Enter`;
      phrases.push(`${key} to ${group.map(verb).join(" and ")} (${group.map(stepCommand).join("; ")})`);
      continue;
    }
    for (const one of group) phrases.push(phrase(one));
  }
  const body = phrases.join(", then ");
  if (!value.lead) return body;
  return body ? `${value.lead}: ${body}` : value.lead;
}

function phrase(step: FixStep): string {
  switch (step.do) {
    case "restart":
      return `press r to restart ${deployments(step.deployments)} (${stepCommand(step)})`;
    case "ask":
      return `ask ${step.who} to run ${step.command}`;
    case "restart-tour":
      return `start the tour again with ${step.flag}`;
    case "rerun":
      return `select stage ${stageNumber(step.stage)}, press Enter and choose ${step.option} (${stepCommand(step)})`;
    default:
      return stepCommand(step);
  }
}

function byOf(step: FixStep): StageId | undefined {
  return "by" in step ? step.by : undefined;
}

function verb(step: FixStep): string {
  switch (step.do) {
    case "label":
      return `label namespace ${step.namespace}`;
    case "restart":
      return `restart ${deployments(step.deployments)}`;
    case "apply":
      return `apply ${step.file.split("/").at(-1)}`;
    default:
      return "fix it";
  }
}

function deployments(names: string[]): string {
  return names.length === 1 ? `deployment ${names[0]}` : `its ${names.length} deployments`;
}
