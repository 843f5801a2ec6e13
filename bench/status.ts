// `status -o json --samples 0` against kubectl listing the same kinds, side by side on one
// sandbox (medians of alternating runs), then again once the cluster holds 2,000 unrelated pods
// in 50 other namespaces. The CLI runs from the bundle, as installed users run it.
//   npx tsx bench/status.ts [--runs 11]
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;
const dir = mkdtempSync(join(tmpdir(), "bench-status-"));
const kubeconfig = join(dir, "kubeconfig");
const cache = join(dir, "kubectl-cache");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function timed(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_BOOKINFO_BUNDLE: "1" };
  return new Promise((resolve, reject) =>
    execFile(command, args, { env }, (error) =>
      error && (error.code ?? 0) !== 0 && error.code !== 3
        ? reject(error)
        : resolve(performance.now() - started),
    ),
  );
}

const ours = () =>
  timed(process.execPath, [
    join(root, "bin/kubectl-bookinfo"),
    "status",
    "-n",
    "bookinfo",
    "-o",
    "json",
    "--samples",
    "0",
  ]);
const theirs = () =>
  timed("kubectl", [
    "--cache-dir",
    cache,
    "-n",
    "bookinfo",
    "get",
    "pods,services,gateways,virtualservices,destinationrules",
    "-o",
    "json",
  ]);

async function measure(): Promise<{ ours: number; kubectl: number }> {
  await ours();
  await theirs(); // warm both: kubectl's discovery cache, the OS file cache
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await ours());
    b.push(await theirs());
  }
  return { ours: median(a), kubectl: median(b) };
}

function api(
  method: string,
  path: string,
  body: unknown,
  token: string,
  ca: string,
  server: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${server}${path}`, {
      method,
      ca,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () =>
        (res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${method} ${path}: ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function addUnrelatedPods(): Promise<void> {
  const config = readFileSync(kubeconfig, "utf8");
  const server = /server: (\S+)/.exec(config)?.[1] ?? "";
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(config)?.[1] ?? "", "base64").toString();
  const token = /token: (\S+)/.exec(config)?.[1] ?? "";
  const call = (method: string, path: string, body: unknown) => api(method, path, body, token, ca, server);
  for (let n = 0; n < 50; n++)
    await call("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: `other-${n}` },
    });
  const pods = Array.from({ length: 2000 }, (_, i) => ({ ns: `other-${i % 50}`, name: `filler-${i}` }));
  for (let i = 0; i < pods.length; i += 32) {
    await Promise.all(
      pods.slice(i, i + 32).map((p) =>
        call("POST", `/api/v1/namespaces/${p.ns}/pods`, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: p.name, labels: { app: "filler" } },
          // Bound to a node the sandbox's kubelet does not run: the pods just sit there.
          spec: { nodeName: "elsewhere", containers: [{ name: "c", image: "busybox" }] },
        }),
      ),
    );
  }
}

execFileSync(process.execPath, [join(root, "scripts/build.js")], { stdio: "inherit" });
const sandbox = spawn(
  process.execPath,
  [join(root, "bin/kubectl-bookinfo"), "sandbox", "--speed", "50", "--kubeconfig-out", kubeconfig],
  {
    stdio: ["ignore", "pipe", "ignore"],
  },
);
await new Promise<void>((resolve) => sandbox.stdout.once("data", () => resolve()));
try {
  execFileSync(process.execPath, [join(root, "dist/kubectl-bookinfo.mjs"), "run", "-n", "bookinfo"], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: "ignore",
  });
  const quiet = await measure();
  await addUnrelatedPods();
  const busy = await measure();
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  console.log(
    `\nstatus -o json --samples 0 vs kubectl get pods,services,gateways,virtualservices,destinationrules -o json`,
  );
  console.log(`medians of ${RUNS} alternating runs each, same sandbox\n`);
  console.log(`                      status      kubectl     ratio (goal <= 2.00)`);
  console.log(
    `  quiet cluster    ${quiet.ours.toFixed(0).padStart(6)} ms  ${quiet.kubectl.toFixed(0).padStart(6)} ms     ${ratio(quiet.ours, quiet.kubectl)}`,
  );
  console.log(
    `  + 2,000 pods     ${busy.ours.toFixed(0).padStart(6)} ms  ${busy.kubectl.toFixed(0).padStart(6)} ms     ${ratio(busy.ours, busy.kubectl)}`,
  );
  console.log(
    `\n  status with 2,000 unrelated pods / without: ${ratio(busy.ours, quiet.ours)} (goal within 0.80-1.20)`,
  );
} finally {
  sandbox.kill("SIGTERM");
}
