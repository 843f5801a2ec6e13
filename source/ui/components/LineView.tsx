import { Text } from "ink";
import { useTheme } from "../context.ts";
import { toneProps } from "../theme.ts";
import type { Line } from "../view.ts";

/** One prepared line: its segments in their tones, never wrapped (the view already fitted it). */
export function LineView({ line }: { line: Line }) {
  const theme = useTheme();
  if (line.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((part, index) => (
        // Segments are positional and never reorder, so their index is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={index} {...toneProps(theme, part.tone)}>
          {part.text}
        </Text>
      ))}
    </Text>
  );
}

export function Lines({ lines }: { lines: Line[] }) {
  return (
    <>
      {lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional, as on the screen
        <LineView key={index} line={line} />
      ))}
    </>
  );
}
