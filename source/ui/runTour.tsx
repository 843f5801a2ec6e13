// The interactive tour's lifecycle: the first frame goes out before anything slow (starting the
// sandbox, reaching the cluster), the session is handed to the screen once it is open, and
// quitting at any moment (q, Ctrl-C, a signal, even mid-apply or mid-start) unmounts Ink, which
// restores the terminal, then stops the watches, the sampler and whatever the opener started.

import { render } from "ink";
import type { StageParameters } from "../tutorial/stage.ts";
import { TourApp, type TourEvent, type TourEvents, type TourPort } from "./TourApp.tsx";
import { SettledTerminal } from "./terminal.ts";
import { makeTheme } from "./theme.ts";

export interface OpenHooks {
  /** A line of what the tour changed, in kubectl's words. */
  onLine(text: string): void;
  /** Something the person should know that is not a stage's outcome (a watch being retried). */
  onProblem(text: string): void;
  /** What start-up is doing now, for the first frames. */
  progress(text: string): void;
}

export interface OpenTour {
  session: TourPort;
  /** Stops the session and anything started for it (the sandbox); never throws. */
  close(): Promise<void>;
}

export interface InteractiveOptions {
  open(hooks: OpenHooks): Promise<OpenTour>;
  bootText: string;
  ascii: boolean;
  color: boolean;
  window: number;
  rate: number;
  hasIstioctl: boolean;
  parameters?: StageParameters;
  takeOver?: boolean;
}

/** Exit codes of the ways out: q is a normal end; Ctrl-C and signals are interruptions. */
const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

class Emitter implements TourEvents {
  #listeners = new Set<(event: TourEvent) => void>();
  // Lines that come before the screen subscribes (start-up) are kept for it.
  #backlog: TourEvent[] = [];

  emit(event: TourEvent): void {
    if (this.#listeners.size === 0) this.#backlog.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  subscribe(listener: (event: TourEvent) => void): () => void {
    this.#listeners.add(listener);
    for (const event of this.#backlog.splice(0)) listener(event);
    return () => this.#listeners.delete(listener);
  }
}

export async function runInteractiveTour(options: InteractiveOptions): Promise<number> {
  const theme = makeTheme({ ascii: options.ascii, color: options.color });
  const events = new Emitter();
  let finish: (code: number) => void = () => {};
  let over = false;
  const finished = new Promise<number>((resolve) => {
    finish = (code) => {
      over = true;
      resolve(code);
    };
  });
  const signals = Object.keys(SIGNAL_CODES) as NodeJS.Signals[];
  const onSignal = (signal: NodeJS.Signals) => finish(SIGNAL_CODES[signal] ?? 130);
  for (const signal of signals) process.on(signal, onSignal);

  let session: TourPort | null = null;
  let bootText = options.bootText;
  // Resizes reach the screen once they settle, as one clean redraw (see terminal.ts).
  const terminal = new SettledTerminal(process.stdout);
  const redraw = () => void terminal.redraw(true);
  let hold = false;
  const app = () => (
    <TourApp
      session={session}
      bootText={bootText}
      events={events}
      theme={theme}
      window={options.window}
      rate={options.rate}
      hasIstioctl={options.hasIstioctl}
      onExit={finish}
      {...(options.parameters ? { parameters: options.parameters } : {})}
      {...(options.takeOver ? { takeOver: true } : {})}
      size={terminal.size}
      hold={hold}
      onRedraw={redraw}
      onCopy={(text) => terminal.copy(text)}
    />
  );
  const instance = render(app(), {
    stdout: terminal.stdout,
    // Ctrl-C is a key like q here, so the session is stopped before the process ends.
    exitOnCtrlC: false,
    // Watch events are batched by the feed already; this caps the rest (samples, typing).
    maxFps: 20,
    incrementalRendering: true,
    // Whether this is a terminal was decided by the caller; Ink's own CI sniffing must not differ.
    interactive: true,
  });
  terminal.attach(instance, {
    hold() {
      hold = true;
      if (!over) instance.rerender(app());
    },
    redraw() {
      hold = false;
      if (!over) instance.rerender(app());
    },
  });

  const opening = options.open({
    onLine: (text) => events.emit({ kind: "line", text }),
    onProblem: (text) => events.emit({ kind: "problem", text }),
    progress: (text) => {
      bootText = text;
      // Rendering into an unmounted instance would mount it again, stdin and all.
      if (!session && !over) instance.rerender(app());
    },
  });
  let opened: OpenTour | undefined;
  try {
    const first = await Promise.race([
      opening.then((tour) => ({ tour })),
      finished.then((code) => ({ code })),
    ]);
    if ("code" in first) {
      // Quit while starting: the terminal comes back now; what was being started is stopped.
      instance.unmount();
      await opening.then((tour) => tour.close()).catch(() => {});
      return first.code;
    }
    opened = first.tour;
    session = opened.session;
    instance.rerender(app());
    return await finished;
  } catch (error) {
    // Reaching the cluster failed: no half-drawn dashboard stays behind the error line.
    instance.clear();
    throw error;
  } finally {
    terminal.close();
    instance.unmount();
    await instance.waitUntilExit().catch(() => {});
    for (const signal of signals) process.off(signal, onSignal);
    await opened?.close();
  }
}
