// The view's vocabulary: lines of toned segments, and what the screen is made of.

import type { Finding } from "../../analysis/finding.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import type { TourFiles } from "../../tutorial/files.ts";
import type { StageResult } from "../../tutorial/lessons.ts";
import type { StageId } from "../../tutorial/stage.ts";
import type { Layout } from "../layout.ts";
import { cells, truncate } from "../text.ts";
import type { StageDisplay, Theme, Tone } from "../theme.ts";
import type { UiState } from "../uiState.ts";

export interface Seg {
  text: string;
  tone: Tone;
}
export type Line = Seg[];

export interface StageLine {
  id: StageId;
  number: number;
  title: string;
  display: StageDisplay;
  mark: string;
  selected: boolean;
  text: string;
}

export interface PodLine {
  /** kubectl's cells, padded to the table's columns. */
  cells: { text: string; tone: Tone }[];
}

export interface PodTableView {
  header: string;
  rows: PodLine[];
  /** "… and 6 more pods (2 not Ready)" when they do not all fit, or the empty-table line. */
  note: string | null;
}

export interface TourView {
  layout: Layout;
  header: Line[];
  /** Every stage of every lesson (what the detail and the message read). */
  stages: StageLine[];
  /** The title of the lesson the list shows, and the rows of it that fit. */
  stagesTitle: string | null;
  stageWindow: StageLine[];
  pods: PodTableView;
  samples: Line[];
  /** The mesh analysis's lines. */
  findings: Line[];
  detail: Line[];
  message: Line;
  footer: Line;
  /** The selected stage's commands, naming files the person has (c copies them). */
  commands: string[];
  /** With the commands and YAML view open: how many lines it has and the longest, for scrolling. */
  yaml: { lines: number; widest: number } | null;
}

export interface BootState {
  state: "starting" | "ready";
  /** What is happening while starting, e.g. "starting the sandbox". */
  text: string;
}

export interface ViewInput {
  /** Null until the session is open. */
  snapshot: Snapshot | null;
  configChangedAt: number;
  checks: StageResult[] | null;
  /** The mesh analysis of the snapshot (empty without one). */
  findings: Finding[];
  ui: UiState;
  size: { columns: number; rows: number };
  theme: Theme;
  /** The last N samples the panel summarises, and the background rate. */
  window: number;
  rate: number;
  boot: BootState;
  /** The text of each manifest a stage applies, read once when the tour opened. */
  manifests: ReadonlyMap<string, string>;
  /** Where those files are on disk, for the commands people copy (none: Istio's release paths). */
  files?: TourFiles;
}

export const seg = (text: string, tone: Tone = "plain"): Seg => ({ text, tone });

/** A line of segments cut to `width` cells. */
export function fit(line: Line, width: number, theme: Theme): Line {
  const out: Line = [];
  let room = width;
  for (const part of line) {
    if (room <= 0) break;
    const n = cells(part.text);
    if (n <= room) {
      out.push(part);
      room -= n;
    } else {
      out.push({ ...part, text: truncate(part.text, room, theme.ascii) });
      room = 0;
    }
  }
  return out;
}
