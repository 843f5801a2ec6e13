// Every key of the tour in one table, read by the input handler, the help overlay, the footer
// and (through a test) the README: a key added or renamed here shows up everywhere at once.

import type { Key } from "ink";
import type { Glyphs } from "./theme.ts";

export type KeyAction =
  | { do: "move"; by: -1 | 1 }
  | { do: "run-selected" }
  | { do: "run-next" }
  | { do: "restart" }
  | { do: "burst" }
  | { do: "yaml" }
  | { do: "copy" }
  | { do: "scroll"; page: -1 | 1 }
  | { do: "shift"; by: -1 | 1 }
  | { do: "help" }
  | { do: "redraw" }
  | { do: "close" }
  | { do: "quit"; code: number };

export interface KeyBinding {
  /** The keys as the README and the help overlay name them. */
  keys: string;
  /** What they do, in the README's and the help overlay's words. */
  help: string;
  /** The footer's short form, when the binding is shown there. */
  footer?: {
    keys: (glyphs: Glyphs, ascii: boolean) => string;
    label: string;
    yamlLabel?: string;
    /** How readily the footer leaves this out when the line is too short (higher: sooner). */
    spare?: number;
  };
  /** What a keypress means for this binding, or null when it is not one of its keys. */
  press(input: string, key: Key): KeyAction | null;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  {
    keys: "up/down, j/k",
    help: "select a stage",
    footer: { keys: (g, ascii) => (ascii ? "up/dn j/k" : `${g.updown} jk`), label: "select", spare: 4 },
    press: (input, key) =>
      key.upArrow || input === "k"
        ? { do: "move", by: -1 }
        : key.downArrow || input === "j"
          ? { do: "move", by: 1 }
          : null,
  },
  {
    keys: "Enter",
    help: "run the selected stage (again, if it is done)",
    footer: { keys: (g) => g.enter, label: "run" },
    press: (input, key) => (key.return || input === "\r" ? { do: "run-selected" } : null),
  },
  {
    keys: "n",
    help: "run the next stage that is not done",
    footer: { keys: () => "n", label: "next" },
    press: (input) => (input === "n" ? { do: "run-next" } : null),
  },
  {
    keys: "r",
    help: "restart the deployments whose pods have no sidecar (rollout restart)",
    footer: { keys: () => "r", label: "restart", spare: 3 },
    press: (input) => (input === "r" ? { do: "restart" } : null),
  },
  {
    keys: "s",
    help: "send 100 requests to GATEWAY_URL/productpage now, in each stream",
    footer: { keys: () => "s", label: "sample", spare: 2 },
    press: (input) => (input === "s" ? { do: "burst" } : null),
  },
  {
    keys: "y",
    help: "show or hide the selected stage's commands and the YAML it applies, in full",
    footer: { keys: () => "y", label: "YAML", yamlLabel: "detail" },
    press: (input) => (input === "y" ? { do: "yaml" } : null),
  },
  {
    keys: "PgUp/PgDn",
    help: "scroll the commands and YAML, or the keys (Space pages down too)",
    press: (input, key) =>
      key.pageUp
        ? { do: "scroll", page: -1 }
        : key.pageDown || input === " "
          ? { do: "scroll", page: 1 }
          : null,
  },
  {
    keys: "left/right",
    help: "move the commands and YAML sideways, to read the end of long lines",
    press: (_input, key) =>
      key.leftArrow ? { do: "shift", by: -1 } : key.rightArrow ? { do: "shift", by: 1 } : null,
  },
  {
    keys: "c",
    help: "copy the selected stage's commands to the clipboard (OSC 52; in tmux, set-clipboard on)",
    footer: { keys: () => "c", label: "copy", spare: 1 },
    press: (input, key) => (input === "c" && !key.ctrl ? { do: "copy" } : null),
  },
  {
    keys: "?",
    help: "show or hide the keys",
    footer: { keys: () => "?", label: "help" },
    press: (input) => (input === "?" ? { do: "help" } : null),
  },
  {
    keys: "Ctrl-L",
    help: "redraw the screen",
    press: (input, key) => (key.ctrl && input === "l" ? { do: "redraw" } : null),
  },
  {
    keys: "Esc",
    help: "back to the stage detail",
    press: (_input, key) => (key.escape ? { do: "close" } : null),
  },
  {
    keys: "q, Ctrl-C",
    help: "quit: watches, sampler and port-forwards stop, the terminal is restored",
    footer: { keys: () => "q", label: "quit" },
    press: (input, key) =>
      key.ctrl && input === "c" ? { do: "quit", code: 130 } : input === "q" ? { do: "quit", code: 0 } : null,
  },
];

/** While the inject method is being chosen, the list takes the keys; these are all that is left. */
export const CHOICE_BINDINGS: readonly KeyBinding[] = [
  {
    keys: "up/down",
    help: "choose",
    footer: { keys: (g) => g.updown, label: "choose" },
    press: () => null,
  },
  { keys: "Enter", help: "confirm", footer: { keys: (g) => g.enter, label: "confirm" }, press: () => null },
  {
    keys: "Esc",
    help: "cancel",
    footer: { keys: () => "Esc", label: "cancel" },
    press: (_input, key) => (key.escape ? { do: "close" } : null),
  },
  {
    keys: "q, Ctrl-C",
    help: "quit",
    footer: { keys: () => "q", label: "quit" },
    press: (input, key) =>
      key.ctrl && input === "c" ? { do: "quit", code: 130 } : input === "q" ? { do: "quit", code: 0 } : null,
  },
];

/** The first binding's action for this keypress. */
export function actionFor(bindings: readonly KeyBinding[], input: string, key: Key): KeyAction | null {
  for (const binding of bindings) {
    const action = binding.press(input, key);
    if (action) return action;
  }
  return null;
}
