import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { dump } from "js-yaml";
import { connect } from "../../../source/cluster/connect.ts";
import { resolveTarget } from "../../../source/cluster/kubeconfig.ts";
import { type Endpoint, openEndpoint } from "./endpoint.ts";
import { makeTestPki, type TestPki } from "./pki.ts";

// A canary credential in every place a kubeconfig can hold one, each ending in a failure (the
// server refuses it, is not there, is not trusted, the proxy refuses or is not there, the file is
// broken): the canary must never show in a URL we request, in what the CLI prints (with
// BOOKINFO_DEBUG's stack traces too) or in an error message, in any encoding we send it in.

const launcher = join(import.meta.dirname, "..", "..", "..", "bin", "kubectl-bookinfo");
const CANARY = `canary-${randomBytes(12).toString("hex")}`;
/** The forms the canary travels in: as it is, in basic auth, base64 on its own. */
const FORMS = [
  ...new Set([
    CANARY,
    Buffer.from(`ann:${CANARY}`).toString("base64"),
    Buffer.from(CANARY).toString("base64"),
    encodeURIComponent(CANARY),
  ]),
];

let pki: TestPki;
let endpoint: Endpoint;
let dir: string;
let refusingProxy: Server;
let closedPort: number;

before(async () => {
  pki = await makeTestPki();
  endpoint = await openEndpoint(pki, { refuses: () => true });
  dir = mkdtempSync(join(tmpdir(), "bookinfo-canary-"));
  // A proxy that wants other credentials than it is given.
  refusingProxy = createServer();
  refusingProxy.on("connect", (_request, socket) =>
    socket.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"),
  );
  await new Promise<void>((resolve) => refusingProxy.listen(0, "127.0.0.1", resolve));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(async () => {
  await endpoint?.close();
  await new Promise<void>((resolve) => refusingProxy.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text).toString("base64");
const refusingProxyUrl = () =>
  `http://ann:${CANARY}@127.0.0.1:${(refusingProxy.address() as { port: number }).port}`;

interface Scenario {
  name: string;
  cluster?: Record<string, unknown>;
  user: Record<string, unknown>;
  env?: Record<string, string>;
  /** The kubeconfig's text instead of one made from cluster and user. */
  text?: string;
  /** Whether the canary reaches the endpoint (so the scenario really used it). */
  sent: boolean;
}

const scenarios = (): Scenario[] => [
  { name: "token-refused", user: { token: CANARY }, sent: true },
  { name: "token-file-refused", user: { tokenFile: "canary-token" }, sent: true },
  { name: "basic-auth-refused", user: { username: "ann", password: CANARY }, sent: true },
  {
    name: "plugin-token-refused",
    user: {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "./canary-plugin",
        interactiveMode: "Never",
      },
    },
    sent: true,
  },
  {
    name: "token-server-not-there",
    cluster: { server: `https://127.0.0.1:${closedPort}` },
    user: { token: CANARY },
    sent: false,
  },
  {
    name: "token-server-not-trusted",
    cluster: { "certificate-authority-data": b64(pki.otherCaPem) },
    user: { token: CANARY },
    sent: false,
  },
  {
    name: "proxy-password-refused",
    cluster: { "proxy-url": refusingProxyUrl() },
    user: { token: "not-the-canary" },
    sent: false,
  },
  {
    name: "proxy-password-proxy-not-there",
    cluster: { "proxy-url": `http://ann:${CANARY}@127.0.0.1:${closedPort}` },
    user: { token: "not-the-canary" },
    sent: false,
  },
  {
    name: "proxy-password-not-a-url",
    cluster: { "proxy-url": `http://ann:${CANARY}@[broken` },
    user: { token: "not-the-canary" },
    sent: false,
  },
  {
    name: "https-proxy-password-refused",
    cluster: { server: `https://api.bookinfo.test:${endpoint.port("main")}` },
    user: { token: "not-the-canary" },
    env: { HTTPS_PROXY: refusingProxyUrl() },
    sent: false,
  },
  {
    name: "client-key-unusable",
    user: { "client-certificate-data": b64(pki.clientCertPem), "client-key-data": b64(CANARY) },
    sent: false,
  },
  {
    name: "token-in-broken-yaml",
    user: {},
    text: `apiVersion: v1\nkind: Config\ncurrent-context: main\nusers:\n- name: u\n  user:\n    token: "${CANARY}\n  broken: [\n`,
    sent: false,
  },
  {
    name: "token-and-password-refused-by-the-checks",
    user: { token: CANARY, username: "ann", password: CANARY },
    sent: false,
  },
];

function write(scenario: Scenario): { file: string; env: Record<string, string> } {
  const folder = mkdtempSync(join(dir, `${scenario.name}-`));
  writeFileSync(join(folder, "canary-token"), `${CANARY}\n`);
  const plugin = join(folder, "canary-plugin");
  writeFileSync(
    plugin,
    `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${CANARY}"}}'\n`,
  );
  chmodSync(plugin, 0o755);
  const file = join(folder, "kubeconfig");
  writeFileSync(
    file,
    scenario.text ??
      dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "main",
        clusters: [
          {
            name: "main",
            cluster: {
              server: endpoint.url("main"),
              "certificate-authority-data": b64(pki.caPem),
              ...scenario.cluster,
            },
          },
        ],
        users: [{ name: "someone", user: scenario.user }],
        contexts: [{ name: "main", context: { cluster: "main", user: "someone" } }],
      }),
  );
  return { file, env: scenario.env ?? {} };
}

const leaks = (text: string) => FORMS.filter((form) => text.includes(form));

test("no credential ever shows in a URL, in what the CLI prints (BOOKINFO_DEBUG too) or in an error", async () => {
  const list = scenarios();
  const findings: string[] = [];
  const before = endpoint.requests.length;
  // Three at a time: each CLI run compiles the sources anew, and the machine has two cores.
  await pool(list, 3, async (scenario) => {
    const { file, env } = write(scenario);

    // The library: the one sentence a caller would show.
    let message = "";
    try {
      const cluster = connect(resolveTarget({ kubeconfig: file }, { HOME: dir, ...env }), {
        PATH: process.env.PATH,
        ...env,
      });
      try {
        await cluster.probe(5_000);
      } catch (error) {
        throw cluster.explain(error, { verb: "get", resource: "the server version" });
      } finally {
        await cluster.close();
      }
    } catch (error) {
      message = `${(error as Error).message}\n${(error as Error).stack ?? ""}`;
    }
    if (!message) findings.push(`${scenario.name}: did not fail`);
    for (const form of leaks(message)) findings.push(`${scenario.name}: error message has ${form}`);

    // The CLI, as a person runs it, with the debugging aid on.
    const cli = await status(file, env);
    if (cli.code === 0) findings.push(`${scenario.name}: status did not fail`);
    if (!/^error: /m.test(cli.stderr))
      findings.push(`${scenario.name}: status printed no error: ${cli.stderr}`);
    for (const form of leaks(cli.stdout + cli.stderr))
      findings.push(`${scenario.name}: status printed ${form}`);
  });

  const recorded = endpoint.requests.slice(before);
  for (const request of recorded)
    for (const form of leaks(request.url)) findings.push(`a request's URL has ${form}: ${request.url}`);
  for (const connect of endpoint.connects)
    for (const form of leaks(connect.target)) findings.push(`a CONNECT target has ${form}`);
  assert.deepEqual(findings, []);

  // The canary was really sent where a scenario says it is, so the checks above saw it travel.
  const carried = recorded.filter((r) => leaks(r.headers.authorization?.join() ?? "").length > 0);
  const expected = list.filter((s) => s.sent).length;
  assert.ok(
    carried.length >= expected,
    `the canary reached the server ${carried.length} times, expected ${expected}+`,
  );
});

function status(kubeconfig: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [launcher, "status", "--kubeconfig", kubeconfig, "--samples", "0"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir, BOOKINFO_DEBUG: "1", ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: size }, worker));
}
