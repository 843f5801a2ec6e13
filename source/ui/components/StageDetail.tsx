import { Box } from "ink";
import type { Line } from "../view.ts";
import { type ChoiceItem, ChoiceList } from "./ChoiceList.tsx";
import { Lines } from "./LineView.tsx";

export interface OpenChoice {
  prompt: string;
  items: ChoiceItem[];
  initial?: number;
  onChoose: (key: string) => void;
}

/**
 * The selected stage: what it does and why, the commands to do it by hand, its outcome, and on
 * failure the cause and the fix; or its YAML, or the keys, or a choice to make.
 */
export function StageDetail({ lines, choice }: { lines: Line[]; choice?: OpenChoice | null }) {
  return (
    <Box flexDirection="column">
      <Lines lines={lines} />
      {choice ? <ChoiceList {...choice} /> : null}
    </Box>
  );
}
