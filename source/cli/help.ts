// The command line as kubectl users read it: the program is `kubectl bookinfo` (kubectl runs the
// `kubectl-bookinfo` executable for it and says nothing about it, so the name is fixed), help
// fits 80 columns, and a mistyped command gets kubectl's "unknown command" with its suggestions.

import type { Command } from "commander";
import { LESSONS } from "../tutorial/lessons.ts";

export const PROGRAM = "kubectl bookinfo";

export const helpText = {
  root: `
Examples:
  kubectl bookinfo --sandbox    the tour on a simulated cluster started in this
                                process, no cluster needed (--speed 5: faster)
  kubectl bookinfo              the tour on your cluster: the current context
                                and its namespace (or -n NAMESPACE)
  kubectl bookinfo status       where the namespace stands, without a screen
  kubectl bookinfo analyze      what is wrong with its mesh configuration
  kubectl bookinfo run          apply the stages in order, without a screen
  kubectl bookinfo tour --help  all the tour's flags

Without a terminal (a pipe, a file, CI set), \`kubectl bookinfo\` prints the
status and changes nothing; \`kubectl bookinfo run\` applies the stages.

${lessonLines()}
Exit codes: 0 success; 1 failure (the message says why); 2 bad command line;
130 interrupted (Ctrl-C); 143 terminated (SIGTERM); the tour's q exits 0;
status: 3 while stages of a lesson begun are pending, 4 when a stage failed;
analyze: 1 when it found an error.`,
  tour: `
In a terminal the tour draws its screen and changes nothing until you press a
key (n runs the next stage, ? lists the keys). Without a terminal (stdin or
stdout not a TTY, or CI set) it prints the status instead and changes nothing.
--plain runs the stages in order and prints their progress, as \`run\` does.`,
  status: `
Exit codes: 0 when every stage of the lessons begun is done, 3 while some are
pending, 4 when one failed (1 and 2 as for every command).`,
  analyze: `
Findings carry istioctl analyze's codes (IST0101, ...) and the tour's own (KBI).
Exit codes: 0 when there is no error (warnings alone included), 1 when there is.`,
  run: `
Without --to, --lesson or stage names, run takes the first lesson (to route-v1).
Ctrl-C stops it at once (exit 130); what was applied stays.`,
};

/** The lessons and their stages, wrapped to 80 columns. */
function lessonLines(): string {
  return LESSONS.flatMap((lesson) =>
    wrapWords(`Lesson ${lesson.id}: ${lesson.stages.map((s) => s.id).join(", ")}.`, 80),
  ).join("\n");
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** What follows a usage error: where that command's help is, in kubectl's words. */
export function usageHint(command: Command): string {
  const path = command.parent ? `${PROGRAM} ${command.name()}` : PROGRAM;
  return `See '${path} --help' for usage.`;
}

/**
 * The first word of `argv` that is neither a flag (of the root or of the default command, which
 * takes the flags typed without a command), a flag's value nor a command, worded as
 * kubectl (cobra) words it, with its suggestions; null when there is none. Without this, the
 * default command would take the word and say "too many arguments for 'tour'".
 */
export function unknownCommand(
  root: Command,
  argv: readonly string[],
  defaultCommand: string,
): string | null {
  const commands = root.commands;
  const names = new Set(["help", ...commands.flatMap((c) => [c.name(), ...c.aliases()])]);
  const fallback = commands.find((c) => c.name() === defaultCommand);
  const options = [...root.options, ...(fallback?.options ?? [])];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return null;
    if (arg.startsWith("-") && arg !== "-") {
      if (arg.includes("=")) continue;
      const option = options.find((o) => o.long === arg || o.short === arg);
      // A flag that takes a value takes the next word with it.
      if (option && (option.required || option.optional)) i++;
      continue;
    }
    if (names.has(arg)) return null;
    return unknownCommandMessage(
      arg,
      [...names].filter((n) => n !== "help"),
    );
  }
  return null;
}

export function unknownCommandMessage(typed: string, commands: readonly string[]): string {
  const suggestions = suggest(typed, commands);
  const lines = [`error: unknown command "${typed}" for "${PROGRAM}"`];
  if (suggestions.length > 0) lines.push("", "Did you mean this?", ...suggestions.map((s) => `\t${s}`));
  lines.push("", `See '${PROGRAM} --help' for usage.`);
  return `${lines.join("\n")}\n`;
}

/** Cobra's rule: within two edits, or the start of a command's name. */
export function suggest(typed: string, commands: readonly string[]): string[] {
  const word = typed.toLowerCase();
  return commands.filter((name) => distance(word, name.toLowerCase()) <= 2 || name.startsWith(word));
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
