// Measures the sandbox against the goals of its issue and prints each figure beside its goal:
//   start-up to a kubeconfig on disk (separate process, as a user runs it), and in-process;
//   at --speed 20, time from `kubectl apply` of Bookinfo until all six pods are Ready;
//   CPU of 200 idle watches against the same sandbox with none;
//   heap after 5,000 and after 10,000 pod status updates.
// Run: npx tsx bench/sandbox.ts
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findResource, startSandbox } from "@kubectl-bookinfo/sandbox";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const root = new URL("..", import.meta.url).pathname;
const line = (label: string, value: string, goal: string, ok: boolean) =>
  console.log(`${ok ? "ok  " : "MISS"} ${label.padEnd(48)} ${value.padStart(12)}   goal ${goal}`);

async function processStartup(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bench-sandbox-"));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, "bin/kubectl-bookinfo"), "sandbox", "--kubeconfig-out", join(dir, "k")],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  const elapsed = performance.now() - started;
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("close", resolve));
  return elapsed;
}

async function nodeStartup(): Promise<number> {
  const started = performance.now();
  await new Promise((resolve) => execFile(process.execPath, ["-e", "0"], resolve));
  return performance.now() - started;
}

function kubectl(kubeconfig: string, cache: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cache, ...args], (error) =>
      error ? reject(error) : resolve(),
    ),
  );
}

async function podsReadyAfterApply(): Promise<number> {
  const sandbox = await startSandbox({ speed: 20 });
  const dir = mkdtempSync(join(tmpdir(), "bench-apply-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, sandbox.kubeconfig);
  await kubectl(kubeconfig, join(dir, "cache"), "get", "ns"); // warm discovery, as a user's cache would be
  const readyCount = () =>
    [...sandbox.store.peek("pods", "default")].filter((p) =>
      ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
        (c) => c.type === "Ready" && c.status === "True",
      ),
    ).length;
  const started = performance.now();
  await kubectl(kubeconfig, join(dir, "cache"), "apply", "-f", join(root, "manifests/bookinfo.yaml"));
  while (readyCount() < 6) await sleep(5);
  const elapsed = performance.now() - started;
  await sandbox.stop();
  return elapsed;
}

function openWatch(server: string, token: string, ca: string): () => void {
  const req = request(`${server}/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true`, {
    headers: { Authorization: `Bearer ${token}` },
    ca,
  });
  req.on("response", (res) => res.resume());
  req.on("error", () => {});
  req.end();
  return () => req.destroy();
}

async function idleWatchCpu(): Promise<{ idle: number; watched: number }> {
  const sandbox = await startSandbox({ speed: 20 });
  const ca = Buffer.from(
    /certificate-authority-data: (\S+)/.exec(sandbox.kubeconfig)?.[1] ?? "",
    "base64",
  ).toString();
  await sleep(1500); // let the seed's pods settle
  const measure = async () => {
    const before = process.cpuUsage();
    await sleep(3000);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / 3000; // fraction of one core
  };
  const idle = await measure();
  const closers = Array.from({ length: 200 }, () => openWatch(sandbox.server, sandbox.adminToken, ca));
  await sleep(1000);
  const watched = await measure();
  for (const close of closers) close();
  await sandbox.stop();
  return { idle, watched };
}

async function memoryUnderPodUpdates(): Promise<{ at5k: number; at10k: number }> {
  const sandbox = await startSandbox({ speed: 20 });
  const pods = sandbox.objects;
  const podType = findResource("", "v1", "pods");
  if (!podType) throw new Error("pods are not served");
  // A pod on another node: the kubelet leaves it alone, so only our updates change it.
  pods.create(
    podType,
    "default",
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "churn" },
      spec: { nodeName: "elsewhere", containers: [{ name: "c", image: "busybox" }] },
    },
    { manager: "bench" },
  );
  const heap = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  let at5k = 0;
  for (let i = 1; i <= 10_000; i++) {
    const pod = pods.get(podType, "default", "churn");
    pod.status = { phase: "Running", message: `update ${i}` };
    pods.update(podType, "default", "churn", pod, { manager: "bench", subresource: "status" });
    if (i === 5000) at5k = heap();
  }
  const at10k = heap();
  await sandbox.stop();
  return { at5k, at10k };
}

/** From a Gateway's API write until the node port accepts connections (and back on delete). */
async function gatewayConfigLatency(): Promise<number[]> {
  const sandbox = await startSandbox({ speed: 50 });
  // Custom kinds are served from the CRDs in this sandbox's store.
  const gateways = findResource("networking.istio.io", "v1", "gateways", sandbox.store);
  if (!gateways) throw new Error("gateways are not served");
  const port = sandbox.ingress.httpNodePort;
  const connects = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  const until = async (open: boolean) => {
    const started = performance.now();
    while ((await connects()) !== open) await sleep(1);
    return performance.now() - started;
  };
  await sleep(1500); // the ingress gateway pod must be Ready first
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    sandbox.objects.create(
      gateways,
      "default",
      {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "bench" },
        spec: {
          selector: { istio: "ingressgateway" },
          servers: [{ port: { number: 8080, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
        },
      },
      { manager: "bench" },
    );
    latencies.push(await until(true));
    sandbox.objects.delete(gateways, "default", "bench");
    latencies.push(await until(false));
  }
  await sandbox.stop();
  return latencies;
}

const node = await nodeStartup();
const processTimes: number[] = [];
for (let i = 0; i < 5; i++) processTimes.push(await processStartup());
const inProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const s = await startSandbox();
  inProcess.push(performance.now() - t);
  await s.stop();
}
const applyTimes: number[] = [];
for (let i = 0; i < 3; i++) applyTimes.push(await podsReadyAfterApply());
const cpu = await idleWatchCpu();
const memory = await memoryUnderPodUpdates();
const config = await gatewayConfigLatency();

console.log("\nkubectl-bookinfo sandbox benchmark (medians)\n");
const startup = median(processTimes);
line("sandbox process start to kubeconfig written", `${startup.toFixed(0)} ms`, "< 1000 ms", startup < 1000);
console.log(`     (node -e 0 alone: ${node.toFixed(0)} ms; ratio ${(startup / node).toFixed(1)}x)`);
line(
  "startSandbox() in-process",
  `${median(inProcess).toFixed(0)} ms`,
  "< 1000 ms",
  median(inProcess) < 1000,
);
const apply = median(applyTimes);
line("speed 20: apply until 6 Bookinfo pods Ready", `${apply.toFixed(0)} ms`, "< 3000 ms", apply < 3000);
line(
  "CPU with 200 idle watches (share of one core)",
  `${(cpu.watched * 100).toFixed(2)} %`,
  "~ idle",
  cpu.watched < 0.02,
);
console.log(`     (same sandbox without watches: ${(cpu.idle * 100).toFixed(2)} %)`);
const growth = memory.at10k - memory.at5k;
line(
  "heap growth from 5,000 to 10,000 pod updates",
  `${growth.toFixed(1)} MiB`,
  "flat (< 16 MiB)",
  growth < 16,
);
console.log(`     (heap at 5,000: ${memory.at5k.toFixed(1)} MiB, at 10,000: ${memory.at10k.toFixed(1)} MiB)`);
const configP95 = [...config].sort((a, b) => a - b)[Math.floor(config.length * 0.95)] ?? Number.NaN;
line(
  "Gateway write to port open/closed (p95 of 40)",
  `${configP95.toFixed(1)} ms`,
  "< 100 ms",
  configP95 < 100,
);
console.log(`     (median ${median(config).toFixed(1)} ms)`);
