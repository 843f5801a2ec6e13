import { Box, Text } from "ink";
import SelectInput from "ink-select-input";
import type { InjectMethod } from "../../tutorial/stage.ts";
import type { InjectChoice as Choice } from "../context.ts";
import { useTheme } from "../context.ts";

/** How the sidecar gets in: only the ways this machine and cluster offer are listed. */
export function InjectChoice({
  choices,
  onChoose,
}: {
  choices: Choice[];
  onChoose: (method: InjectMethod) => void;
}) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold>How should Istio's proxy get into the pods?</Text>
      <SelectInput
        items={choices.map((c) => ({ key: c.method, label: c.label, value: c.method }))}
        onSelect={(item) => onChoose(item.value)}
        indicatorComponent={({ isSelected }) => <Text>{isSelected ? `${theme.glyphs.pointer} ` : "  "}</Text>}
      />
    </Box>
  );
}
