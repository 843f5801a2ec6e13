// The stage list: one row per stage with its state mark, where it stands, and which one the
// cursor is on. Takes the checks already computed so the UI runs each check once per snapshot.

import type { StageCheck, StageId, StageState } from "../tutorial/stage.ts";

export interface StageRow {
  id: StageId;
  /** 1-based position in the tour, as the list numbers it. */
  number: number;
  title: string;
  state: StageState;
  mark: string;
  detail: string;
  fix: string | null;
  selected: boolean;
  /** The first stage that is not done: where the tour stands. */
  current: boolean;
}

export interface StageRowOptions {
  /** Marks a terminal without Unicode can draw (--ascii). */
  ascii?: boolean;
}

const MARKS: Record<StageState, { unicode: string; ascii: string }> = {
  done: { unicode: "✓", ascii: "[x]" },
  pending: { unicode: "○", ascii: "[ ]" },
  failed: { unicode: "✗", ascii: "[!]" },
};

export function stageMark(state: StageState, ascii = false): string {
  return ascii ? MARKS[state].ascii : MARKS[state].unicode;
}

export function stageRows(
  results: readonly { stage: { id: StageId; title: string }; check: StageCheck }[],
  selected: StageId | null,
  options: StageRowOptions = {},
): StageRow[] {
  const current = results.findIndex((r) => r.check.state !== "done");
  return results.map(({ stage, check }, index) => ({
    id: stage.id,
    number: index + 1,
    title: stage.title,
    state: check.state,
    mark: stageMark(check.state, options.ascii),
    detail: check.detail,
    fix: check.fix ?? null,
    selected: stage.id === selected,
    current: index === current,
  }));
}
