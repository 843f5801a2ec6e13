// Split contexts, as gemini-cli does: components that only read never re-render because an
// action's identity changed, and the hooks fail loudly outside the provider.

import { createContext, useContext } from "react";
import type { InjectMethod, StageId, StageParameters } from "../tutorial/stage.ts";
import type { Theme } from "./theme.ts";
import type { UiState } from "./uiState.ts";
import type { TourView } from "./view.ts";

export interface InjectChoice {
  method: InjectMethod;
  label: string;
}

export interface TourState {
  view: TourView;
  ui: UiState;
  injectChoices: InjectChoice[];
}

export interface RunRequest {
  inject?: InjectMethod;
  parameters?: StageParameters;
  takeOver?: boolean;
  /** Offer the stage's choice first, when it has one (Enter does; n takes the tutorial's own). */
  ask?: boolean;
}

export interface TourActions {
  run(id: StageId, request?: RunRequest): void;
  /** Answers the open choice with the item of this key. */
  choose(key: string): void;
  runNext(): void;
  restart(): void;
  burst(): void;
  cancelChoice(): void;
  quit(code: number): void;
}

export const ThemeContext = createContext<Theme | null>(null);
export const TourStateContext = createContext<TourState | null>(null);
export const TourActionsContext = createContext<TourActions | null>(null);

function required<T>(value: T | null, name: string): T {
  if (value === null) throw new Error(`${name} is used outside its provider`);
  return value;
}

export const useTheme = (): Theme => required(useContext(ThemeContext), "useTheme");
export const useTourState = (): TourState => required(useContext(TourStateContext), "useTourState");
export const useTourActions = (): TourActions => required(useContext(TourActionsContext), "useTourActions");
