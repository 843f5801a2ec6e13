// The container: owns the UI state (a reducer), reads the cluster state from the session through
// the batching feed, turns both into the screen's view, and maps keys to actions. Everything
// below it is presentational.

import { type Key, useInput, useStdout } from "ink";
import { useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from "react";
import type { Snapshot } from "../model/snapshot.ts";
import type { InjectMethod, StageId } from "../tutorial/stage.ts";
import { STAGES, type StageResult, stageChecks } from "../tutorial/stages.ts";
import { Screen } from "./components/Screen.tsx";
import {
  type InjectChoice,
  ThemeContext,
  type TourActions,
  TourActionsContext,
  type TourState,
  TourStateContext,
} from "./context.ts";
import { type FeedOptions, type FeedState, SnapshotFeed, type SnapshotSource } from "./feed.ts";
import type { Theme } from "./theme.ts";
import { initialUiState, type UiState, uiReducer } from "./uiState.ts";
import { tourView, yamlLength } from "./view.ts";

/** What the UI needs from a tour session (TourSession has it; tests pass a fake). */
export interface TourPort extends SnapshotSource {
  runStage(id: StageId, inject?: InjectMethod): Promise<void>;
  restartWithoutSidecar(): Promise<string[]>;
  burst(count: number): Promise<void>;
  manifestText(file: string): string;
}

/** What happens outside React that the screen reports: kubectl-style lines, watch trouble. */
export type TourEvent = { kind: "line"; text: string } | { kind: "problem"; text: string };

export interface TourEvents {
  subscribe(listener: (event: TourEvent) => void): () => void;
}

export interface TourAppProps {
  /** Null while the cluster (or the sandbox) is being reached. */
  session: TourPort | null;
  bootText: string;
  events: TourEvents;
  theme: Theme;
  window: number;
  rate: number;
  hasIstioctl: boolean;
  onExit: (code: number) => void;
  /** Fixed terminal size (tests); otherwise stdout's, following resizes. */
  size?: { columns: number; rows: number };
  feedOptions?: FeedOptions;
}

const BURST = 100;
const RESIZE_DEBOUNCE_MS = 100;
const noSubscribe = () => () => {};
const noFeed = () => null;

export function TourApp(props: TourAppProps) {
  const { session, theme, events, onExit } = props;
  const [ui, dispatch] = useReducer(uiReducer, undefined, () => initialUiState());
  // Fixed for the life of the screen: a new feed would drop what it batched.
  const [feedOptions] = useState(props.feedOptions);
  const feed = useMemo(
    () => (session ? new SnapshotFeed(session, feedOptions) : null),
    [session, feedOptions],
  );
  useEffect(() => () => feed?.close(), [feed]);
  const fed: FeedState | null = useSyncExternalStore(feed?.subscribe ?? noSubscribe, feed?.get ?? noFeed);
  const snapshot = fed?.snapshot ?? null;
  const checks = useMemo(() => (snapshot ? stageChecks(snapshot) : null), [snapshot]);
  const size = useTerminalSize(props.size);
  const injectChoices = useMemo(() => choicesFor(snapshot, props.hasIstioctl), [snapshot, props.hasIstioctl]);
  const manifestText = useMemo(
    () => (session ? (file: string) => session.manifestText(file) : undefined),
    [session],
  );

  const view = useMemo(
    () =>
      tourView({
        snapshot,
        configChangedAt: fed?.configChangedAt ?? 0,
        checks,
        ui,
        size,
        theme,
        window: props.window,
        rate: props.rate,
        boot: { state: session ? "ready" : "starting", text: props.bootText },
        manifestText,
      }),
    [snapshot, fed, checks, ui, size, theme, props.window, props.rate, props.bootText, session, manifestText],
  );

  // Actions read the latest state through a ref, so their identities never change.
  const latest = useRef({ ui, snapshot, checks, injectChoices, view });
  latest.current = { ui, snapshot, checks, injectChoices, view };
  const bursting = useRef(false);
  // Set as a run starts, before React has re-rendered: a second key in the same read sees it.
  const applying = useRef<StageId | null>(null);

  useEffect(
    () =>
      events.subscribe((event) => {
        if (event.kind === "line") dispatch({ type: "log", lines: [`    ${event.text}`], tone: "dim" });
        else dispatch({ type: "message", text: event.text, tone: "warn" });
      }),
    [events],
  );

  // The cursor follows the tour (the first stage not done) until someone moves it.
  useEffect(() => {
    const next = checks?.find((r) => r.check.state !== "done");
    if (next) dispatch({ type: "follow", id: next.stage.id });
  }, [checks]);

  // Stages can get done without being run (verify, once the page answers 200; anything a person
  // does with kubectl meanwhile): the log records those too, once, as they happen.
  const before = useRef<StageResult[] | null>(null);
  useEffect(() => {
    const previous = before.current;
    before.current = checks;
    if (!previous || !checks) return;
    checks.forEach((result, index) => {
      const was = previous[index]?.check.state;
      if (
        result.check.state !== "done" ||
        was === "done" ||
        latest.current.ui.running?.id === result.stage.id
      )
        return;
      dispatch({
        type: "log",
        lines: [`${theme.glyphs.marks.done} Stage ${index + 1} done: ${result.check.detail}`],
        tone: "ok",
      });
    });
  }, [checks, theme]);

  // A stage the tour ran is over when its check, read from the cluster, says done.
  useEffect(() => {
    const running = ui.running;
    if (running?.phase !== "waiting" || !checks) return;
    const index = STAGES.findIndex((s) => s.id === running.id);
    const result = checks[index];
    if (result?.check.state !== "done") return;
    dispatch({ type: "settled", id: running.id });
    dispatch({
      type: "log",
      lines: [`${theme.glyphs.marks.done} Stage ${index + 1} done: ${result.check.detail}`],
      tone: "ok",
    });
    const next = checks.find((r) => r.check.state !== "done");
    dispatch({
      type: "message",
      text: next
        ? `Stage ${index + 1} done: ${result.check.detail}. n runs stage ${STAGES.indexOf(next.stage) + 1}: ${next.stage.title}.`
        : `Stage ${index + 1} done: ${result.check.detail}. All five stages are done.`,
      tone: "ok",
    });
  }, [checks, ui.running, theme]);

  const actions = useMemo<TourActions>(() => {
    const say = (text: string, tone: "plain" | "ok" | "bad" | "warn" | "accent" = "plain") =>
      dispatch({ type: "message", text, tone });
    const run = (id: StageId, inject?: InjectMethod) => {
      const { ui, snapshot, injectChoices } = latest.current;
      if (!session || !snapshot) return say("Still connecting to the cluster.", "warn");
      if (!snapshot.istio.installed) {
        return say(
          snapshot.istio.detecting
            ? "Still finding out whether Istio is installed; try again in a moment."
            : "Istio is not installed on this cluster: install it first (istioctl install --set profile=demo -y).",
          "bad",
        );
      }
      if (stillApplying(ui, latest.current.checks, applying.current))
        return say(`Still applying stage ${applying.current ?? ui.running?.id}.`, "warn");
      if (id === "inject" && inject === undefined && injectChoices.length > 1) {
        return dispatch({ type: "choose", open: true });
      }
      const method = id === "inject" ? (inject ?? "label") : id === "deploy" ? ui.inject : undefined;
      const index = STAGES.findIndex((s) => s.id === id);
      dispatch({ type: "applying", id, inject: id === "inject" ? method : undefined });
      dispatch({
        type: "log",
        lines: [`${theme.glyphs.pointer} Stage ${index + 1}: ${STAGES[index]!.title}`],
        tone: "accent",
      });
      applying.current = id;
      session.runStage(id, method).then(
        () => {
          if (applying.current === id) applying.current = null;
          dispatch({ type: "applied", id });
          // These stages are judged by samples; a few at once settle them without waiting.
          if (id === "verify" || id === "route-v1") void session.burst(10).catch(() => {});
        },
        (error: unknown) => {
          if (applying.current === id) applying.current = null;
          const message = (error as Error)?.message ?? String(error);
          dispatch({ type: "applyFailed", id, message });
          dispatch({
            type: "log",
            lines: [`${theme.glyphs.marks.failed} Stage ${index + 1} failed: ${message}`],
            tone: "bad",
          });
        },
      );
    };
    return {
      run,
      runNext() {
        const { checks, ui } = latest.current;
        if (!checks) return say("Still connecting to the cluster.", "warn");
        if (stillApplying(ui, checks, applying.current))
          return say(`Still applying stage ${applying.current ?? ui.running?.id}.`, "warn");
        // The stage under way is not pending: n moves on, as when pods are still starting (or,
        // injecting with istioctl, when there is nothing to inject until deploy applies it).
        const next = checks.find((r) => r.check.state !== "done" && r.stage.id !== ui.running?.id);
        if (next) return run(next.stage.id);
        const current = checks.find((r) => r.check.state !== "done");
        if (current)
          return say(`Stage ${current.stage.id} is still under way: ${current.check.detail}`, "warn");
        say("All five stages are done. s sends 100 requests; q quits.", "ok");
      },
      restart() {
        if (!session) return;
        say("Restarting the deployments whose pods have no sidecar…", "accent");
        session.restartWithoutSidecar().then(
          (lines) =>
            say(
              lines.length === 0
                ? "Nothing to restart: every Bookinfo pod has its sidecar or is already being replaced."
                : `Restarted ${lines.length} deployment${lines.length === 1 ? "" : "s"}; the new pods start with the sidecar.`,
              lines.length === 0 ? "plain" : "ok",
            ),
          (error: unknown) => say(`Restart failed: ${(error as Error)?.message ?? error}`, "bad"),
        );
      },
      burst() {
        const { snapshot } = latest.current;
        if (!session || !snapshot?.gateway)
          return say("No GATEWAY_URL yet: nothing to send requests to.", "warn");
        if (bursting.current) return say("Still sending the last 100 requests.", "warn");
        bursting.current = true;
        say(`Sending ${BURST} requests to ${snapshot.gateway.url}/productpage…`, "accent");
        session
          .burst(BURST)
          .then(
            () => {
              feed?.flushNow();
              say(`Sent ${BURST} requests; the samples panel shows the latest ${props.window}.`, "ok");
            },
            (error: unknown) => say(`Sampling failed: ${(error as Error)?.message ?? error}`, "bad"),
          )
          .finally(() => {
            bursting.current = false;
          });
      },
      cancelChoice: () => dispatch({ type: "choose", open: false }),
      quit: onExit,
    };
  }, [session, feed, theme, onExit, props.window]);

  const onKey = (input: string, key: Key) => {
    const { ui, view } = latest.current;
    if (ui.choosing) {
      if (key.escape) actions.cancelChoice();
      return; // the choice list takes every other key
    }
    if (key.escape) dispatch({ type: "close" });
    else if (key.upArrow || input === "k") dispatch({ type: "move", by: -1 });
    else if (key.downArrow || input === "j") dispatch({ type: "move", by: 1 });
    else if (key.return || input === "\r") actions.run(ui.selected);
    else if (input === "n") actions.runNext();
    else if (input === "r") actions.restart();
    else if (input === "s") actions.burst();
    else if (input === "y") dispatch({ type: "toggle", panel: "yaml" });
    else if (input === "?") dispatch({ type: "toggle", panel: "help" });
    else if (ui.panel === "yaml" && (key.pageDown || key.pageUp || input === " ")) {
      const page = Math.max(1, view.layout.detailLines - 2);
      const max = yamlLength(ui.selected, manifestText) - (view.layout.detailLines - 1);
      dispatch({ type: "scroll", by: key.pageUp ? -page : page, max });
    }
  };

  useInput((input, key) => {
    if (key.ctrl && input === "c") return actions.quit(130);
    // Keys typed faster than a read arrive as one string ("nq"): each is a key, and q wins.
    const typed = !key.ctrl && !key.meta && input.length > 1 ? [...input] : [input];
    if (typed.includes("q")) return actions.quit(0);
    for (const char of typed) onKey(char, key);
  });

  const state = useMemo<TourState>(() => ({ view, ui, injectChoices }), [view, ui, injectChoices]);
  return (
    <ThemeContext value={theme}>
      <TourActionsContext value={actions}>
        <TourStateContext value={state}>
          <Screen />
        </TourStateContext>
      </TourActionsContext>
    </ThemeContext>
  );
}

/**
 * Whether a stage's changes are still being sent. One whose check already says done is over
 * for the person, even if the last answer from the API server is a moment behind the watch.
 */
function stillApplying(ui: UiState, checks: StageResult[] | null, starting: StageId | null): boolean {
  const id = starting ?? (ui.running?.phase === "applying" ? ui.running.id : null);
  if (!id) return false;
  return checks?.find((r) => r.stage.id === id)?.check.state !== "done";
}

/** The inject methods this machine and cluster offer: istioctl only on PATH, ambient only with ztunnel. */
export function choicesFor(snapshot: Snapshot | null, hasIstioctl: boolean): InjectChoice[] {
  const choices: InjectChoice[] = [
    { method: "label", label: "Label the namespace (istio-injection=enabled): Istio injects every new pod" },
  ];
  if (hasIstioctl) {
    choices.push({
      method: "istioctl",
      label: "istioctl kube-inject: write the sidecar into the manifests yourself",
    });
  }
  if (snapshot?.istio.ambient) {
    choices.push({
      method: "ambient",
      label: "Ambient mode (istio.io/dataplane-mode=ambient): no sidecar at all",
    });
  }
  return choices;
}

/** stdout's size, following resizes once they settle, so a drag redraws once, not per step. */
function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    if (fixed) return;
    let timer: NodeJS.Timeout | undefined;
    const onResize = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setSize(sizeOf(stdout)), RESIZE_DEBOUNCE_MS);
    };
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
      clearTimeout(timer);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

function sizeOf(stdout: NodeJS.WritableStream): { columns: number; rows: number } {
  const tty = stdout as NodeJS.WriteStream;
  return { columns: tty.columns || 80, rows: tty.rows || 24 };
}
