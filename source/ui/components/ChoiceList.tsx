import { Box, Text } from "ink";
import SelectInput from "ink-select-input";
import { useTheme } from "../context.ts";

export interface ChoiceItem {
  key: string;
  label: string;
}

/**
 * A question and its answers, one per line, picked with the arrows and Enter: how to inject,
 * which weights or delay a stage uses, whether to take over an object the tour did not make.
 */
export function ChoiceList({
  prompt,
  items,
  initial,
  onChoose,
}: {
  prompt: string;
  items: ChoiceItem[];
  initial?: number;
  onChoose: (key: string) => void;
}) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {prompt}
      </Text>
      <SelectInput
        items={items.map((item) => ({ key: item.key, label: item.label, value: item.key }))}
        initialIndex={initial ?? 0}
        onSelect={(item) => onChoose(item.value)}
        indicatorComponent={({ isSelected }) => <Text>{isSelected ? `${theme.glyphs.pointer} ` : "  "}</Text>}
        itemComponent={({ label, isSelected }) => (
          <Text wrap="truncate-end" bold={isSelected}>
            {label}
          </Text>
        )}
      />
    </Box>
  );
}
