// The facilitator's room view with 50 attendee namespaces, next to one attendee's own tour, both
// in a real terminal (tmux, the bundle, as users run them) against one sandbox whose API server
// counts the requests each makes (Node's http.server.request.start channel, by user agent):
//   - first frame: from typing the command to the first drawn frame, and to the first full frame
//     (every attendee's row for the room; the attendee's pods for the tour);
//   - change to screen: a pod pinned to another node (the sandbox's kubelet leaves it alone) in an
//     attendee's namespace turns Ready and not Ready through the status subresource; time from
//     the API's answer to the screen showing it, p50/p95 (the room: that attendee's PODS cell);
//   - API requests per idle minute, CPU and RSS of the process over --idle seconds with nothing
//     changing but the sampling (the room samples each page every 5 s, the tour its page 4/s).
//   npx tsx bench/workshop.ts [--attendees 50] [--changes 30] [--idle 60] [--no-build]

import { execFile, execFileSync } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startSandbox } from "@kubectl-bookinfo/sandbox";
import { api } from "@kubectl-bookinfo/sandbox/testing";
import { Tmux } from "../test/e2e/tmux.ts";

const run = promisify(execFile);

const root = new URL("..", import.meta.url).pathname;
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const ATTENDEES = Number(arg("attendees", "50"));
const CHANGES = Number(arg("changes", "30"));
const IDLE_S = Number(arg("idle", "60"));
const launcher = join(root, "bin/kubectl-bookinfo");
const dir = mkdtempSync(join(tmpdir(), "bench-workshop-"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, d = 1) => Number(n.toFixed(d));
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
};

/** The bundle users run; rebuilt when a source file is newer. */
function ensureBundle(): void {
  if (process.argv.includes("--no-build")) return;
  let built = 0;
  try {
    built = statSync(join(root, "dist/kubectl-bookinfo.mjs")).mtimeMs;
  } catch {}
  const newest =
    Number(
      execFileSync("bash", [
        "-c",
        `find ${root}source -type f -printf '%T@\\n' | sort -n | tail -1`,
      ]).toString(),
    ) * 1000;
  if (newest > built)
    execFileSync(process.execPath, [join(root, "scripts/build.js")], { stdio: "inherit", cwd: root });
}

/** Requests the sandbox's API server has answered, from our CLI (its user agent). */
let apiRequests = 0;
subscribe("http.server.request.start", (message) => {
  const { request } = message as { request: IncomingMessage };
  if (
    (request.socket as { encrypted?: boolean }).encrypted &&
    request.headers["user-agent"] === "kubectl-bookinfo"
  )
    apiRequests++;
  // BENCH_TRACE=1 prints each request the API server gets, to see where a figure comes from.
  if (process.env.BENCH_TRACE && (request.socket as { encrypted?: boolean }).encrypted)
    process.stderr.write(`${new Date().toISOString()} ${request.headers["user-agent"]} ${request.url}\n`);
});

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / Number(execFileSync("getconf", ["CLK_TCK"]).toString());
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

function childOf(shellPid: number): number {
  const pid = Number(
    readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, "utf8").trim().split(/\s+/)[0],
  );
  if (!pid) throw new Error("nothing is running in the pane");
  return pid;
}

/** Runs the CLI without blocking this process, which serves the sandbox it talks to. */
async function cli(kubeconfig: string, ...args: string[]): Promise<void> {
  await run(process.execPath, [launcher, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_BOOKINFO_BUNDLE: "1" },
    cwd: dir,
  });
}

interface Figures {
  firstFrameMs: number;
  fullFrameMs: number;
  changeToScreenMs: { p50: number; p95: number; max: number; n: number };
  apiRequestsPerIdleMinute: number;
  idleCpuPercent: number;
  rssMb: { start: number; max: number; end: number };
}

/**
 * Launches `command` in a fresh pane, waits for its first and full frames, flips the probe pod
 * `changes` times and waits for `shows(screen, ready)` each time, then idles.
 */
async function measure(
  sandbox: Awaited<ReturnType<typeof startSandbox>>,
  options: {
    columns: number;
    rows: number;
    command: string;
    full: RegExp;
    probeNamespace: string;
    shows: (screen: string, ready: boolean) => boolean;
  },
): Promise<Figures> {
  const tmux = new Tmux(options.columns, options.rows);
  try {
    await tmux.start();
    await tmux.type("clear");
    await tmux.waitFor((s) => s.trim() === "$");
    const typed = performance.now();
    await tmux.type(options.command);
    await tmux.waitFor(/kubectl bookinfo/, { pollMs: 2, timeoutMs: 30_000 });
    const firstFrameMs = performance.now() - typed;
    await tmux.waitFor(options.full, { pollMs: 2, timeoutMs: 60_000 });
    const fullFrameMs = performance.now() - typed;
    const pid = childOf(await tmux.panePid());

    const path = `/api/v1/namespaces/${options.probeNamespace}/pods/bench-probe/status`;
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const ready = i % 2 === 0;
      const body = JSON.stringify({
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
          containerStatuses: [
            { name: "probe", ready, started: true, restartCount: 0, state: { running: {} } },
          ],
        },
      });
      const answer = await api(sandbox, "PATCH", path, { body, contentType: "application/merge-patch+json" });
      if (answer.status !== 200) throw new Error(`PATCH ${path}: ${answer.status} ${answer.text}`);
      const changed = performance.now();
      await tmux.waitFor((s) => options.shows(s, ready), { pollMs: 1, timeoutMs: 10_000 });
      latencies.push(performance.now() - changed);
      await sleep(250 + Math.random() * 150);
    }

    await sleep(3_000);
    const rss: number[] = [rssMb(pid)];
    const cpuBefore = cpuSeconds(pid);
    const requestsBefore = apiRequests;
    const started = Date.now();
    while (Date.now() - started < IDLE_S * 1000) {
      await sleep(Math.min(5_000, IDLE_S * 100));
      rss.push(rssMb(pid));
    }
    const seconds = (Date.now() - started) / 1000;
    const figures: Figures = {
      firstFrameMs: round(firstFrameMs),
      fullFrameMs: round(fullFrameMs),
      changeToScreenMs: {
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        max: round(Math.max(...latencies)),
        n: latencies.length,
      },
      apiRequestsPerIdleMinute: round(((apiRequests - requestsBefore) / seconds) * 60, 2),
      idleCpuPercent: round(((cpuSeconds(pid) - cpuBefore) / seconds) * 100, 2),
      rssMb: { start: round(rss[0] ?? 0), max: round(Math.max(...rss)), end: round(rss.at(-1) ?? 0) },
    };
    await tmux.press("q");
    await tmux.waitFor((s) => s.trimEnd().endsWith("$"), { timeoutMs: 10_000 });
    return figures;
  } finally {
    tmux.kill();
  }
}

async function main(): Promise<void> {
  ensureBundle();
  const sandbox = await startSandbox({ speed: 50 });
  const admin = join(dir, "kubeconfig");
  writeFileSync(admin, sandbox.kubeconfig, { mode: 0o600 });
  try {
    const setupStarted = performance.now();
    await cli(admin, "workshop", "setup", "--attendees", String(ATTENDEES), "--out", join(dir, "room"));
    const setupMs = performance.now() - setupStarted;
    // A room under way: some attendees through every stage, some part of the way, most not started.
    const stages = ["route-v1", "verify", "gateway", "deploy"];
    const starts = Array.from({ length: Math.min(8, ATTENDEES) }, (_, i) => i + 1);
    await Promise.all(
      starts.map((n) =>
        cli(join(dir, "room", `attendee-${n}.kubeconfig`), "run", "--to", stages[n % stages.length]!),
      ),
    );
    const probe = (namespace: string) =>
      api(sandbox, "POST", `/api/v1/namespaces/${namespace}/pods`, {
        body: JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "bench-probe", labels: { "sidecar.istio.io/inject": "false" } },
          spec: { nodeName: "bench-node", containers: [{ name: "probe", image: "busybox" }] },
        }),
        contentType: "application/json",
      });
    const probed = `attendee-${ATTENDEES}`;
    await probe(probed);
    await probe("attendee-1");

    const env = `env -u CI -u NO_COLOR KUBECTL_BOOKINFO_BUNDLE=1`;
    const cell = (screen: string, namespace: string, index: number) =>
      screen
        .split("\n")
        .find((l) => l.startsWith(`${namespace} `))
        ?.trim()
        .split(/ {2,}/)[index];
    const room = await measure(sandbox, {
      columns: 160,
      rows: ATTENDEES + 8,
      command: `${env} ${process.execPath} ${launcher} workshop --kubeconfig ${admin}`,
      full: new RegExp(`^attendee-${ATTENDEES} .*\\d\\d:\\d\\d:\\d\\d`, "m"),
      probeNamespace: probed,
      shows: (s, ready) => cell(s, probed, 4) === (ready ? "1/1" : "0/1"),
    });
    const tour = await measure(sandbox, {
      columns: 120,
      rows: 36,
      command: `${env} ${process.execPath} ${launcher} --kubeconfig ${join(dir, "room", "attendee-1.kubeconfig")}`,
      full: /bench-probe/,
      probeNamespace: "attendee-1",
      shows: (s, ready) => new RegExp(`bench-probe +${ready ? "1/1" : "0/1"} `).test(s),
    });
    const result = { attendees: ATTENDEES, setupMs: round(setupMs), idleSeconds: IDLE_S, room, tour };
    console.log(JSON.stringify(result, null, 2));
    const ratio = (a: number, b: number) => `${round(a / b, 2)}x`;
    console.log(
      [
        `room view of ${ATTENDEES} attendees vs one attendee's tour:`,
        `  first frame        ${room.firstFrameMs} ms vs ${tour.firstFrameMs} ms`,
        `  first full frame   ${room.fullFrameMs} ms vs ${tour.fullFrameMs} ms (${ratio(room.fullFrameMs, tour.fullFrameMs)})`,
        `  change to screen   p95 ${room.changeToScreenMs.p95} ms vs ${tour.changeToScreenMs.p95} ms`,
        `  API requests/idle minute  ${room.apiRequestsPerIdleMinute} vs ${tour.apiRequestsPerIdleMinute}`,
        `  idle CPU           ${room.idleCpuPercent} % vs ${tour.idleCpuPercent} % (${ratio(room.idleCpuPercent, tour.idleCpuPercent)})`,
        `  RSS max            ${room.rssMb.max} MB vs ${tour.rssMb.max} MB (${ratio(room.rssMb.max, tour.rssMb.max)})`,
      ].join("\n"),
    );
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
