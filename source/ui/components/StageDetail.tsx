import { Box } from "ink";
import type { InjectMethod } from "../../tutorial/stage.ts";
import type { InjectChoice as Choice } from "../context.ts";
import type { Line } from "../view.ts";
import { InjectChoice } from "./InjectChoice.tsx";
import { Lines } from "./LineView.tsx";

/**
 * The selected stage: what it does and why, the commands to do it by hand, its outcome, and on
 * failure the cause and the fix; or its YAML, or the keys, or the inject choice.
 */
export function StageDetail({
  lines,
  choices,
  onChoose,
}: {
  lines: Line[];
  choices?: Choice[];
  onChoose?: (method: InjectMethod) => void;
}) {
  return (
    <Box flexDirection="column">
      <Lines lines={lines} />
      {choices && onChoose ? <InjectChoice choices={choices} onChoose={onChoose} /> : null}
    </Box>
  );
}
