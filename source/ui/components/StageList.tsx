import { Box, Text } from "ink";
import { useTheme } from "../context.ts";
import { STAGE_TONES, toneProps } from "../theme.ts";
import type { StageLine } from "../view.ts";

/** The selected stage's lesson, titled, with its stages' marks; the selected one is pointed at and bold. */
export function StageList({
  stages,
  title,
  width,
}: {
  stages: StageLine[];
  title: string | null;
  width: number;
}) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" width={width}>
      {title ? (
        <Text bold wrap="truncate-end">
          {title}
        </Text>
      ) : null}
      {stages.map((stage) => {
        const [pointer, ...rest] = splitMark(stage.text, stage.mark);
        return (
          <Text
            key={stage.id}
            wrap="truncate-end"
            bold={stage.selected}
            inverse={stage.selected && !theme.color}
          >
            {pointer}
            <Text {...toneProps(theme, STAGE_TONES[stage.display])}>{rest[0]}</Text>
            {rest[1]}
          </Text>
        );
      })}
    </Box>
  );
}

/** The line around its mark, so only the mark takes the state's colour. */
function splitMark(text: string, mark: string): [string, string, string] {
  const at = text.indexOf(mark, 1);
  if (at < 0) return [text, "", ""];
  return [text.slice(0, at), mark, text.slice(at + mark.length)];
}
