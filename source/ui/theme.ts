// What the screen may use: Unicode glyphs or ASCII (--ascii, for terminals and fonts without
// them), colours or none (--no-color, NO_COLOR). Views pick tones; only this file maps tones to
// colours, so turning colour off cannot leave one behind.

export type Tone = "plain" | "ok" | "bad" | "warn" | "accent" | "dim" | "strong";

/** How a stage is drawn: its checked state, or running while the tour works on it. */
export type StageDisplay = "done" | "running" | "pending" | "failed" | "unknown";

export interface Glyphs {
  marks: Record<StageDisplay, string>;
  pointer: string;
  ellipsis: string;
  barFull: string;
  barEmpty: string;
  dot: string;
  enter: string;
  updown: string;
}

export interface Theme {
  ascii: boolean;
  color: boolean;
  glyphs: Glyphs;
}

const UNICODE: Glyphs = {
  marks: { done: "✓", running: "◐", pending: "○", failed: "✗", unknown: "·" },
  pointer: "›",
  ellipsis: "…",
  barFull: "█",
  barEmpty: "░",
  dot: "·",
  enter: "⏎",
  updown: "↑↓",
};

const ASCII: Glyphs = {
  marks: { done: "[x]", running: "[~]", pending: "[ ]", failed: "[!]", unknown: "[ ]" },
  pointer: ">",
  ellipsis: "~",
  barFull: "#",
  barEmpty: ".",
  dot: "-",
  enter: "Enter",
  updown: "up/down",
};

export function makeTheme(options: { ascii?: boolean; color?: boolean } = {}): Theme {
  const ascii = options.ascii ?? false;
  return { ascii, color: options.color ?? true, glyphs: ascii ? ASCII : UNICODE };
}

const COLORS: Record<Tone, string | undefined> = {
  plain: undefined,
  ok: "green",
  bad: "red",
  warn: "yellow",
  accent: "cyan",
  dim: undefined,
  strong: undefined,
};

/** Ink <Text> props for a tone; without colour only weight and dimming remain. */
export function toneProps(theme: Theme, tone: Tone): { color?: string; dimColor?: boolean; bold?: boolean } {
  const props: { color?: string; dimColor?: boolean; bold?: boolean } = {};
  if (theme.color && COLORS[tone]) props.color = COLORS[tone];
  if (tone === "dim" && theme.color) props.dimColor = true;
  if (tone === "strong") props.bold = true;
  return props;
}

export const STAGE_TONES: Record<StageDisplay, Tone> = {
  done: "ok",
  running: "accent",
  pending: "dim",
  failed: "bad",
  unknown: "dim",
};
