// The container: keys, selection and layout. The tour's lifecycle (apply, wait for the check,
// give up, cancel) is the engine's runner; this folds its events into the UI state, reads the
// cluster state from the session through the batching feed, and turns both into the screen's view.
// Everything below it is presentational.

import { type Key, useInput } from "ink";
import { useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from "react";
import { analyze } from "../analysis/analyze.ts";
import { type RunnerPort, TourRunner } from "../engine/runner.ts";
import type { SidecarRestart } from "../engine/tourSession.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { STREAMS } from "../model/streams.ts";
import { NO_TOUR_FILES, type TourFiles } from "../tutorial/files.ts";
import {
  allDone,
  STAGES,
  type StageResult,
  stageById,
  stageChecks,
  stageNumber,
} from "../tutorial/lessons.ts";
import type { StageId, StageParameters } from "../tutorial/stage.ts";
import { Screen } from "./components/Screen.tsx";
import {
  type InjectChoice,
  type RunRequest,
  ThemeContext,
  type TourActions,
  TourActionsContext,
  type TourState,
  TourStateContext,
} from "./context.ts";
import { type FeedOptions, type FeedState, SnapshotFeed } from "./feed.ts";
import { actionFor, CHOICE_BINDINGS, KEY_BINDINGS, type KeyAction } from "./keys.ts";
import type { Theme } from "./theme.ts";
import { initialUiState, uiReducer } from "./uiState.ts";
import { helpScrollMax, tourView } from "./view.ts";

/** What the UI needs from a tour session (TourSession has it; tests pass a scripted one). */
export interface TourPort extends RunnerPort {
  restartForSidecar(): Promise<SidecarRestart>;
  manifestTexts(): ReadonlyMap<string, string>;
  /** Where the tour's files are on disk, for the commands people copy. */
  tourFiles?(): TourFiles;
}

/** What happens outside the runner that the screen reports: start-up lines, watch trouble. */
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
  /** The terminal's size, as runTour settles it after a resize. */
  size: { columns: number; rows: number };
  /**
   * A resize is under way: keep showing what is shown, so the live region writes nothing into a
   * terminal that is re-wrapping (the redraw once it settles replaces it).
   */
  hold?: boolean;
  /** Erase the screen and draw it again (Ctrl-L). */
  onRedraw?: () => void;
  /** Put text on the clipboard through the terminal (c); false when there is no terminal to ask. */
  onCopy?: (text: string) => boolean;
  feedOptions?: FeedOptions;
  /** Choices given as flags (--weights 90/10): the stages they answer run with them, unasked. */
  parameters?: StageParameters;
  /** --take-over: objects the tour did not make are taken over without asking. */
  takeOver?: boolean;
}

const BURST = 100;
const noSubscribe = () => () => {};
const noFeed = () => null;
const NO_MANIFESTS: ReadonlyMap<string, string> = new Map();

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
  const runner = useMemo(() => (session ? new TourRunner(session) : null), [session]);
  // Quitting ends the runner's waits at once; what was applied stays.
  const [cancel] = useState(() => new AbortController());
  useEffect(() => () => cancel.abort(), [cancel]);
  useEffect(() => {
    if (!runner) return;
    const off = runner.on((event) => dispatch({ type: "event", event }));
    const unwatch = runner.watch();
    return () => {
      off();
      unwatch();
    };
  }, [runner]);

  const fed: FeedState | null = useSyncExternalStore(feed?.subscribe ?? noSubscribe, feed?.get ?? noFeed);
  const snapshot = fed?.snapshot ?? null;
  const checks = useMemo(() => (snapshot ? stageChecks(snapshot) : null), [snapshot]);
  const findings = useMemo(() => (snapshot ? analyze(snapshot) : []), [snapshot]);
  const size = props.size;
  const injectChoices = useMemo(() => choicesFor(snapshot, props.hasIstioctl), [snapshot, props.hasIstioctl]);
  const manifests = useMemo(() => session?.manifestTexts() ?? NO_MANIFESTS, [session]);
  const files = useMemo(() => session?.tourFiles?.() ?? NO_TOUR_FILES, [session]);

  const view = useMemo(
    () =>
      tourView({
        snapshot,
        configChangedAt: fed?.configChangedAt ?? 0,
        checks,
        findings,
        ui,
        size,
        theme,
        window: props.window,
        rate: props.rate,
        boot: { state: session ? "ready" : "starting", text: props.bootText },
        manifests,
        files,
      }),
    [
      snapshot,
      fed,
      checks,
      findings,
      ui,
      size,
      theme,
      props.window,
      props.rate,
      props.bootText,
      session,
      manifests,
      files,
    ],
  );

  // Actions read the latest state through a ref, so their identities never change.
  const latest = useRef({ ui, snapshot, checks, injectChoices, view });
  latest.current = { ui, snapshot, checks, injectChoices, view };
  const bursting = useRef(false);

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

  const actions = useMemo<TourActions>(() => {
    const say = (text: string, tone: "plain" | "ok" | "bad" | "warn" | "accent" = "plain") =>
      dispatch({ type: "message", text, tone });
    const run = (id: StageId, request: RunRequest = {}) => {
      const { inject } = request;
      const { ui, snapshot, injectChoices, checks } = latest.current;
      if (!session || !runner || !snapshot) return say("Still connecting to the cluster.", "warn");
      if (!snapshot.istio.installed) {
        return say(
          snapshot.istio.detecting
            ? "Still finding out whether Istio is installed; try again in a moment."
            : "Istio is not installed on this cluster: install it first (istioctl install --set profile=demo -y).",
          "bad",
        );
      }
      const applying = stillApplying(runner, checks);
      if (applying) return say(`Still applying stage ${stageNumber(applying)} (${applying}).`, "warn");
      if (id === "inject" && inject === undefined && injectChoices.length > 1) {
        return dispatch({ type: "choose", choice: { kind: "inject" } });
      }
      const offered = stageById(id).choice;
      const preset = props.parameters && answers(offered, props.parameters) ? props.parameters : undefined;
      if (offered && request.ask && !request.parameters && !preset) {
        return dispatch({ type: "choose", choice: { kind: "stage", stage: id } });
      }
      const parameters = request.parameters ?? preset;
      const method = id === "inject" ? (inject ?? "label") : id === "deploy" ? ui.inject : undefined;
      dispatch({
        type: "requested",
        id,
        inject: id === "inject" ? method : undefined,
        ...(parameters ? { parameters } : {}),
      });
      void runner.run(id, {
        inject: method,
        again: true,
        signal: cancel.signal,
        ...(parameters ? { parameters } : {}),
        ...(request.takeOver || props.takeOver ? { takeOver: true } : {}),
      });
    };
    return {
      run,
      choose(key: string) {
        const { ui } = latest.current;
        const choice = ui.choice;
        if (!choice) return;
        switch (choice.kind) {
          case "inject":
            return run("inject", { inject: key as InjectChoice["method"] });
          case "stage": {
            const option = stageById(choice.stage).choice?.options[Number(key)];
            return run(choice.stage, option ? { parameters: option.parameters } : {});
          }
          case "take-over": {
            if (key !== "replace") {
              dispatch({ type: "choose", choice: null });
              return say(
                `Left ${choice.object} as it is; stage ${stageNumber(choice.stage)} stays undone.`,
                "warn",
              );
            }
            const again = ui.request?.id === choice.stage ? ui.request : { id: choice.stage };
            return run(choice.stage, {
              takeOver: true,
              ...(again.inject ? { inject: again.inject } : {}),
              ...(again.parameters ? { parameters: again.parameters } : {}),
            });
          }
        }
      },
      runNext() {
        const { checks } = latest.current;
        if (!checks || !runner) return say("Still connecting to the cluster.", "warn");
        const applying = stillApplying(runner, checks);
        if (applying) return say(`Still applying stage ${stageNumber(applying)} (${applying}).`, "warn");
        // The stage under way is not pending: n moves on, as when pods are still starting (or,
        // injecting with istioctl, when there is nothing to inject until deploy applies it).
        const running = runner.running?.stage;
        const next = checks.find((r) => r.check.state !== "done" && r.stage.id !== running);
        if (next) return run(next.stage.id);
        const current = checks.find((r) => r.check.state !== "done");
        if (current)
          return say(`Stage ${current.stage.id} is still under way: ${current.check.detail}`, "warn");
        say(`${allDone(STAGES.length)}. s sends ${BURST} requests; q quits.`, "ok");
      },
      restart() {
        if (!session) return;
        say("Restarting the deployments whose pods have no sidecar…", "accent");
        session.restartForSidecar().then(
          (result) => {
            if (result.kind === "nothing")
              return say(
                "Nothing to restart: every Bookinfo pod has its sidecar or is already being replaced.",
              );
            if (result.kind === "not-labelled")
              return say(
                `Not restarted: namespace ${result.namespace} is not labelled for injection, so new pods would start without the sidecar too. Press n to label it and restart them.`,
                "warn",
              );
            for (const line of result.lines) dispatch({ type: "log", lines: [`    ${line}`], tone: "dim" });
            const n = result.lines.length;
            say(`Restarted ${n} deployment${n === 1 ? "" : "s"}; the new pods start with the sidecar.`, "ok");
          },
          (error: unknown) => say(`Restart failed: ${(error as Error)?.message ?? error}`, "bad"),
        );
      },
      burst() {
        const { snapshot } = latest.current;
        if (!session || !snapshot?.gateway)
          return say("No GATEWAY_URL yet: nothing to send requests to.", "warn");
        if (bursting.current) return say(`Still sending the last ${BURST} requests.`, "warn");
        bursting.current = true;
        say(`Sending ${BURST} requests per stream to ${snapshot.gateway.url}/productpage…`, "accent");
        session
          .burst(BURST, [...STREAMS])
          .then(
            () => {
              feed?.flushNow();
              say(
                `Sent ${BURST} requests per stream; the samples panel shows the latest ${props.window} of each.`,
                "ok",
              );
            },
            (error: unknown) => say(`Sampling failed: ${(error as Error)?.message ?? error}`, "bad"),
          )
          .finally(() => {
            bursting.current = false;
          });
      },
      cancelChoice: () => dispatch({ type: "choose", choice: null }),
      quit(code: number) {
        cancel.abort();
        onExit(code);
      },
    };
  }, [session, runner, feed, onExit, props.window, props.parameters, props.takeOver, cancel]);

  const perform = (action: KeyAction) => {
    const { ui, view } = latest.current;
    switch (action.do) {
      case "move":
        return dispatch({ type: "move", by: action.by });
      case "run-selected":
        return actions.run(ui.selected, { ask: true });
      case "run-next":
        return actions.runNext();
      case "restart":
        return actions.restart();
      case "burst":
        return actions.burst();
      case "yaml":
        return dispatch({ type: "toggle", panel: "yaml" });
      case "help":
        return dispatch({ type: "toggle", panel: "help" });
      case "redraw":
        return props.onRedraw?.();
      case "close":
        return dispatch({ type: "close" });
      case "quit":
        return actions.quit(action.code);
      case "scroll": {
        if (ui.panel === "help") {
          const max = helpScrollMax(view.layout.detailLines);
          return dispatch({
            type: "scroll",
            by: action.page * Math.max(1, view.layout.detailLines - 2),
            max,
          });
        }
        if (ui.panel !== "yaml" || !view.yaml) return;
        const page = Math.max(1, view.layout.detailLines - 2);
        const max = view.yaml.lines - (view.layout.detailLines - 1);
        return dispatch({ type: "scroll", by: action.page * page, max });
      }
      case "shift": {
        if (ui.panel !== "yaml" || !view.yaml) return;
        const step = Math.max(1, Math.floor(view.layout.width / 2));
        const max = view.yaml.widest - view.layout.width + 1;
        return dispatch({ type: "shift", by: action.by * step, max });
      }
      case "copy":
        return copyCommands();
    }
  };

  const copyCommands = () => {
    const { view, ui } = latest.current;
    const number = stageNumber(ui.selected);
    const say = (text: string, tone: "ok" | "warn") => dispatch({ type: "message", text, tone });
    if (view.commands.length === 0) return say(`Stage ${number} has no commands to copy yet.`, "warn");
    const n = `${view.commands.length} command${view.commands.length === 1 ? "" : "s"}`;
    if (!props.onCopy?.(`${view.commands.join("\n")}\n`))
      return say("There is no terminal to copy through.", "warn");
    say(`Copied ${n} (OSC 52; in tmux: set -s set-clipboard on).`, "ok");
  };

  const onKey = (input: string, key: Key) => {
    if (latest.current.ui.choosing) {
      // The choice list takes every other key.
      const action = actionFor(CHOICE_BINDINGS, input, key);
      if (action?.do === "close") actions.cancelChoice();
      else if (action?.do === "quit") actions.quit(action.code);
      return;
    }
    const action = actionFor(KEY_BINDINGS, input, key);
    if (action) return perform(action);
    // A letter that does nothing says so, rather than leave someone guessing.
    if (/^[\x21-\x7e]$/.test(input) && !key.ctrl && !key.meta) {
      dispatch({
        type: "message",
        text: `${input} is not one of the tour's keys; ? lists them.`,
        tone: "warn",
      });
    }
  };

  useInput((input, key) => {
    // Keys typed faster than a read arrive as one string ("nq"): each is a key, and q wins.
    const typed = !key.ctrl && !key.meta && input.length > 1 ? [...input] : [input];
    if (typed.length > 1 && typed.includes("q")) return actions.quit(0);
    for (const char of typed) onKey(char, key);
  });

  const live = useMemo<TourState>(() => ({ view, ui, injectChoices }), [view, ui, injectChoices]);
  const held = useRef(live);
  if (!props.hold) held.current = live;
  // Finished lines are never held back: <Static> counts what it was given, and Ink may not have
  // written a line yet that it already counted.
  const state = useMemo<TourState>(
    () =>
      props.hold && held.current !== live
        ? { ...held.current, ui: { ...held.current.ui, log: ui.log } }
        : live,
    [props.hold, live, ui.log],
  );
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

/** Whether the parameters answer the stage's choice (a --weights for the canary). */
function answers(offered: ReturnType<typeof stageById>["choice"], parameters: StageParameters): boolean {
  if (!offered) return false;
  const keys = new Set(offered.options.flatMap((option) => Object.keys(option.parameters)));
  return Object.keys(parameters).some((key) => keys.has(key));
}

/**
 * The stage whose changes are still being sent, if any. One whose check already says done is over
 * for the person, even if the last answer from the API server is a moment behind the watch.
 */
function stillApplying(runner: TourRunner, checks: StageResult[] | null): StageId | null {
  const running = runner.running;
  if (running?.phase !== "applying") return null;
  return checks?.find((r) => r.stage.id === running.stage)?.check.state === "done" ? null : running.stage;
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
