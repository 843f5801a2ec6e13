// The UI's own state: what is selected, which panel shows, which stage the runner is on (folded
// from its events), the last message, and the log of finished lines. The cluster's state is not
// here: it lives in the Snapshot, and stage states are always derived from it.

import { ForeignObjectError } from "../cluster/errors.ts";
import type { RunEvent } from "../engine/runner.ts";
import { STAGE_IDS, stageById } from "../tutorial/lessons.ts";
import type { InjectMethod, StageId, StageParameters } from "../tutorial/stage.ts";
import type { StageDisplay, Tone } from "./theme.ts";

export type Panel = "detail" | "yaml" | "help";

export interface Running {
  id: StageId;
  /** applying: the stage's changes are being sent; waiting: sent, until its check says done. */
  phase: "applying" | "waiting";
}

export interface LogLine {
  /** Stable and increasing: <Static> prints each line once, in order. */
  key: number;
  text: string;
  tone: Tone;
  /** A stage mark drawn before the text (the theme picks the glyph). */
  mark?: StageDisplay | "pointer";
}

export interface Message {
  text: string;
  tone: Tone;
  /** A stage's outcome: the line adds, live, what n does next. */
  outcome?: boolean;
}

/** A question the screen is asking, in place of the detail's last lines. */
export type Choice =
  | { kind: "inject" }
  /** The stage's own choice (the canary's weights, the delay). */
  | { kind: "stage"; stage: StageId }
  /** An object the stage would write exists and was not made by the tour: replace it, or leave it? */
  | { kind: "take-over"; stage: StageId; object: string; owner: string };

/** What the person last asked to run, so a take-over runs the same thing again. */
export interface Request {
  id: StageId;
  inject?: InjectMethod;
  parameters?: StageParameters;
}

export interface UiState {
  selected: StageId;
  /** Until someone moves the cursor, it follows where the tour stands. */
  followTour: boolean;
  panel: Panel;
  yamlScroll: number;
  /** How far the commands and YAML view is moved sideways, in cells. */
  yamlShift: number;
  running: Running | null;
  /** The stage whose changes the cluster refused, and what it said. */
  applyError: { id: StageId; message: string } | null;
  /** Open while the person picks how to inject, a stage's option, or whether to take an object over. */
  choosing: boolean;
  choice: Choice | null;
  request: Request | null;
  inject: InjectMethod;
  message: Message | null;
  log: LogLine[];
}

export type UiAction =
  | { type: "move"; by: number }
  | { type: "select"; id: StageId }
  | { type: "follow"; id: StageId }
  | { type: "toggle"; panel: Exclude<Panel, "detail"> }
  | { type: "close" }
  | { type: "scroll"; by: number; max: number }
  | { type: "shift"; by: number; max: number }
  | { type: "choose"; choice: Choice | null }
  /** The person asked for a stage; the runner's "started" follows once it applies. */
  | { type: "requested"; id: StageId; inject?: InjectMethod; parameters?: StageParameters }
  | { type: "event"; event: RunEvent }
  | { type: "message"; text: string; tone?: Tone }
  | { type: "log"; lines: string[]; tone?: Tone; mark?: LogLine["mark"] };

export function initialUiState(selected: StageId = STAGE_IDS[0]!): UiState {
  return {
    selected,
    followTour: true,
    panel: "detail",
    yamlScroll: 0,
    yamlShift: 0,
    running: null,
    applyError: null,
    choosing: false,
    choice: null,
    request: null,
    inject: "label",
    message: null,
    log: [],
  };
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case "move": {
      const index = STAGE_IDS.indexOf(state.selected);
      const next = Math.min(STAGE_IDS.length - 1, Math.max(0, index + action.by));
      return { ...state, selected: STAGE_IDS[next]!, followTour: false, yamlScroll: 0, yamlShift: 0 };
    }
    case "select":
      return { ...state, selected: action.id, followTour: false, yamlScroll: 0, yamlShift: 0 };
    case "follow":
      return state.followTour && state.selected !== action.id
        ? { ...state, selected: action.id, yamlScroll: 0, yamlShift: 0 }
        : state;
    case "toggle":
      return {
        ...state,
        panel: state.panel === action.panel ? "detail" : action.panel,
        yamlScroll: 0,
        yamlShift: 0,
      };
    case "close":
      return { ...state, panel: "detail", choosing: false, choice: null };
    case "scroll":
      return {
        ...state,
        yamlScroll: Math.min(Math.max(0, action.max), Math.max(0, state.yamlScroll + action.by)),
      };
    case "shift":
      return {
        ...state,
        yamlShift: Math.min(Math.max(0, action.max), Math.max(0, state.yamlShift + action.by)),
      };
    case "choose":
      return { ...state, choosing: action.choice !== null, choice: action.choice, panel: "detail" };
    case "requested":
      return {
        ...state,
        running: { id: action.id, phase: "applying" },
        applyError: null,
        choosing: false,
        choice: null,
        request: {
          id: action.id,
          ...(action.inject ? { inject: action.inject } : {}),
          ...(action.parameters ? { parameters: action.parameters } : {}),
        },
        inject: action.inject ?? state.inject,
        selected: action.id,
        followTour: true,
        panel: state.panel === "help" ? "detail" : state.panel,
        message: null,
      };
    case "event":
      return reduceRunEvent(state, action.event);
    case "message":
      return { ...state, message: { text: action.text, tone: action.tone ?? "plain" } };
    case "log":
      return appendLog(state, action.lines, action.tone ?? "plain", action.mark);
  }
}

/** The runner's events as the screen keeps them: the stage under way, its outcome, the log. */
function reduceRunEvent(state: UiState, event: RunEvent): UiState {
  const stage = stageById(event.stage);
  switch (event.type) {
    case "started":
      return appendLog(
        { ...state, running: { id: event.stage, phase: "applying" }, applyError: null },
        [`Stage ${event.number}: ${stage.title}`],
        "accent",
        "pointer",
      );
    case "line":
      return appendLog(state, [`    ${event.text}`], "dim");
    case "applied":
      return state.running?.id === event.stage
        ? { ...state, running: { id: event.stage, phase: "waiting" } }
        : state;
    case "progress":
      return state;
    case "done": {
      if (event.by === "already") return state;
      const next = ran(state, event.stage);
      const logged = appendLog(next, [`Stage ${event.number} done: ${event.check.detail}`], "ok", "done");
      // The stage just run stays selected, so its outcome and what it means stay on screen until n.
      return event.by === "run"
        ? {
            ...logged,
            followTour: logged.selected === event.stage ? false : logged.followTour,
            message: {
              text: `Stage ${event.number} done: ${event.check.detail}.`,
              tone: "ok",
              outcome: true,
            },
          }
        : logged;
    }
    case "failed": {
      const next = ran(state, event.stage);
      if (event.why === "apply") {
        // Someone else's object: the screen asks whether to replace it, instead of only failing.
        const foreign = event.error instanceof ForeignObjectError ? event.error.object : null;
        const asked: Partial<UiState> = foreign
          ? {
              choosing: true,
              choice: {
                kind: "take-over",
                stage: event.stage,
                object: `${foreign.kind} ${foreign.name}`,
                owner: foreign.owner,
              },
              panel: "detail",
              selected: event.stage,
            }
          : {};
        return appendLog(
          { ...next, ...asked, applyError: { id: event.stage, message: event.check.detail } },
          [`Stage ${event.number} failed: ${event.check.detail}`],
          "bad",
          "failed",
        );
      }
      const logged = appendLog(
        next,
        [`Stage ${event.number} gave up: ${event.check.detail}`],
        "bad",
        "failed",
      );
      return appendLog(
        logged,
        event.findings.map((f) => `    ${f.code}: ${f.summary}`),
        "bad",
      );
    }
    case "cancelled":
      return ran(state, event.stage);
  }
}

const ran = (state: UiState, id: StageId): UiState =>
  state.running?.id === id ? { ...state, running: null } : state;

function appendLog(state: UiState, lines: string[], tone: Tone, mark?: LogLine["mark"]): UiState {
  if (lines.length === 0) return state;
  const first = (state.log.at(-1)?.key ?? 0) + 1;
  const added = lines.map((text, i) => ({ key: first + i, text, tone, ...(mark ? { mark } : {}) }));
  // Append-only: <Static> remembers how many it printed by index. The log grows only with
  // what a person does (a few dozen lines per tour), never with traffic or watch events.
  return { ...state, log: [...state.log, ...added] };
}
