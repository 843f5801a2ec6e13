import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "../cli/support.ts";
import { Tmux } from "./tmux.ts";

// The mesh analysis on the tour's screen, in a real terminal: Bookinfo runs in namespace default,
// and each other namespace holds one of the tutorial's classic mistakes, made with kubectl.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const manifest = (name: string) => new URL(`../../manifests/${name}`, import.meta.url).pathname;

describe("findings on the tour's screen", () => {
  let env: TestSandbox;
  const ok = async (...args: string[]) => {
    const result = await kubectlFor(env.kubeconfig)(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  };
  const edited = (file: string, from: string, to: string) => {
    const path = join(env.dir, `${to}-${file}`);
    writeFileSync(path, readFileSync(manifest(file), "utf8").replace(from, to));
    return path;
  };
  const deployed = async (ns: string, label = true) => {
    await ok("create", "namespace", ns);
    if (label) await ok("label", "namespace", ns, "istio-injection=enabled");
    await ok("-n", ns, "apply", "-f", manifest("bookinfo.yaml"));
    await ok("-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
  };

  before(async () => {
    env = await openSandbox({ speed: 50 });
    const run = await bookinfo(env.kubeconfig, "run", "-n", "default");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // Competing routes are ordered by creation time, to the second: the others come later.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await deployed("ctrlc");
    await ok("-n", "ctrlc", "apply", "-f", manifest("bookinfo-gateway.yaml"));
    await deployed("early");
    await ok("-n", "early", "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    await deployed("late", false);
    await ok("label", "namespace", "late", "istio-injection=enabled");
    await deployed("nosel");
    await ok(
      "-n",
      "nosel",
      "apply",
      "-f",
      edited("bookinfo-gateway.yaml", "istio: ingressgateway", "istio: ingress"),
    );
    await deployed("nogw");
    await ok(
      "-n",
      "nogw",
      "apply",
      "-f",
      edited("bookinfo-gateway.yaml", "    - bookinfo-gateway", "    - bogus-gateway"),
    );
  });
  after(async () => env.close());

  /** Opens the tour on `ns`, waits for `expected`, and returns that screen after checking it fits. */
  async function tour(
    ns: string,
    columns: number,
    rows: number,
    expected: RegExp,
    more?: (t: Tmux) => Promise<void>,
  ) {
    const tmux = new Tmux(columns, rows);
    try {
      await tmux.start();
      await tmux.type(
        `env -u CI ${process.execPath} ${launcher} --kubeconfig ${env.kubeconfig} -n ${ns}; echo EXIT:$?`,
      );
      const screen = await tmux.waitFor(expected, { timeoutMs: 30_000 });
      for (const line of screen.split("\n")) assert.ok([...line].length <= columns, line);
      await more?.(tmux);
      await tmux.press("q");
      await tmux.waitFor(/^EXIT:0$/m);
      return screen;
    } finally {
      tmux.kill();
    }
  }

  test("an empty namespace answered by default's Bookinfo: KBI0001, and the product page is never done", async () => {
    await tour(
      "empty",
      120,
      36,
      /! KBI0001 GATEWAY_URL answers with default's Bookinfo, not namespace empty's/,
      async (tmux) => {
        // Pages keep arriving (4 a second); verify must stay pending through them.
        const seen: string[] = [];
        const deadline = Date.now() + 3_000;
        while (Date.now() < deadline) {
          seen.push(await tmux.screen());
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.ok(
          seen.every((s) => /○ 4 Open the product page/.test(s)),
          seen.at(-1),
        );
        assert.ok(
          seen.some((s) => /200 ?×\d+/.test(s)),
          `200s from default's Bookinfo arrived:\n${seen.at(-1)}`,
        );
      },
    );
  });

  test("two Bookinfos on host *, 80x24: IST0145 under the samples, and as verify's cause", async () => {
    const screen = await tour("ctrlc", 80, 24, /^IST0145: Gateway ctrlc\/bookinfo-gateway conflicts with/m);
    assert.match(screen, /^✗ IST0145 Gateway ctrlc\/bookinfo-gateway conflicts with default\/bookinfo-gat/m);
    assert.match(screen, /✗ 4 Open the product page/);
    assert.match(screen, /Cause: 200 OK from another namespace's Bookinfo/);
  });

  test("two Bookinfos on host *, 120x36: whose Bookinfo answers, in full", async () => {
    const screen = await tour("ctrlc", 120, 36, /KBI0001: GATEWAY_URL answers with default's Bookinfo/);
    assert.match(
      screen.replace(/\n {2}/g, " "),
      // nogw's Gateway claims host * on the same port too.
      /IST0145: Gateway ctrlc\/bookinfo-gateway conflicts with default\/bookinfo-gateway, nogw\/bookinfo-gateway on host \* port 8080; traffic reaches default's Bookinfo/,
    );
  });

  test("a VirtualService with subsets before its DestinationRule: IST0101", async () => {
    await tour(
      "early",
      120,
      36,
      /^✗ IST0101 VirtualService early\/details routes to subset v1 of details, which no DestinationRule defines/m,
    );
  });

  test("a namespace labelled after deploy: IST0103", async () => {
    await tour("late", 80, 24, /^! IST0103 pod details-v1-\S+ runs without the Istio proxy/m);
  });

  test("a Gateway whose selector matches no pod: IST0101", async () => {
    await tour(
      "nosel",
      120,
      36,
      /^✗ IST0101 Gateway nosel\/bookinfo-gateway selects istio=ingress, and no pod has those labels/m,
    );
  });

  test("a VirtualService bound to a Gateway that does not exist: IST0101", async () => {
    await tour(
      "nogw",
      80,
      24,
      /^✗ IST0101 VirtualService nogw\/bookinfo is bound to Gateway nogw\/bogus-gatew/m,
    );
  });
});
