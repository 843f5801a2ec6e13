// The fault suite: the tour's live view (its real watches, folded into its snapshot) through a
// TCP proxy that cuts the API connection 20 times, every 3 s, during rollouts, and black-holes it;
// an API server killed and restarted on its port with its state; 410 on resume; bursts of 429
// and 500; gateways that refuse, stall, truncate, flood or garble; and a fuzz run of the
// sandbox's API (in its own process, for its RSS). Prints one table; exits 1 if a figure fails
// its bound (a lost, stale or duplicated row, a crash, lost state, a half-open connection not
// noticed within 30 s, a reconnect p95 over 2 s, a 5xx or no answer in the fuzz run).
//   npm run bench:faults [-- --generated 2000]

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectlFor, openSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump, load } from "js-yaml";
import { SAMPLE_TIMEOUT_MS, Sampler } from "../source/traffic/sampler.ts";
import { percentile, summarizeSamples } from "../source/traffic/statistics.ts";
import { FUZZ_NAMESPACE, fuzzCases, generatedCases } from "../test/faults/fuzzCases.ts";
import { acceptable, podsEverywhere, prepareFuzzTarget, sendCase } from "../test/faults/fuzzRunner.ts";
import { GATEWAY_FAULTS, startFaultyGateway } from "../test/faults/gateways.ts";
import { startFaultProxy } from "../test/faults/tcpProxy.ts";
import { openViewProbe, type ViewProbe } from "../test/faults/viewProbe.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const GENERATED = arg("generated", 2000);
const NAMESPACE = "faults";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let crashes = 0;
process.on("uncaughtException", (error) => {
  crashes++;
  process.stderr.write(`uncaught: ${error.stack ?? error}\n`);
});
process.on("unhandledRejection", (error) => {
  crashes++;
  process.stderr.write(`unhandled rejection: ${(error as Error)?.stack ?? error}\n`);
});

interface Row {
  fault: string;
  injected: number;
  survived: number;
  lost: number;
  staleOrDuplicated: number;
  correctMs: number[];
  stateLost: number;
  note?: string;
}
const rows: Row[] = [];

// --- The live view through a faulty connection -------------------------------------------------

const env = await openSandbox({ speed: 20 });
const kubectl = kubectlFor(env.kubeconfig);
const ok = async (...args: string[]) => {
  const result = await kubectl(...args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
};
await ok("create", "namespace", NAMESPACE);
await ok("-n", NAMESPACE, "create", "deployment", "web", "--image=nginx", "--replicas=6");
await ok("-n", NAMESPACE, "create", "service", "clusterip", "web", "--tcp=80:80");
await ok("-n", NAMESPACE, "rollout", "status", "deploy/web", "--timeout=120s");

const proxy = await startFaultProxy(Number(new URL(env.sandbox.server).port));
const throughProxy = join(env.dir, "through-proxy.kubeconfig");
{
  const doc = load(readFileSync(env.kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
  for (const c of doc.clusters) c.cluster.server = proxy.url;
  writeFileSync(throughProxy, dump(doc), { mode: 0o600 });
}
const probe: ViewProbe = await openViewProbe(env.sandbox, throughProxy, NAMESPACE);

/**
 * Waits until the watches have listed again since `lists` (taken before the fault) and the view
 * matches the API; the time counts from `from`, when the API answered again.
 */
async function measure(
  row: Row,
  from: number,
  lists: Record<string, number>,
  limitMs = 30_000,
): Promise<void> {
  const waited = await probe.untilRelistedAndCorrect(lists, limitMs);
  if (waited === undefined) {
    const diff = probe.compare();
    row.lost += diff.lost.length;
    row.staleOrDuplicated += diff.stale.length + diff.duplicated.length;
    return;
  }
  row.correctMs.push(performance.now() - from);
  row.survived++;
}

async function settle(row: Row): Promise<void> {
  await ok("-n", NAMESPACE, "rollout", "status", "deploy/web", "--timeout=120s");
  await sleep(500);
  const waited = await probe.untilCorrect(30_000);
  const diff = probe.compare();
  if (waited === undefined) {
    row.lost += diff.lost.length;
    row.staleOrDuplicated += diff.stale.length + diff.duplicated.length;
  }
}

const uids = () =>
  new Set(
    ["namespaces", "deployments.apps", "services", "configmaps", "serviceaccounts"].flatMap((key) =>
      env.sandbox.store
        .list(key)
        .map((o) => `${key}/${o.metadata.namespace}/${o.metadata.name}/${o.metadata.uid}`),
    ),
  );

const scaleInStore = (replicas: number) => {
  const deployment = env.sandbox.store.get("deployments.apps", NAMESPACE, "web")!;
  (deployment.spec as { replicas: number }).replicas = replicas;
  env.sandbox.store.update("deployments.apps", deployment);
};

process.stderr.write("cuts: 20, every 3 s, during rollouts\n");
{
  const row: Row = {
    fault: "API connection cut (every 3 s, rollouts)",
    injected: 0,
    survived: 0,
    lost: 0,
    staleOrDuplicated: 0,
    correctMs: [],
    stateLost: 0,
  };
  for (let cut = 0; cut < 20; cut++) {
    if (cut % 2 === 0) await ok("-n", NAMESPACE, "rollout", "restart", "deploy/web");
    await sleep(cut % 2 === 0 ? 400 : 3_000);
    const lists = { ...probe.lists };
    proxy.cut();
    row.injected++;
    const at = performance.now();
    await measure(row, at, lists);
    await sleep(Math.max(0, 3_000 - (performance.now() - at)));
  }
  await settle(row);
  rows.push(row);
}

process.stderr.write("black hole: 40 s, data dropped, sockets open\n");
{
  const row: Row = {
    fault: "black hole (40 s, half-open)",
    injected: 1,
    survived: 0,
    lost: 0,
    staleOrDuplicated: 0,
    correctMs: [],
    stateLost: 0,
  };
  const errorsBefore = probe.errors.length;
  const lists = { ...probe.lists };
  const started = performance.now();
  const startedAt = Date.now();
  proxy.blackHole(true);
  // The cluster goes on meanwhile, so a view that does not notice is visibly stale.
  await sleep(2_000);
  scaleInStore(8);
  while (performance.now() - started < 40_000) await sleep(100);
  const noticed = probe.errors.slice(errorsBefore).find((e) => e.at >= startedAt);
  proxy.blackHole(false);
  const ended = performance.now();
  await measure(row, ended, lists);
  row.note = noticed ? `noticed after ${((noticed.at - startedAt) / 1000).toFixed(1)} s` : "NOT NOTICED";
  (row as Row & { noticedMs?: number }).noticedMs = noticed
    ? noticed.at - startedAt
    : Number.POSITIVE_INFINITY;
  await settle(row);
  rows.push(row);
}

process.stderr.write("API server killed and restarted on its port, 5 times\n");
{
  const row: Row = {
    fault: "API server killed, restarted (same port)",
    injected: 0,
    survived: 0,
    lost: 0,
    staleOrDuplicated: 0,
    correctMs: [],
    stateLost: 0,
  };
  for (let i = 0; i < 5; i++) {
    const before = uids();
    const revision = env.sandbox.store.revision;
    const lists = { ...probe.lists };
    await env.sandbox.faults.stopApi();
    scaleInStore(i % 2 === 0 ? 4 : 7);
    await sleep(2_000 + i * 1_000);
    await env.sandbox.faults.startApi();
    row.injected++;
    const after = uids();
    for (const uid of before) if (!after.has(uid)) row.stateLost++;
    if (env.sandbox.store.revision < revision) row.stateLost++;
    await measure(row, performance.now(), lists);
  }
  await settle(row);
  rows.push(row);
}

process.stderr.write("410 on resume, 3 times (each after the 15 s read deadline)\n");
{
  const row: Row = {
    fault: "410 Expired on resume",
    injected: 0,
    survived: 0,
    lost: 0,
    staleOrDuplicated: 0,
    correctMs: [],
    stateLost: 0,
  };
  let wrongWhileWaiting = 0;
  for (let i = 0; i < 3; i++) {
    const errorsBefore = probe.errors.length;
    const lists = { ...probe.lists };
    // Writes elsewhere move the revision on; compaction then drops every version the
    // namespace's watches could resume from.
    for (let k = 0; k < 3; k++)
      await ok("create", "configmap", `resume-${i}-${k}`, "-n", "default", "--from-literal=k=v");
    env.sandbox.store.compact();
    row.injected++;
    const at = performance.now();
    while ((probe.lists.pods ?? 0) === (lists.pods ?? 0) && performance.now() - at < 40_000) {
      if (!probe.compare().equal) wrongWhileWaiting++;
      await sleep(100);
    }
    const relisted = (probe.lists.pods ?? 0) > (lists.pods ?? 0);
    const quiet = probe.errors.length === errorsBefore;
    if (relisted && quiet && (await probe.untilCorrect(5_000)) !== undefined) row.survived++;
  }
  // Nothing was stale to recover from: the namespace did not change, so no time to a view.
  row.note = `a quiet relist each time, no error reported; view wrong while waiting: ${wrongWhileWaiting} checks`;
  if (wrongWhileWaiting) row.staleOrDuplicated += wrongWhileWaiting;
  rows.push(row);
}

for (const code of [429, 500] as const) {
  process.stderr.write(`${code} bursts: 3 of 2 s, connections cut at their start\n`);
  const row: Row = {
    fault: `${code} burst (2 s, every request)`,
    injected: 0,
    survived: 0,
    lost: 0,
    staleOrDuplicated: 0,
    correctMs: [],
    stateLost: 0,
  };
  for (let i = 0; i < 3; i++) {
    const lists = { ...probe.lists };
    env.sandbox.faults.failRequests(code, 2_000);
    const started = performance.now();
    proxy.cut();
    scaleInStore(5 + i);
    row.injected++;
    while (performance.now() - started < 2_000) await sleep(20);
    await measure(row, performance.now(), lists);
    await sleep(1_000);
  }
  await settle(row);
  rows.push(row);
}

await probe.stop();
await proxy.close();
await env.close();

// --- The sampler against faulty gateways --------------------------------------------------------

process.stderr.write(
  `gateways: ${GATEWAY_FAULTS.join(", ")} (the real ${SAMPLE_TIMEOUT_MS} ms per-sample timeout)\n`,
);
const gatewayRows: { fault: string; samples: number; right: number; doubleCounted: number; p95: number }[] =
  [];
for (const name of GATEWAY_FAULTS) {
  const gateway = await startFaultyGateway(name);
  const sampler = new Sampler({ url: gateway.url, concurrency: 8 });
  const samples = await sampler.burst(16);
  await sampler.stop();
  await gateway.close();
  const right = samples.filter((s) =>
    "code" in gateway.expected
      ? s.code === gateway.expected.code && s.error === undefined
      : s.error === gateway.expected.error && s.code === undefined,
  ).length;
  const summary = summarizeSamples(samples);
  const outcomes =
    Object.values(summary.codes).reduce((a, b) => a + b, 0) +
    Object.values(summary.errors).reduce((a, b) => a + b, 0);
  gatewayRows.push({
    fault: `gateway ${name}`,
    samples: samples.length,
    right,
    doubleCounted: outcomes - samples.length,
    p95: percentile(
      samples.map((s) => s.latencyMs),
      95,
    ),
  });
}

// --- The fuzz run, against a sandbox in its own process -----------------------------------------

process.stderr.write(
  `fuzz: the hand-made cases and ${GENERATED} generated ones, against a sandbox process\n`,
);
const fuzzDir = mkdtempSync(join(tmpdir(), "bench-faults-"));
const fuzzKubeconfig = join(fuzzDir, "kubeconfig");
const child = spawn(
  process.execPath,
  [
    new URL("../bin/kubectl-bookinfo", import.meta.url).pathname,
    "sandbox",
    "--kubeconfig-out",
    fuzzKubeconfig,
    "--speed",
    "20",
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
await new Promise<void>((resolve, reject) => {
  child.stdout.on("data", (d: Buffer) =>
    d.toString().includes("Sandbox cluster ready") ? resolve() : undefined,
  );
  child.on("exit", (code) => reject(new Error(`the sandbox exited (${code}) before it was ready`)));
});
let childExited = false;
child.on("exit", () => {
  childExited = true;
});
const rssMb = () => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
let maxRss = rssMb();
const rssTimer = setInterval(() => {
  maxRss = Math.max(maxRss, rssMb());
}, 100);
const fuzzKubectl = kubectlFor(fuzzKubeconfig);
const doc = load(readFileSync(fuzzKubeconfig, "utf8")) as {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { token: string } }[];
};
const endpoint = {
  server: doc.clusters[0]!.cluster.server,
  ca: Buffer.from(doc.clusters[0]!.cluster["certificate-authority-data"], "base64").toString(),
  token: doc.users.find((u) => u.name === "bookinfo-admin")!.user.token,
};
await prepareFuzzTarget(fuzzKubectl);
const podsBefore = await podsEverywhere(fuzzKubectl);
const rssBefore = rssMb();
const fuzzByGroup = new Map<
  string,
  { cases: number; refused: number; serverErrors: number; noAnswer: number; unexpected: number }
>();
let slowest = 0;
for (const fuzz of [...fuzzCases(), ...generatedCases(GENERATED)]) {
  const outcome = await sendCase(endpoint, fuzz);
  const group = fuzzByGroup.get(fuzz.group) ?? {
    cases: 0,
    refused: 0,
    serverErrors: 0,
    noAnswer: 0,
    unexpected: 0,
  };
  group.cases++;
  slowest = Math.max(slowest, outcome.ms);
  if (typeof outcome.status !== "number") group.noAnswer++;
  else if (outcome.status >= 500) group.serverErrors++;
  else if (!acceptable(fuzz, outcome)) group.unexpected++;
  else if (outcome.status >= 400) group.refused++;
  if (!acceptable(fuzz, outcome))
    process.stderr.write(
      `  ${fuzz.group} / ${fuzz.name}: ${outcome.status} ${outcome.message.slice(0, 120)}\n`,
    );
  fuzzByGroup.set(fuzz.group, group);
}
const podsAfter = await podsEverywhere(fuzzKubectl);
const stillServing = (await fuzzKubectl("get", "ns", FUZZ_NAMESPACE, "-o", "name")).code === 0;
clearInterval(rssTimer);
maxRss = Math.max(maxRss, rssMb());
const fuzzCrashed = childExited || !stillServing;
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));

// --- The table ----------------------------------------------------------------------------------

const fmt = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "-");
const lines: string[] = [];
lines.push(
  "| fault | injected | survived | rows lost | rows stale or duplicated | correct view p50 | p95 | state lost | note |",
);
lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const row of rows) {
  const p50 = row.correctMs.length ? percentile(row.correctMs, 50) : Number.NaN;
  const p95 = row.correctMs.length ? percentile(row.correctMs, 95) : Number.NaN;
  lines.push(
    `| ${row.fault} | ${row.injected} | ${row.survived} | ${row.lost} | ${row.staleOrDuplicated} | ${fmt(p50)} | ${fmt(p95)} | ${row.stateLost} | ${row.note ?? ""} |`,
  );
}
lines.push("");
lines.push("| gateway fault | samples | one right outcome | double-counted | latency p95 |");
lines.push("| --- | ---: | ---: | ---: | ---: |");
for (const g of gatewayRows)
  lines.push(`| ${g.fault} | ${g.samples} | ${g.right} | ${g.doubleCounted} | ${fmt(g.p95)} |`);
lines.push("");
lines.push("| fuzz group | requests | refused (4xx) | 5xx | no answer | unexpected status |");
lines.push("| --- | ---: | ---: | ---: | ---: | ---: |");
let fuzzTotal = 0;
let fuzzBad = 0;
for (const [group, g] of fuzzByGroup) {
  fuzzTotal += g.cases;
  fuzzBad += g.serverErrors + g.noAnswer + g.unexpected;
  lines.push(
    `| ${group} | ${g.cases} | ${g.refused} | ${g.serverErrors} | ${g.noAnswer} | ${g.unexpected} |`,
  );
}
const allCorrect = rows.flatMap((r) => r.correctMs);
const reconnects = rows
  .filter((r) => !r.fault.startsWith("black hole") && !r.fault.startsWith("410"))
  .flatMap((r) => r.correctMs);
const blackHole = rows.find((r) => r.fault.startsWith("black hole")) as
  | (Row & { noticedMs?: number })
  | undefined;
const totals = {
  injected:
    rows.reduce((a, r) => a + r.injected, 0) + gatewayRows.reduce((a, g) => a + g.samples, 0) + fuzzTotal,
  lost: rows.reduce((a, r) => a + r.lost, 0),
  staleOrDuplicated: rows.reduce((a, r) => a + r.staleOrDuplicated, 0),
  stateLost: rows.reduce((a, r) => a + r.stateLost, 0),
  reconnectP95: reconnects.length ? percentile(reconnects, 95) : Number.POSITIVE_INFINITY,
};
lines.push("");
lines.push(
  `faults injected ${totals.injected}; rows lost ${totals.lost}; rows stale or duplicated ${totals.staleOrDuplicated}; crashes ${crashes + (fuzzCrashed ? 1 : 0)}; state lost ${totals.stateLost}`,
);
lines.push(
  `time to a correct view after the API answers again: p50 ${fmt(percentile(allCorrect, 50))}, p95 ${fmt(percentile(allCorrect, 95))} (reconnects only: p95 ${fmt(totals.reconnectP95)}); half-open connection noticed after ${fmt(blackHole?.noticedMs ?? Number.NaN)}`,
);
lines.push(
  `fuzz: ${fuzzTotal} requests (${fuzzCases().length} hand-made), ${fuzzBad} 5xx/unanswered/unexpected, slowest answer ${fmt(slowest)}; kubectl get pods -A ${podsBefore === podsAfter ? "unchanged" : "CHANGED"}; sandbox RSS ${rssBefore.toFixed(0)} MB before, ${maxRss.toFixed(0)} MB at most`,
);
process.stdout.write(`${lines.join("\n")}\n`);

const failures = [
  totals.lost > 0 && "rows lost",
  totals.staleOrDuplicated > 0 && "rows stale or duplicated",
  crashes > 0 && "crashes",
  fuzzCrashed && "the fuzzed sandbox died",
  totals.stateLost > 0 && "state lost",
  rows.some((r) => r.survived < r.injected) && "a fault not survived",
  !(totals.reconnectP95 <= 2_000) && "reconnect p95 over 2 s",
  !((blackHole?.noticedMs ?? Number.POSITIVE_INFINITY) <= 30_000) &&
    "half-open connection not noticed within 30 s",
  gatewayRows.some((g) => g.right !== g.samples || g.doubleCounted !== 0) &&
    "a gateway sample not one right outcome",
  fuzzBad > 0 && "fuzz: 5xx, no answer or unexpected status",
  podsBefore !== podsAfter && "kubectl get pods -A changed",
  maxRss >= 300 && "sandbox RSS at 300 MB or more",
].filter(Boolean);
if (failures.length) process.stderr.write(`FAILED: ${failures.join("; ")}\n`);
process.exit(failures.length ? 1 : 0);
