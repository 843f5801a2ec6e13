import { Box, Text } from "ink";
import { useTheme } from "../context.ts";
import { toneProps } from "../theme.ts";
import type { PodTableView } from "../view.ts";

/** The namespace's pods as `kubectl get pods` prints them, live from the watches. */
export function PodTable({ table }: { table: PodTableView }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {table.header}
      </Text>
      {table.rows.map((row) => (
        <Text key={row.cells[0]?.text} wrap="truncate-end">
          {row.cells.map((cell, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
            <Text key={index} {...toneProps(theme, cell.tone)}>
              {cell.text}
            </Text>
          ))}
        </Text>
      ))}
      {table.note ? (
        <Text wrap="truncate-end" {...toneProps(theme, "dim")}>
          {table.note}
        </Text>
      ) : null}
    </Box>
  );
}
