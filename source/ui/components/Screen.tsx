import { Box, Text } from "ink";
import { stageById } from "../../tutorial/lessons.ts";
import { type InjectChoice, useTourActions, useTourState } from "../context.ts";
import { MIN_COLUMNS, MIN_ROWS } from "../layout.ts";
import type { UiState } from "../uiState.ts";
import { Footer } from "./Footer.tsx";
import { Header } from "./Header.tsx";
import { Lines } from "./LineView.tsx";
import { LogLines } from "./LogLines.tsx";
import { PodTable } from "./PodTable.tsx";
import { SamplesPanel } from "./SamplesPanel.tsx";
import { type OpenChoice, StageDetail } from "./StageDetail.tsx";
import { StageList } from "./StageList.tsx";

/**
 * Finished lines above; below them the live region, laid out to the line by the view and always
 * exactly the layout's height: what a panel leaves unused goes above the footer, so the footer
 * stays on the last rows and a redraw can erase the whole frame from the top of the screen.
 */
export function Screen() {
  const { view, ui, injectChoices } = useTourState();
  const actions = useTourActions();
  const { layout } = view;
  const gap = layout.spacious ? <Text> </Text> : null;
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column">
        <LogLines lines={ui.log} />
        <Box height={layout.height} overflow="hidden">
          <Text wrap="truncate-end">
            The terminal is {layout.width}x{layout.height + 1}; the tour needs {MIN_COLUMNS}x{MIN_ROWS}. q
            quits.
          </Text>
        </Box>
      </Box>
    );
  }
  const stages = <StageList stages={view.stageWindow} title={view.stagesTitle} width={layout.leftWidth} />;
  const samples = <SamplesPanel lines={view.samples} width={layout.rightWidth} />;
  return (
    <Box flexDirection="column">
      <LogLines lines={ui.log} />
      <Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
        <Header lines={view.header} />
        {gap}
        {layout.sideBySide ? (
          <Box flexDirection="row">
            {stages}
            <Box width={layout.width - layout.leftWidth - layout.rightWidth} />
            {samples}
          </Box>
        ) : (
          <>
            {stages}
            {gap}
            {samples}
          </>
        )}
        <Box flexDirection="column" height={layout.findingsLines}>
          <Lines lines={view.findings} />
        </Box>
        {gap}
        <PodTable table={view.pods} />
        {gap}
        <StageDetail lines={view.detail} choice={openChoice(ui, injectChoices, actions.choose)} />
        <Box flexGrow={1} />
        <Footer message={view.message} keys={view.footer} />
      </Box>
    </Box>
  );
}

/** The question the screen is asking, as a list to pick from. */
function openChoice(
  ui: UiState,
  injectChoices: InjectChoice[],
  choose: (key: string) => void,
): OpenChoice | null {
  const choice = ui.choosing ? ui.choice : null;
  if (!choice) return null;
  switch (choice.kind) {
    case "inject":
      return {
        prompt: "How should Istio's proxy get into the pods?",
        items: injectChoices.map((c) => ({ key: c.method, label: c.label })),
        onChoose: choose,
      };
    case "stage": {
      const offered = stageById(choice.stage).choice;
      if (!offered) return null;
      return {
        prompt: offered.prompt,
        items: offered.options.map((option, i) => ({ key: String(i), label: option.label })),
        initial: offered.default,
        onChoose: choose,
      };
    }
    case "take-over":
      return {
        prompt: `${choice.object} exists and is ${choice.owner}'s, not the tour's.`,
        items: [
          { key: "replace", label: "Replace it: the tour takes it over (reset will leave it in place)" },
          { key: "leave", label: "Leave it as it is: the stage stays undone" },
        ],
        initial: 1,
        onChoose: choose,
      };
  }
}
