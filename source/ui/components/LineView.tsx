import { Text } from "ink";
import { memo } from "react";
import { useTheme } from "../context.ts";
import { toneProps } from "../theme.ts";
import type { Line } from "../view.ts";

/** One prepared line: its segments in their tones, never wrapped (the view already fitted it). */
function LineViewOf({ line }: { line: Line }) {
  const theme = useTheme();
  // An empty Text takes no row at all in Ink: a blank line needs a space to keep its place.
  if (line.every((part) => part.text === "")) return <Text> </Text>;
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

/**
 * The view builds new line arrays for every frame; most lines read the same as before. Comparing
 * their text spares React and Ink redrawing them, which is most of what an idle tour costs.
 */
export const LineView = memo(LineViewOf, (before, after) => sameSegments(before.line, after.line));

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

/** Same text in the same tones, segment by segment. */
export function sameSegments(
  a: readonly { text: string; tone: string }[],
  b: readonly { text: string; tone: string }[],
) {
  return (
    a === b ||
    (a.length === b.length && a.every((part, i) => part.text === b[i]?.text && part.tone === b[i]?.tone))
  );
}
