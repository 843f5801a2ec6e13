// The terminal as Ink sees it: stdout, but with a size that changes only once a resize has
// settled, and then as one clean redraw.
//
// Ink redraws on every resize event by itself, moving the cursor up as many rows as its last frame
// had lines. When the terminal got narrower it has re-wrapped those lines (tmux, iTerm2, VTE and
// others reflow), so the frame now takes more rows than that: the erase misses the top of it,
// every later frame is drawn relative to the wrong row, and the screen stays garbled for good.
// Here Ink never hears of a resize. While one is under way the live region is held as it is (it
// writes nothing into a terminal that is re-wrapping). Once the size has held still, what is on screen
// is erased (from the top of the screen if the width shrank, since the frame always fills it but
// the last row, see layout.ts; otherwise exactly the frame's rows, which leaves whatever a taller
// terminal brought back from the scrollback where it was), Ink forgets its frame, and the screen
// is rendered again at the new size: the same screen a fresh start at that size draws. Nothing
// printed above the live region is written again.

import { EventEmitter } from "node:events";

export interface Size {
  columns: number;
  rows: number;
}

/** What the screen does for the terminal. */
export interface Screen {
  /** Keep drawing what is drawn (a resize is under way) until the next redraw. */
  hold(): void;
  /** Render again, at this size, no longer held. */
  redraw(size: Size): void;
}

/** What is needed of Ink's instance: draining frames in flight, and forgetting the one drawn. */
export interface Renderer {
  waitUntilRenderFlush(): Promise<void>;
  clear(): void;
}

/**
 * The whole screen erased, the cursor at its top. Not CSI H + CSI J: tmux (scroll-on-clear) and
 * others push the screen into the scrollback when it is erased from its very first cell, which
 * would keep a copy of the garbled frame there. The first row is erased on its own instead.
 */
const ERASE_SCREEN = "\u001b[H\u001b[2K\u001b[2;1H\u001b[J\u001b[H";
export const SETTLE_MS = 120;

export class SettledTerminal {
  /** Hand this to Ink as its stdout. */
  readonly stdout: NodeJS.WriteStream;
  #real: NodeJS.WriteStream;
  #size: Size;
  /** The narrowest width the terminal had since the frame on screen was drawn. */
  #narrowest: number;
  #timer: NodeJS.Timeout | undefined;
  #renderer: Renderer | null = null;
  #screen: Screen = { redraw() {}, hold() {} };
  #holding = false;
  #redrawing: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #onResize = () => {
    this.#narrowest = Math.min(this.#narrowest, sizeOf(this.#real).columns);
    if (!this.#holding) {
      this.#holding = true;
      this.#screen.hold();
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.redraw(), this.settleMs);
  };

  constructor(
    real: NodeJS.WriteStream,
    readonly settleMs = SETTLE_MS,
  ) {
    this.#real = real;
    this.#size = sizeOf(real);
    this.#narrowest = this.#size.columns;
    this.stdout = settledView(real, () => this.#size);
    real.on("resize", this.#onResize);
  }

  get size(): Size {
    return this.#size;
  }

  /** Once Ink renders into `stdout`: how to hold the screen, and to render it again at a size. */
  attach(renderer: Renderer, screen: Screen): void {
    this.#renderer = renderer;
    this.#screen = screen;
  }

  /**
   * Erases the screen and renders it again at the terminal's current size (a settled resize, or
   * Ctrl-L). `wholeScreen` erases from the top even when the width did not shrink.
   */
  redraw(wholeScreen = false): Promise<void> {
    clearTimeout(this.#timer);
    this.#redrawing = this.#redrawing.then(() => this.#redrawNow(wholeScreen));
    return this.#redrawing;
  }

  async #redrawNow(wholeScreen: boolean): Promise<void> {
    const renderer = this.#renderer;
    if (!renderer || this.#closed) return;
    // Frames already on their way were drawn for the old size; they go out first, then get erased.
    await renderer.waitUntilRenderFlush().catch(() => {});
    if (this.#closed) return;
    const next = sizeOf(this.#real);
    const reflowed = this.#narrowest < this.#size.columns;
    if (wholeScreen || reflowed) this.#real.write(ERASE_SCREEN);
    // Erases the frame's rows upwards from the cursor (nothing left to erase after the above) and
    // makes Ink forget it, so the next frame is written whole.
    renderer.clear();
    this.#size = next;
    this.#narrowest = next.columns;
    this.#holding = false;
    this.#screen.redraw(next);
  }

  /**
   * Asks the terminal to put `text` on the clipboard (OSC 52, as xterm defines it). Terminals
   * that do not support it ignore the sequence; tmux takes it with `set-clipboard on`.
   */
  copy(text: string): boolean {
    if (this.#closed) return false;
    this.#real.write(`\u001b]52;c;${Buffer.from(text, "utf8").toString("base64")}\u0007`);
    return true;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#real.off("resize", this.#onResize);
  }
}

function sizeOf(stream: NodeJS.WriteStream): Size {
  return { columns: stream.columns || 80, rows: stream.rows || 24 };
}

/**
 * `real`, except that its size is `size()` and nobody can listen to its resizes: Ink's own
 * resize handling never runs, the redraw above stands in for it.
 */
function settledView(real: NodeJS.WriteStream, size: () => Size): NodeJS.WriteStream {
  const resizes = new EventEmitter();
  const subscribe = new Set<PropertyKey>([
    "on",
    "addListener",
    "once",
    "prependListener",
    "prependOnceListener",
  ]);
  const unsubscribe = new Set<PropertyKey>(["off", "removeListener"]);
  const view: NodeJS.WriteStream = new Proxy(real, {
    get(target, key) {
      if (key === "columns") return size().columns;
      if (key === "rows") return size().rows;
      if (subscribe.has(key) || unsubscribe.has(key)) {
        return (event: string | symbol, listener: (...args: unknown[]) => void) => {
          // Resize listeners go to an emitter nobody emits on.
          const emitter = event === "resize" ? resizes : target;
          (emitter[key as "on"] as (e: string | symbol, l: (...args: unknown[]) => void) => unknown).call(
            emitter,
            event,
            listener,
          );
          return view;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return view;
}
