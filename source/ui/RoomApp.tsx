// The facilitator's live room: rows from the room session, redrawn when the room changes (at most
// once per 50 ms) and every 2 s for the time on each stage; keys scroll, filter and quit.

import { type Key, useInput, useStdout } from "ink";
import { useEffect, useMemo, useRef, useState } from "react";
import type { RoomState } from "../model/room.ts";
import { type RoomReport, RoomRows } from "../print/roomRows.ts";
import { STAGE_IDS } from "../tutorial/lessons.ts";
import { LineView } from "./components/LineView.tsx";
import { ThemeContext } from "./context.ts";
import type { Theme } from "./theme.ts";
import { roomView, type StageFilter } from "./view/room.ts";

/** What the screen needs from a room session (RoomSession has it; tests pass a scripted one). */
export interface RoomPort {
  state(): RoomState;
  /** `cluster`: something but samples changed, worth a frame at once. */
  subscribe(listener: (cluster: boolean) => void): () => void;
}

export interface RoomAppProps {
  /** Null while the cluster is being reached. */
  room: RoomPort | null;
  bootText: string;
  theme: Theme;
  filter: StageFilter;
  sampleEveryMs: number;
  onExit: (code: number) => void;
  size?: { columns: number; rows: number };
  /** Least time between two frames of changes, between frames of samples alone, and the clock of the time column. */
  intervalMs?: number;
  samplesIntervalMs?: number;
  clockMs?: number;
}

const FILTERS: StageFilter[] = [undefined, ...STAGE_IDS, "done"];

export function RoomApp(props: RoomAppProps) {
  const { room, theme, onExit } = props;
  const report = useRoomReport(
    room,
    props.intervalMs ?? 50,
    props.samplesIntervalMs ?? 2_000,
    props.clockMs ?? 2_000,
  );
  const size = useTerminalSize(props.size);
  const [filter, setFilter] = useState<StageFilter>(props.filter);
  const [offset, setOffset] = useState(0);
  const view = useMemo(
    () =>
      roomView({
        report,
        bootText: props.bootText,
        filter,
        offset,
        size,
        theme,
        sampleEveryMs: props.sampleEveryMs,
      }),
    [report, props.bootText, filter, offset, size, theme, props.sampleEveryMs],
  );
  const latest = useRef(view);
  latest.current = view;

  const onKey = (input: string, key: Key) => {
    const { visibleRows, totalRows } = latest.current;
    const last = Math.max(0, totalRows - visibleRows);
    const scroll = (by: number) => setOffset((o) => Math.max(0, Math.min(last, o + by)));
    if (input === "q") return onExit(0);
    if (key.ctrl && input === "c") return onExit(130);
    if (key.upArrow || input === "k") return scroll(-1);
    if (key.downArrow || input === "j") return scroll(1);
    if (key.pageUp) return scroll(-visibleRows);
    if (key.pageDown || input === " ") return scroll(visibleRows);
    if (input === "f") {
      setOffset(0);
      setFilter((f) => FILTERS[(FILTERS.indexOf(f) + 1) % FILTERS.length]);
    }
  };

  useInput((input, key) => {
    // Keys typed faster than a read arrive as one string ("ff"): each is a key.
    for (const char of !key.ctrl && !key.meta && input.length > 1 ? [...input] : [input]) onKey(char, key);
  });

  return (
    <ThemeContext value={theme}>
      {view.lines.map((line, i) => (
        <LineView key={view.keys[i]} line={line} />
      ))}
    </ThemeContext>
  );
}

/**
 * The room's report: a change to the cluster at most once per `intervalMs` (the first after a
 * quiet spell at once), samples alone and the clock of the time column at most once per
 * `samplesIntervalMs`, as the tour's feed does: drawing is most of what an open room costs.
 */
function useRoomReport(
  room: RoomPort | null,
  intervalMs: number,
  samplesIntervalMs: number,
  clockMs: number,
): RoomReport | null {
  const [rows] = useState(() => new RoomRows());
  const [report, setReport] = useState<RoomReport | null>(() => (room ? rows.report(room.state()) : null));
  useEffect(() => {
    if (!room) return;
    let timer: NodeJS.Timeout | undefined;
    let timerUrgent = false;
    let last = Number.NEGATIVE_INFINITY;
    const flush = () => {
      timer = undefined;
      timerUrgent = false;
      last = Date.now();
      setReport(rows.report(room.state()));
    };
    const offer = (urgent: boolean) => {
      // A cluster change arriving while only samples wait moves the frame earlier.
      if (timer && (timerUrgent || !urgent)) return;
      clearTimeout(timer);
      timerUrgent = urgent;
      const wait = last + (urgent ? intervalMs : samplesIntervalMs) - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    };
    flush();
    const unsubscribe = room.subscribe(offer);
    const clock = setInterval(() => offer(false), clockMs);
    clock.unref();
    return () => {
      unsubscribe();
      clearTimeout(timer);
      clearInterval(clock);
    };
  }, [room, rows, intervalMs, samplesIntervalMs, clockMs]);
  return report;
}

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const stdout = useStdout().stdout as NodeJS.WriteStream;
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    if (fixed) return;
    let timer: NodeJS.Timeout | undefined;
    const onResize = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setSize(sizeOf(stdout)), 100);
    };
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
      clearTimeout(timer);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

const sizeOf = (stdout: NodeJS.WriteStream) => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
