// `analyze` against `status -o json --samples 0` on one sandbox (medians of alternating runs):
// both make the same one round of lists, so analyze must stay within 1.2x of status. Measured on
// Bookinfo alone, then with 50 more namespaces whose Gateways and VirtualServices on the shared
// ingress gateway the cluster-wide lists bring in (and the analysis compares). The CLI runs from
// the bundle, as installed users run it.
//   npm run bench:analyze [-- --runs 11]
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;
const OTHERS = 50;
const dir = mkdtempSync(join(tmpdir(), "bench-analyze-"));
const kubeconfig = join(dir, "kubeconfig");
const cache = join(dir, "kubectl-cache");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_BOOKINFO_BUNDLE: "1" };

/** Milliseconds the CLI takes; analyze exits 1 on errors and status 3 or 4 on stages, all fine here. */
function timed(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(root, "bin/kubectl-bookinfo"), ...args], { env }, (error) =>
      error && ![1, 3, 4].includes(Number(error.code)) ? reject(error) : resolve(performance.now() - started),
    ),
  );
}

const analyze = () => timed(["analyze", "-n", "bookinfo", "-o", "json"]);
const status = () => timed(["status", "-n", "bookinfo", "-o", "json", "--samples", "0"]);

async function measure(): Promise<{ analyze: number; status: number }> {
  await analyze();
  await status(); // warm both: the OS file cache, the sandbox's lists
  const a: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await analyze());
    s.push(await status());
  }
  return { analyze: median(a), status: median(s) };
}

/** Other namespaces, each with Bookinfo's Gateway and VirtualService: rivals on host * port 8080. */
function addOtherGateways(): void {
  const gateway = readFileSync(join(root, "manifests/bookinfo-gateway.yaml"), "utf8");
  const documents: string[] = [];
  for (let n = 0; n < OTHERS; n++) {
    documents.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other-${n}\n`);
    for (const part of gateway.split(/^---$/m))
      documents.push(part.replace(/^metadata:\n/m, `metadata:\n  namespace: other-${n}\n`));
  }
  const file = join(dir, "others.yaml");
  writeFileSync(file, documents.join("\n---\n"));
  execFileSync("kubectl", ["--cache-dir", cache, "apply", "-f", file], { env, stdio: "ignore" });
}

execFileSync(process.execPath, [join(root, "scripts/build.js")], { stdio: "inherit" });
const sandbox = spawn(
  process.execPath,
  [join(root, "bin/kubectl-bookinfo"), "sandbox", "--speed", "50", "--kubeconfig-out", kubeconfig],
  { stdio: ["ignore", "pipe", "ignore"] },
);
await new Promise<void>((resolve) => sandbox.stdout.once("data", () => resolve()));
try {
  execFileSync(process.execPath, [join(root, "dist/kubectl-bookinfo.mjs"), "run", "-n", "bookinfo"], {
    env,
    stdio: "ignore",
  });
  const alone = await measure();
  addOtherGateways();
  const crowded = await measure();
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  console.log("\nanalyze -o json vs status -o json --samples 0, namespace bookinfo");
  console.log(`medians of ${RUNS} alternating runs each, same sandbox\n`);
  console.log("                                 analyze      status     ratio (goal <= 1.20)");
  for (const [label, m] of [
    ["Bookinfo alone", alone],
    [`+ ${OTHERS} namespaces' Gateways`, crowded],
  ] as const) {
    console.log(
      `  ${label.padEnd(28)} ${m.analyze.toFixed(0).padStart(6)} ms  ${m.status.toFixed(0).padStart(6)} ms     ${ratio(m.analyze, m.status)}`,
    );
  }
} finally {
  sandbox.kill("SIGTERM");
}
