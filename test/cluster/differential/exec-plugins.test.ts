import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump, load } from "js-yaml";
import { Tmux } from "../../e2e/tmux.ts";
import { type Case, loadCorpus } from "./corpus.ts";
import { compare, documents, LIVE, readDocumented } from "./differences.ts";
import { KUBECTL, observeKubectl } from "./kubectlClient.ts";
import type { Observation } from "./observation.ts";
import { observeOurs } from "./ourClient.ts";
import { makeTestPki, type TestPki } from "./pki.ts";
import { prepareRun, type RealServer } from "./run.ts";

// Credential plugins compared live: every plugin script of the corpus run by kubectl and by us
// against the sandbox, a real API server that checks the token the plugin gives (through the
// recording endpoint, which passes requests on and notes them); then what a plugin's stderr and
// KUBERNETES_EXEC_INFO look like under kubectl, `status` and the tour, in a real terminal and
// without one.

const DOCUMENT = join(import.meta.dirname, "..", "..", "..", "docs", "kubeconfig-differences.md");
const launcher = join(import.meta.dirname, "..", "..", "..", "bin", "kubectl-bookinfo");

let sandbox: TestSandbox;
let pki: TestPki;
let root: string;
let caPem: string;

before(async () => {
  [sandbox, pki] = await Promise.all([openSandbox(), makeTestPki()]);
  root = mkdtempSync(join(tmpdir(), "bookinfo-exec-plugins-"));
  const config = load(readFileSync(sandbox.kubeconfig, "utf8")) as {
    clusters: { cluster: { "certificate-authority-data": string } }[];
  };
  caPem = Buffer.from(config.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString();
});
after(async () => {
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

const hasPlugin = (testCase: Case) =>
  Object.values(testCase.files).some(
    (spec) =>
      typeof spec === "object" && spec !== null && (spec as { executable?: unknown }).executable === true,
  );

/** The sandbox behind the endpoint; the plugin answers with its admin token unless the case refuses that run's. */
function theSandbox(testCase: Case): RealServer {
  const tokens = Array.from({ length: 60 }, (_, i) =>
    testCase.refuse.includes(`Bearer exec-token-${i + 1}`)
      ? `exec-token-${i + 1}`
      : sandbox.sandbox.adminToken,
  );
  return { url: sandbox.sandbox.server, caPem, tokens };
}

describe("every plugin script of the corpus, run by kubectl and by us against the sandbox", () => {
  test("gives both the same KUBERNETES_EXEC_INFO, runs as often and ends the same, or the difference is documented", async () => {
    const cases = loadCorpus().filter(hasPlugin);
    assert.ok(cases.length >= 20, `only ${cases.length} corpus cases have a plugin`);
    const rows = readDocumented(DOCUMENT);
    const results = await Promise.all(
      chunks(cases, 4).map(async (group) => {
        const out: { testCase: Case; kubectl: Observation; ours: Observation }[] = [];
        for (const testCase of group) {
          const [kubectlRun, ourRun] = await Promise.all([
            prepareRun(testCase, "kubectl", root, pki, theSandbox(testCase)),
            prepareRun(testCase, "ours", root, pki, theSandbox(testCase)),
          ]);
          try {
            const [kubectl, ours] = await Promise.all([observeKubectl(kubectlRun), observeOurs(ourRun)]);
            out.push({ testCase, kubectl, ours });
          } finally {
            await Promise.all([kubectlRun.endpoint.close(), ourRun.endpoint.close()]);
          }
        }
        return out;
      }),
    );
    const outcomes = results.flat();
    // A difference the corpus shows too is documented there; one only the sandbox brings out
    // (it takes no client certificates, it refuses tokens the endpoint would take) has its own rows.
    const live = outcomes.flatMap(({ testCase, kubectl, ours }) =>
      compare(testCase.name, kubectl, ours)
        .filter((d) => !rows.some((row) => documents(row, d)))
        .map((d) => ({ ...d, reference: LIVE, said: kubectl.said ?? "-" })),
    );
    const undocumented = live
      .filter((d) => !rows.some((row) => documents(row, d)))
      .map((d) => `${d.case}: ${d.facet}: kubectl ${d.theirs}, we ${d.ours} (kubectl said: ${d.said})`);
    assert.deepEqual(
      undocumented,
      [],
      "differences against the sandbox not in docs/kubeconfig-differences.md",
    );
    const stale = rows.filter((row) => row.reference === LIVE && !live.some((d) => documents(row, d)));
    assert.deepEqual(
      stale.map((row) => `line ${row.line}: ${row.facet}`),
      [],
      `rows "${LIVE}" of docs/kubeconfig-differences.md that no case shows any more`,
    );
    // A real server took the plugins' tokens: the cases that work under kubectl worked for us too.
    const working = outcomes.filter((o) => o.kubectl.facets.outcome === "ok").map((o) => o.testCase.name);
    assert.ok(working.length >= 12, `only ${working.join(", ")} worked against the sandbox`);
    assert.ok(working.includes("exec-first-token-refused"), "a refused first token is replaced, under both");
  });
});

describe("what a plugin shows the person: kubectl, status and the tour", () => {
  const SIGN_IN = "To sign in, open https://login.example/device and enter ABCD-1234";
  let kubeconfig: string;
  let log: string;
  const tmux = new Tmux(120, 36);
  after(() => tmux.kill());

  before(() => {
    const dir = mkdtempSync(join(root, "device-code-"));
    log = join(dir, "exec.log");
    writeFileSync(log, "");
    const plugin = join(dir, "device-code-plugin");
    writeFileSync(
      plugin,
      `#!/bin/sh
printf '%s\\n' "$(printf '%s' "$KUBERNETES_EXEC_INFO")" >> '${log}'
echo '${SIGN_IN}' >&2
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\\n' '${sandbox.sandbox.adminToken}'
`,
    );
    chmodSync(plugin, 0o755);
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "device-code",
        clusters: [
          {
            name: "sandbox",
            cluster: { server: sandbox.sandbox.server, "certificate-authority-data": btoa(caPem) },
          },
        ],
        users: [
          {
            name: "sso",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1",
                command: plugin,
                interactiveMode: "IfAvailable",
              },
            },
          },
        ],
        contexts: [
          { name: "device-code", context: { cluster: "sandbox", user: "sso", namespace: "default" } },
        ],
      }),
    );
  });

  /** What the plugin was told on each run since the last call: whether someone can answer it. */
  const interactiveSinceLastLook = (() => {
    let seen = 0;
    return () => {
      const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
      const fresh = lines.slice(seen);
      seen = lines.length;
      return fresh.map((line) => (JSON.parse(line) as { spec: { interactive: boolean } }).spec.interactive);
    };
  })();

  const cacheDir = () => mkdtempSync(join(root, "kubectl-cache-"));
  const cli = `env -u CI -u NO_COLOR ${process.execPath} ${launcher}`;

  test("without a terminal: kubectl and status both pass its stderr on, and tell it nobody can answer", async () => {
    interactiveSinceLastLook();
    const kubectl = await run(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir(), "get", "ns"]);
    assert.equal(kubectl.code, 0, kubectl.stderr);
    assert.ok(kubectl.stderr.includes(SIGN_IN), kubectl.stderr);
    assert.deepEqual(interactiveSinceLastLook(), [false]);

    const status = await run(process.execPath, [
      launcher,
      "status",
      "--kubeconfig",
      kubeconfig,
      "--samples",
      "0",
    ]);
    assert.ok(status.code === 0 || status.code === 3, status.stderr);
    assert.ok(status.stderr.includes(SIGN_IN), status.stderr);
    assert.deepEqual(interactiveSinceLastLook(), [false]);
  });

  test("in a terminal: kubectl and status show its words and tell it someone can answer; the tour keeps it silent", async () => {
    await tmux.start();
    interactiveSinceLastLook();
    await tmux.type(
      `${KUBECTL} --kubeconfig ${kubeconfig} --cache-dir ${cacheDir()} get ns; echo KUBECTL:$?`,
    );
    const afterKubectl = await tmux.waitFor(/KUBECTL:\d+/);
    assert.ok(afterKubectl.includes(SIGN_IN), afterKubectl);
    assert.match(afterKubectl, /KUBECTL:0/);
    assert.deepEqual(interactiveSinceLastLook(), [true]);

    await tmux.type("clear");
    await tmux.type(`${cli} status --kubeconfig ${kubeconfig} --samples 0; echo STATUS:$?`);
    const afterStatus = await tmux.waitFor(/STATUS:\d+/);
    assert.ok(afterStatus.includes(SIGN_IN), afterStatus);
    assert.match(afterStatus, /STATUS:[03]/);
    assert.deepEqual(interactiveSinceLastLook(), [true]);

    await tmux.type("clear");
    await tmux.type(`${cli} --kubeconfig ${kubeconfig}; echo TOUR:$?`);
    const screens: string[] = [];
    await tmux.waitFor(/No pods in namespace default yet/, { seen: (screen) => screens.push(screen) });
    await tmux.press("q");
    await tmux.waitFor(/TOUR:\d+/, { seen: (screen) => screens.push(screen) });
    assert.ok(!screens.some((screen) => screen.includes("login.example")), screens.at(-1));
    assert.match(screens.at(-1) ?? "", /TOUR:0/);
    const tour = interactiveSinceLastLook();
    assert.ok(tour.length >= 1 && tour.every((interactive) => interactive === false), String(tour));
  });
});

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, KUBECONFIG: "", CI: "1" }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** `items` dealt into `count` groups, round robin, for that many workers. */
function chunks<T>(items: T[], count: number): T[][] {
  const groups: T[][] = Array.from({ length: count }, () => []);
  for (const [index, item] of items.entries()) groups[index % count]?.push(item);
  return groups.filter((g) => g.length > 0);
}
