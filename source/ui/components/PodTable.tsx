import { Box, Text } from "ink";
import { memo } from "react";
import { useTheme } from "../context.ts";
import { toneProps } from "../theme.ts";
import type { PodLine, PodTableView } from "../view.ts";
import { sameSegments } from "./LineView.tsx";

/** The namespace's pods as `kubectl get pods` prints them, live from the watches. */
export function PodTable({ table }: { table: PodTableView }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {table.header}
      </Text>
      {table.rows.map((row) => (
        <PodRowView key={row.cells[0]?.text} row={row} />
      ))}
      {table.note ? (
        <Text wrap="truncate-end" {...toneProps(theme, "dim")}>
          {table.note}
        </Text>
      ) : null}
    </Box>
  );
}

/** One pod; redrawn only when a cell reads differently (its AGE, mostly). */
const PodRowView = memo(
  function PodRowView({ row }: { row: PodLine }) {
    const theme = useTheme();
    return (
      <Text wrap="truncate-end">
        {row.cells.map((cell, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
          <Text key={index} {...toneProps(theme, cell.tone)}>
            {cell.text}
          </Text>
        ))}
      </Text>
    );
  },
  (before, after) => sameSegments(before.row.cells, after.row.cells),
);
