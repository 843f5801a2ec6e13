// What to do about a stage that is failed or stuck, as data (the shapes live in model/fix.ts,
// shared with the mesh analysis). The check says which actions would fix it; each view words
// them its own way: the tour names the key that does it ("press r"), `run` and `status` print
// the kubectl command a person can paste. Checks never say "press".

import type { Fix as FixOf, FixStep as FixStepOf } from "../model/fix.ts";
import type { StageId } from "./stage.ts";

export { fixAsCommands, stepCommand } from "../model/fix.ts";

export type FixStep = FixStepOf<StageId>;
export type Fix = FixOf<StageId>;

export const fix = (lead?: string, ...steps: FixStep[]): Fix =>
  lead === undefined ? { steps } : { lead, steps };
