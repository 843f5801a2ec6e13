// A real terminal for end-to-end tests and the benchmark: a tmux server of our own (its own
// socket, so a user's tmux is never touched) with one pane running a plain bash.

import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
let servers = 0;

export class Tmux {
  readonly socket = `bookinfo-${process.pid}-${++servers}`;
  columns: number;
  rows: number;

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
  }

  #args(...args: string[]): string[] {
    return ["-L", this.socket, "-f", "/dev/null", ...args];
  }

  /** Starts the pane on a plain bash, or straight on `command` (nothing else on the screen). */
  async start(command?: string): Promise<void> {
    await run(
      "tmux",
      this.#args(
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        String(this.columns),
        "-y",
        String(this.rows),
        command ?? "bash --norc --noprofile",
      ),
    );
    // A fixed prompt, so screens do not depend on who runs the test.
    if (!command) await this.type("PS1='$ '; clear");
  }

  /** Types a line into the pane's shell and presses Enter. */
  async type(line: string): Promise<void> {
    await run("tmux", this.#args("send-keys", "-t", "main", "-l", line));
    await run("tmux", this.#args("send-keys", "-t", "main", "Enter"));
  }

  /** Presses keys by tmux's names: "n", "Enter", "C-c", "PageDown". */
  async press(...keys: string[]): Promise<void> {
    await run("tmux", this.#args("send-keys", "-t", "main", ...keys));
  }

  /** The visible screen, as text (escapes=true: with colours, for screenshots). */
  async screen(escapes = false): Promise<string> {
    const { stdout } = await run(
      "tmux",
      this.#args("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "main"),
    );
    return stdout;
  }

  /** Everything the pane holds: the scrollback, then the visible screen. */
  async history(): Promise<string> {
    const { stdout } = await run(
      "tmux",
      this.#args("capture-pane", "-p", "-S", "-", "-E", "-", "-t", "main"),
    );
    return stdout;
  }

  /** Resizes the window, as dragging a terminal's corner does (the program gets SIGWINCH). */
  async resize(columns: number, rows: number): Promise<void> {
    await run("tmux", this.#args("resize-window", "-t", "main", "-x", String(columns), "-y", String(rows)));
    this.columns = columns;
    this.rows = rows;
  }

  /** A tmux option of this server, such as set-clipboard. */
  async set(option: string, value: string): Promise<void> {
    await run("tmux", this.#args("set-option", "-s", option, value));
  }

  /** The latest paste buffer (what an OSC 52 copy puts there with set-clipboard on). */
  async buffer(): Promise<string> {
    const { stdout } = await run("tmux", this.#args("show-buffer"));
    return stdout;
  }

  /** Pastes the latest paste buffer into the pane, as a person pastes. */
  async paste(): Promise<void> {
    await run("tmux", this.#args("paste-buffer", "-t", "main"));
  }

  async cursorVisible(): Promise<boolean> {
    const { stdout } = await run("tmux", this.#args("display-message", "-p", "-t", "main", "#{cursor_flag}"));
    return stdout.trim() === "1";
  }

  /** Pid of the program running in the pane (the shell's child once one was typed). */
  async panePid(): Promise<number> {
    const { stdout } = await run("tmux", this.#args("display-message", "-p", "-t", "main", "#{pane_pid}"));
    return Number(stdout.trim());
  }

  /**
   * Polls the screen until `expected` holds, every `pollMs`, and returns that screen; calls
   * `seen` with every screen on the way. Fails with the last screen after `timeoutMs`.
   */
  async waitFor(
    expected: RegExp | ((screen: string) => boolean),
    options: { timeoutMs?: number; pollMs?: number; seen?: (screen: string) => void } = {},
  ): Promise<string> {
    const test = typeof expected === "function" ? expected : (s: string) => expected.test(s);
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    let screen = "";
    for (;;) {
      screen = await this.screen();
      options.seen?.(screen);
      if (test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(
          `the screen did not show ${expected} within ${options.timeoutMs ?? 20_000} ms; it shows:\n${screen}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
    }
  }

  kill(): void {
    try {
      execFileSync("tmux", this.#args("kill-server"), { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}
