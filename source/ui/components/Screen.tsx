import { Box, Text } from "ink";
import { useTourActions, useTourState } from "../context.ts";
import { MIN_COLUMNS, MIN_ROWS } from "../layout.ts";
import { Footer } from "./Footer.tsx";
import { Header } from "./Header.tsx";
import { LogLines } from "./LogLines.tsx";
import { PodTable } from "./PodTable.tsx";
import { SamplesPanel } from "./SamplesPanel.tsx";
import { StageDetail } from "./StageDetail.tsx";
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
  const stages = <StageList stages={view.stages} title={view.stagesTitle} width={layout.leftWidth} />;
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
        {gap}
        <PodTable table={view.pods} />
        {gap}
        <StageDetail
          lines={view.detail}
          choices={ui.choosing ? injectChoices : undefined}
          onChoose={(method) => actions.run("inject", method)}
        />
        <Box flexGrow={1} />
        <Footer message={view.message} keys={view.footer} />
      </Box>
    </Box>
  );
}
