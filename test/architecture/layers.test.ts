import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkLayers, formatViolation, layerReport, RULES, type Violation } from "./rules.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("the layer rules", () => {
  test("hold on the project's own tree", () => {
    const violations = checkLayers(projectRoot);
    assert.equal(violations.length, 0, `the layer rules are broken:\n${layerReport(violations)}`);
  });
});

// A tree with a violation planted for every rule, in every form an import can take. A line that
// must be reported ends with `// breaks: <rule>[, <rule>]`; every other line must pass, so the
// allowed cases (ui importing Ink, the composition root's lazy import, the sandbox's own
// dependencies) guard against rules that report too much.
const PLANTED: Record<string, string> = {
  "packages/sandbox/package.json": JSON.stringify({
    name: "@kubectl-bookinfo/sandbox",
    dependencies: { ws: "^8.0.0" },
  }),

  // Allowed.
  "source/ui/App.tsx": `import { Box } from "ink";
import SelectInput from "ink-select-input";
import { useState } from "react";
import { podRow } from "../model/podRow.ts";
export const App = () => <Box>{String(useState(0)[0])}{String(SelectInput)}{String(podRow)}</Box>;
`,
  "source/cluster/connect.ts": `import type { KubeConfig } from "@kubernetes/client-node";
import { connect } from "node:net";
import { http } from "../nodeHttp.ts";
export const open = async () => [connect, http, (await import("@kubernetes/client-node")).KubeConfig as KubeConfig | unknown];
`,
  "source/nodeHttp.ts": `import { createRequire } from "node:module";
export const http: typeof import("node:http") = createRequire(import.meta.url)("node:http");
`,
  "source/traffic/page.ts": `import { get } from "node:https";
export const fetchPage = (url: string) => get(url);
`,
  "source/model/podRow.ts": `import type { Page } from "../traffic/page.ts";
import { age } from "./age.ts";
export const podRow = (page: Page | undefined) => age(page);
`,
  "source/model/age.ts": `export const age = (x: unknown) => String(x);
`,
  "source/cli/main.ts": `import { App } from "../ui/App.tsx";
import type { startEmbeddedSandbox } from "./sandboxRoot.ts";
export const main = async () => [App, (await import("./sandboxRoot.ts")) as { startEmbeddedSandbox: typeof startEmbeddedSandbox }];
`,
  "packages/sandbox/src/server.ts": `import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import type { Sandbox } from "@kubectl-bookinfo/sandbox";
import { helper } from "./helper.ts";
export const serve = (s?: Sandbox) => [createServer, WebSocketServer, helper, s];
`,
  "packages/sandbox/src/helper.ts": `export const helper = 1;
`,

  // Broken, one line at a time.
  "source/widgets/thing.ts": `export const thing = 1; // breaks: every-file-in-a-layer
`,
  "source/engine/keys.ts": `import type { Key } from "ink"; // breaks: ink-only-in-ui
export { useInput } from "ink"; // breaks: ink-only-in-ui
export type Handler = (key: Key) => void;
`,
  "source/print/banner.tsx": `export const Banner = () => <text>hello</text>; // breaks: ink-only-in-ui
`,
  "source/traffic/spinner.ts": `export const spinner = () => import("ink-spinner"); // breaks: ink-only-in-ui
`,
  "source/engine/kube.ts": `export type Config = import("@kubernetes/client-node").KubeConfig; // breaks: client-node-only-in-cluster
`,
  "source/tutorial/kubectl.ts": `import k8s = require("@kubernetes/client-node"); // breaks: client-node-only-in-cluster
export const api = k8s;
`,
  "source/cli/sandboxRoot.ts": `import type { Sandbox } from "@kubectl-bookinfo/sandbox";
export const startEmbeddedSandbox = async (): Promise<Sandbox> => (await import("@kubectl-bookinfo/sandbox")).startSandbox();
import type { Kubectl } from "@kubectl-bookinfo/sandbox/testing"; // breaks: sandbox-only-through-its-root
export { startSandbox } from "@kubectl-bookinfo/sandbox"; // breaks: sandbox-loaded-lazily
export type { Kubectl };
`,
  "source/cli/tourCommand.ts": `export const start = async () => (await import("@kubectl-bookinfo/sandbox")).startSandbox(); // breaks: sandbox-only-through-its-root
`,
  "source/engine/simulated.ts": `import type { Pod } from "../../packages/sandbox/src/kube.ts"; // breaks: sandbox-only-through-its-root
export type SimulatedPod = Pod;
`,
  "source/cli/sandboxCommand.ts": `import { startEmbeddedSandbox } from "./sandboxRoot.ts"; // breaks: sandbox-loaded-lazily
export const run = startEmbeddedSandbox;
`,
  "packages/sandbox/src/tables/pods.ts": `import { podRow } from "../../../../source/model/podRow.ts"; // breaks: sandbox-stands-alone
import { Command } from "commander"; // breaks: sandbox-stands-alone
export const cells = [podRow, Command];
`,
  "source/engine/runner.ts": `import { theme } from "../ui/theme.ts"; // breaks: no-views-below
export const colour = theme;
`,
  "source/print/report.ts": `export type { Flags } from "../cli/flags.ts"; // breaks: no-views-below
`,
  "source/model/clock.ts": `import { readFileSync } from "node:fs"; // breaks: pure-stays-pure
export const read = readFileSync;
`,
  "source/tutorial/stage.ts": `import { fetchPage } from "../traffic/page.ts"; // breaks: pure-stays-pure
export const check = fetchPage;
`,
  "source/analysis/advice.ts": `import type { Stage } from "../tutorial/stage.ts"; // breaks: analysis-reads-the-model
import { podRow } from "../model/podRow.ts";
export const advice = (stage: Stage) => [stage, podRow];
`,
  "source/tutorial/shell.ts": `import child = require("node:child_process"); // breaks: pure-stays-pure
export const run = child;
`,
  "source/engine/probe.ts": `import { http } from "../nodeHttp.ts"; // breaks: network-only-in-cluster-and-traffic
export const probe = async () => [http, await fetch("http://gateway/productpage")]; // breaks: network-only-in-cluster-and-traffic
`,
  "source/print/get.ts": `import { createRequire } from "node:module";
const https = createRequire(import.meta.url)("node:https"); // breaks: network-only-in-cluster-and-traffic
export const get = https;
`,
  "source/cli/plugins.ts": `export const load = (name: string) => import(name); // breaks: modules-named-literally
export const loadStage = (id: string) => import(\`../tutorial/stages/\${id}.ts\`); // breaks: modules-named-literally
`,
};

function plantedViolations(): Omit<Violation, "detail">[] {
  const expected: Omit<Violation, "detail">[] = [];
  for (const [file, text] of Object.entries(PLANTED)) {
    for (const [index, line] of text.split("\n").entries()) {
      const marker = /\/\/ breaks: (.+)$/.exec(line);
      for (const rule of marker?.[1]?.split(/,\s*/) ?? []) expected.push({ file, line: index + 1, rule });
    }
  }
  return expected;
}

const byPlace = (a: Omit<Violation, "detail">, b: Omit<Violation, "detail">) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule);

describe("the layer rules on a tree with planted violations", () => {
  let root: string;
  let violations: Violation[];
  before(() => {
    root = mkdtempSync(join(tmpdir(), "layers-"));
    for (const [file, text] of Object.entries(PLANTED)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    violations = checkLayers(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("report every planted violation, at its file and line, under its rule, and nothing else", () => {
    assert.deepEqual(
      violations.map(({ file, line, rule }) => ({ file, line, rule })).sort(byPlace),
      plantedViolations().sort(byPlace),
    );
  });

  test("plant a violation for every rule in the table", () => {
    const planted = new Set(plantedViolations().map((v) => v.rule));
    assert.deepEqual(
      RULES.map((r) => r.id).filter((id) => !planted.has(id)),
      [],
      "each rule shows that it can fail",
    );
  });

  test("say which import broke which rule, in one line", () => {
    const lines = violations.map(formatViolation);
    const expect = (text: string) =>
      assert.ok(lines.includes(text), `expected the line\n  ${text}\namong\n  ${lines.join("\n  ")}`);
    expect('source/engine/keys.ts:1: imports "ink" [ink-only-in-ui]');
    expect(
      "source/print/banner.tsx:1: uses JSX, which compiles to an import of react/jsx-runtime [ink-only-in-ui]",
    );
    expect(
      'source/cli/tourCommand.ts:1: imports "@kubectl-bookinfo/sandbox" outside source/cli/sandboxRoot.ts [sandbox-only-through-its-root]',
    );
    expect(
      'packages/sandbox/src/tables/pods.ts:2: imports "commander", which packages/sandbox/package.json does not declare [sandbox-stands-alone]',
    );
    expect(
      'source/tutorial/stage.ts:1: imports "../traffic/page.ts", which reaches I/O: source/traffic/page.ts:1 -> node:https [pure-stays-pure]',
    );
    expect(
      "source/widgets/thing.ts:1: is in no layer: add source/widgets/ to LAYERS in test/architecture/rules.ts, with the rules it follows [every-file-in-a-layer]",
    );
  });
});
