import { Static, Text } from "ink";
import { useTheme } from "../context.ts";
import { toneProps } from "../theme.ts";
import type { LogLine } from "../uiState.ts";

/**
 * Finished lines (stages started and done, what kubectl would have printed) go above the live
 * region once and stay in the scrollback, as in Ink's jest example; the live region stays small.
 */
export function LogLines({ lines }: { lines: LogLine[] }) {
  const theme = useTheme();
  return (
    <Static items={lines}>
      {(line) => (
        <Text key={line.key} {...toneProps(theme, line.tone)}>
          {line.mark === "pointer"
            ? `${theme.glyphs.pointer} `
            : line.mark
              ? `${theme.glyphs.marks[line.mark]} `
              : ""}
          {line.text}
        </Text>
      )}
    </Static>
  );
}
