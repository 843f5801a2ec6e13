// Helpers for the UI's component tests: tour states built from the stage fixtures, a fake
// session the screen can drive, and waits that poll for a frame instead of sleeping (React 19
// commits asynchronously, so a key's effect shows a few ticks later).

import type { render } from "ink-testing-library";
import type { ReactElement } from "react";
import { analyze } from "../../source/analysis/analyze.ts";
import type { SidecarRestart } from "../../source/engine/tourSession.ts";
import type { KubeObject } from "../../source/model/kube.ts";
import type { Snapshot } from "../../source/model/snapshot.ts";
import type { TourFiles } from "../../source/tutorial/files.ts";
import { stageChecks } from "../../source/tutorial/lessons.ts";
import type { ClusterActions } from "../../source/tutorial/stage.ts";
import { ThemeContext } from "../../source/ui/context.ts";
import type { TourPort } from "../../source/ui/TourApp.tsx";
import { makeTheme, type Theme } from "../../source/ui/theme.ts";
import { initialUiState, type UiState } from "../../source/ui/uiState.ts";
import { type TourView, tourView } from "../../source/ui/view.ts";
import {
  bookinfo,
  failed,
  ingressPod,
  ingressService,
  manifest,
  namespace,
  nodePortGateway,
  ok,
  snapshot,
} from "../unit/tutorial/fixtures.ts";

export type Instance = ReturnType<typeof render>;

const repeat = <T,>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const mix = () => repeat(30, (i) => ok((["v1", "v2", "v3"] as const)[i % 3]));

/** A namespace where nothing has happened: no label, no pods, the gateway refusing. */
export function fresh(overrides: Partial<Snapshot> = {}): Snapshot {
  return snapshot({
    namespaceObject: namespace(),
    ingressPods: [ingressPod()],
    ingressService: ingressService(),
    gateway: nodePortGateway,
    samples: repeat(12, () => failed("refused")),
    ...overrides,
  });
}

/** Labelled and deployed: six pods 2/2 Running and their Services; the gateway still refuses. */
export function deployed(overrides: Partial<Snapshot> = {}): Snapshot {
  return fresh({
    namespaceObject: namespace({ "istio-injection": "enabled" }),
    ...bookinfo(),
    services: manifest("bookinfo.yaml").filter((o) => o.kind === "Service"),
    ...overrides,
  });
}

/** Gateway applied: 200s from all three reviews versions. */
export function exposed(overrides: Partial<Snapshot> = {}): Snapshot {
  const objects = manifest("bookinfo-gateway.yaml");
  return deployed({
    gateways: objects.filter((o) => o.kind === "Gateway"),
    virtualServices: objects.filter((o) => o.kind === "VirtualService"),
    samples: mix(),
    ...overrides,
  });
}

/** Every service routed to v1: the last pages all v1. */
export function routed(overrides: Partial<Snapshot> = {}): Snapshot {
  const gateway = manifest("bookinfo-gateway.yaml");
  return exposed({
    virtualServices: [
      ...gateway.filter((o) => o.kind === "VirtualService"),
      ...manifest("virtual-service-all-v1.yaml"),
    ],
    destinationRules: manifest("destination-rule-all.yaml"),
    samples: repeat(30, () => ok("v1")),
    ...overrides,
  });
}

export interface ViewOptions {
  ui?: Partial<UiState>;
  size?: { columns: number; rows: number };
  theme?: Theme;
  configChangedAt?: number;
  window?: number;
  files?: TourFiles;
}

export function viewOf(snap: Snapshot | null, options: ViewOptions = {}): TourView {
  return tourView({
    snapshot: snap,
    configChangedAt: options.configChangedAt ?? 0,
    checks: snap ? stageChecks(snap) : null,
    findings: snap ? analyze(snap) : [],
    ui: { ...initialUiState(), ...options.ui },
    size: options.size ?? { columns: 100, rows: 40 },
    theme: options.theme ?? makeTheme(),
    window: options.window ?? 100,
    rate: 4,
    boot: { state: snap ? "ready" : "starting", text: "starting the sandbox" },
    manifests: new Map(
      [
        "bookinfo.yaml",
        "bookinfo-gateway.yaml",
        "destination-rule-all.yaml",
        "virtual-service-all-v1.yaml",
      ].map((file) => [file, `# text of ${file}\napiVersion: v1\n`]),
    ),
    ...(options.files ? { files: options.files } : {}),
  });
}

export function themed(element: ReactElement, theme: Theme = makeTheme()): ReactElement {
  return <ThemeContext value={theme}>{element}</ThemeContext>;
}

/** Polls until the last frame satisfies `expected`; fails with the frame it last saw. */
export async function waitForFrame(
  instance: Instance,
  expected: RegExp | ((frame: string) => boolean),
  timeoutMs = 3_000,
): Promise<string> {
  const test = typeof expected === "function" ? expected : (frame: string) => expected.test(frame);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = instance.lastFrame() ?? "";
    if (test(frame)) return frame;
    if (Date.now() > deadline)
      throw new Error(`no frame matched ${expected} within ${timeoutMs} ms; last:\n${frame}`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends keys and waits until the frame shows what they should have done. */
export async function press(
  instance: Instance,
  keys: string,
  expected: RegExp | ((frame: string) => boolean),
): Promise<string> {
  instance.stdin.write(keys);
  return waitForFrame(instance, expected);
}

/** Waits until the app listens to stdin (Ink subscribes in an effect after the first frame). */
export async function ready(instance: Instance): Promise<void> {
  await waitForFrame(instance, (frame) => frame.length > 0);
  const deadline = Date.now() + 2_000;
  while (instance.stdin.listenerCount("readable") === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const KEY = {
  up: "\u001B[A",
  down: "\u001B[B",
  enter: "\r",
  escape: "\u001B",
  ctrlC: "\u0003",
  pageDown: "\u001B[6~",
};

/** A session whose snapshot the test sets, recording what the screen (through the runner) asked of it. */
export class FakeSession implements TourPort {
  calls: unknown[][] = [];
  #snapshot: Snapshot;
  #listeners = new Set<(s: Snapshot) => void>();
  /** What each cluster action does; by default it resolves at once having changed nothing. */
  onAction: (
    name: keyof ClusterActions,
    arg: unknown,
    extra: { takeOver: boolean; edit?: (object: KubeObject) => KubeObject },
  ) => Promise<string[]> = async () => [];
  /** What the restart key finds. */
  restartResult: SidecarRestart = { kind: "restarted", lines: ["deployment.apps/details-v1 restarted"] };

  constructor(snap: Snapshot) {
    this.#snapshot = snap;
  }

  set(snap: Snapshot): void {
    this.#snapshot = snap;
    for (const listener of this.#listeners) listener(snap);
  }

  snapshot(): Snapshot {
    return this.#snapshot;
  }

  subscribe(listener: (s: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  actions(progress: { onApplied: (line: string) => void; takeOver?: boolean }): ClusterActions {
    const takeOver = progress.takeOver === true;
    const act =
      (name: keyof ClusterActions) =>
      async (arg: unknown, edit?: unknown): Promise<string[]> => {
        this.calls.push(takeOver ? [name, arg, "take-over"] : [name, arg]);
        const lines = await this.onAction(name, arg, {
          takeOver,
          ...(typeof edit === "function" ? { edit: edit as (object: KubeObject) => KubeObject } : {}),
        });
        for (const line of lines) progress.onApplied(line);
        return lines;
      };
    return {
      applyManifest: act("applyManifest"),
      labelNamespace: act("labelNamespace"),
      restartDeployments: act("restartDeployments"),
      applyWithIstioctl: act("applyWithIstioctl"),
    };
  }

  async restartForSidecar(): Promise<SidecarRestart> {
    this.calls.push(["restartForSidecar"]);
    return this.restartResult;
  }

  async burst(count: number): Promise<void> {
    this.calls.push(["burst", count]);
  }

  manifestTexts(): ReadonlyMap<string, string> {
    return new Map(
      [
        "bookinfo.yaml",
        "bookinfo-gateway.yaml",
        "destination-rule-all.yaml",
        "virtual-service-all-v1.yaml",
      ].map((file) => [file, `# the text of ${file}\nkind: Gateway\n`]),
    );
  }
}
