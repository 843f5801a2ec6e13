// How many lines each panel gets. The live region is exactly one line shorter than the terminal,
// whatever it shows: shorter than the terminal, because Ink clears the whole screen on every
// frame otherwise (the flicker people notice); exactly that, so that the frame always starts at
// the top of the screen and a redraw after a resize can erase it whole (see terminal.ts). This
// counts every line: 80x24 fits header, stages beside samples, pods, a few lines of detail and
// the footer; a taller or wider terminal gives the pods and the detail more room. Below 76
// columns the stage list goes above the samples, where there are rows enough for that.

export interface Layout {
  width: number;
  /** Most lines the live region may take: one less than the terminal. */
  height: number;
  tooSmall: boolean;
  /** Stage list and samples panel side by side (else stacked). */
  sideBySide: boolean;
  leftWidth: number;
  rightWidth: number;
  /** Blank lines between panels. */
  spacious: boolean;
  /** Lines of the stage list: the lesson's title, then its stages (a window of them if need be). */
  stageLines: number;
  samplesLines: number;
  /** The mesh analysis's lines, the width of the screen, under the stages and samples. */
  findingsLines: number;
  /** Rows under the pod table's header, including a "more pods" line when they do not all fit. */
  podRows: number;
  detailLines: number;
}

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;
const HEADER = 2;
const FOOTER = 2; // message line + keys
/** The lesson's title and five of its stages; seven (the traffic-management lesson) when spacious. */
const STAGES = 6;
const STAGES_SPACIOUS = 8;
const FINDINGS = 1;
const SPACIOUS_FINDINGS = 2;
const MIN_DETAIL = 5;
const MIN_PODS = 3;
const SIDE_BY_SIDE_COLUMNS = 76;
const SPACIOUS_ROWS = 30;

export function computeLayout(size: { columns: number; rows: number }, podCount: number): Layout {
  const width = Math.max(1, size.columns);
  const height = Math.max(1, size.rows - 1);
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const spacious = height >= SPACIOUS_ROWS - 1;
  const stageLines = spacious ? STAGES_SPACIOUS : STAGES;
  const samplesLines = spacious ? 9 : 6;
  const gaps = spacious ? 3 : 0;
  const findingsLines = spacious ? SPACIOUS_FINDINGS : FINDINGS;
  // 1: the pod table's header
  const room = (top: number) => height - HEADER - FOOTER - top - findingsLines - gaps - 1;
  const stackedTop = stageLines + samplesLines + (spacious ? 1 : 0);
  const sideBySide = width >= SIDE_BY_SIDE_COLUMNS || room(stackedTop) < MIN_PODS + MIN_DETAIL;
  const gap = 2;
  const leftWidth = sideBySide ? Math.min(60, Math.floor((width - gap) / 2)) : width;
  const rightWidth = sideBySide ? width - gap - leftWidth : width;
  const top = sideBySide ? Math.max(stageLines, samplesLines) : stackedTop;
  const available = room(top);
  const wantedPods = Math.max(1, podCount);
  // The selected stage's heading always has a line, however short the terminal.
  const podRows = Math.max(
    1,
    Math.min(wantedPods, Math.max(MIN_PODS, available - MIN_DETAIL), Math.max(1, available - 1)),
  );
  const detailLines = Math.max(0, available - podRows);
  return {
    width,
    height,
    tooSmall,
    sideBySide,
    leftWidth,
    rightWidth,
    spacious,
    stageLines,
    samplesLines,
    findingsLines,
    podRows,
    detailLines,
  };
}
