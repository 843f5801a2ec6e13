// The facilitator's live view, from the first frame (drawn before the cluster answers) to a quit
// that restores the terminal and then stops the watches and the sampler.

import { render } from "ink";
import { RoomApp, type RoomPort } from "./RoomApp.tsx";
import { makeTheme } from "./theme.ts";
import type { StageFilter } from "./view/room.ts";

export interface InteractiveRoomOptions {
  open(): Promise<{ room: RoomPort; close(): Promise<void> }>;
  bootText: string;
  ascii: boolean;
  color: boolean;
  filter: StageFilter;
  sampleEveryMs: number;
}

const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export async function runInteractiveRoom(options: InteractiveRoomOptions): Promise<number> {
  const theme = makeTheme({ ascii: options.ascii, color: options.color });
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const signals = Object.keys(SIGNAL_CODES) as NodeJS.Signals[];
  const onSignal = (signal: NodeJS.Signals) => finish(SIGNAL_CODES[signal] ?? 130);
  for (const signal of signals) process.on(signal, onSignal);

  let room: RoomPort | null = null;
  const app = () => (
    <RoomApp
      room={room}
      bootText={options.bootText}
      theme={theme}
      filter={options.filter}
      sampleEveryMs={options.sampleEveryMs}
      onExit={finish}
    />
  );
  const instance = render(app(), {
    exitOnCtrlC: false,
    maxFps: 20,
    incrementalRendering: true,
    interactive: true,
  });
  const opening = options.open();
  let opened: { room: RoomPort; close(): Promise<void> } | undefined;
  try {
    const first = await Promise.race([opening.then((o) => ({ o })), finished.then((code) => ({ code }))]);
    if ("code" in first) {
      instance.unmount();
      await opening.then((o) => o.close()).catch(() => {});
      return first.code;
    }
    opened = first.o;
    room = opened.room;
    instance.rerender(app());
    return await finished;
  } catch (error) {
    instance.clear();
    throw error;
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => {});
    for (const signal of signals) process.off(signal, onSignal);
    await opened?.close();
  }
}
