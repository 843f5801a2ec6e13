// The stage list: each stage with its mark, the selected one pointed at.

import { LESSONS, lessonOf, STAGES, type StageResult } from "../../tutorial/lessons.ts";
import type { StageId } from "../../tutorial/stage.ts";
import { truncate } from "../text.ts";
import type { StageDisplay } from "../theme.ts";
import type { UiState } from "../uiState.ts";
import type { StageLine, ViewInput } from "./lines.ts";

/** The stage's state as drawn: the check's, or running while the tour applies or waits on it. */
function stageDisplay(
  result: StageResult | undefined,
  id: StageId,
  ui: Pick<UiState, "running" | "applyError">,
): StageDisplay {
  if (!result) return "unknown";
  if (ui.applyError?.id === id) return "failed";
  if (result.check.state === "done") return "done";
  if (result.check.state === "failed") return "failed";
  return ui.running?.id === id ? "running" : "pending";
}

export function stageLines(input: ViewInput, width: number): StageLine[] {
  const { checks, theme, ui } = input;
  return STAGES.map((stage, index) => {
    const result = checks?.[index];
    const display = stageDisplay(result, stage.id, ui);
    const mark = theme.glyphs.marks[display];
    const selected = stage.id === ui.selected;
    const pointer = selected ? theme.glyphs.pointer : " ";
    return {
      id: stage.id,
      number: index + 1,
      title: stage.title,
      display,
      mark,
      selected,
      text: truncate(`${pointer} ${mark} ${index + 1} ${stage.title}`, width, theme.ascii),
    };
  });
}

/**
 * The lesson of the selected stage, titled, and as many of its stages as fit in `rows`, the
 * selected one in view with the one before it when possible.
 */
export function stageWindow(
  stages: StageLine[],
  rows: number,
  width: number,
  ascii: boolean,
): { title: string | null; rows: StageLine[] } {
  const selected = stages.find((s) => s.selected) ?? stages[0]!;
  const lesson = lessonOf(selected.id);
  const ids = new Set(lesson.stages.map((s) => s.id));
  const own = stages.filter((s) => ids.has(s.id));
  const index = LESSONS.indexOf(lesson) + 1;
  const title =
    LESSONS.length === 1
      ? lesson.title
      : width >= 40
        ? `Lesson ${index} of ${LESSONS.length}: ${lesson.title}`
        : `${index}/${LESSONS.length} ${lesson.title}`;
  const room = Math.max(1, rows - 1);
  if (own.length <= room) return { title: truncate(title, width, ascii), rows: own };
  const at = own.indexOf(selected);
  const start = Math.min(Math.max(0, at - 1), own.length - room);
  return { title: truncate(title, width, ascii), rows: own.slice(start, start + room) };
}
