// The single-file executable against the npm install: its size, and how long `status` takes to
// start and answer from each (medians of alternating runs, one sandbox). Builds both first.
//   npm run bench:sea [-- --runs 11]
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { openSandbox } from "@kubectl-bookinfo/sandbox/testing";

const root = new URL("..", import.meta.url).pathname;
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;
const dir = mkdtempSync(join(tmpdir(), "bench-sea-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const npmEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` };

const sea = join(dir, "sea", "kubectl-bookinfo");
const seaBuild = Date.now();
execFileSync(process.execPath, [join(root, "scripts/build-sea.js"), "--out", sea], {
  cwd: root,
  stdio: "inherit",
});
const seaBuildMs = Date.now() - seaBuild;
const packed = execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], {
  cwd: root,
  env: npmEnv,
})
  .toString()
  .trim()
  .split("\n")
  .at(-1)!;
const prefix = join(dir, "prefix");
execFileSync("npm", ["install", "-g", "--prefix", prefix, "--offline", "--silent", join(dir, packed)], {
  env: npmEnv,
});
const installed = join(prefix, "bin", "kubectl-bookinfo");

const sandbox = await openSandbox({ speed: 50 });
const env = {
  PATH: `${dirname(process.execPath)}${delimiter}/usr/bin:/bin`,
  HOME: dir,
  KUBECONFIG: sandbox.kubeconfig,
};
function timed(command: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(command, ["status", "--samples", "0"], { env }, (error) =>
      error && error.code !== 3 ? reject(error) : resolve(performance.now() - started),
    ),
  );
}
const version = (command: string) => {
  const started = performance.now();
  execFileSync(command, ["--version"], { env });
  return performance.now() - started;
};

await timed(sea);
await timed(installed); // warm both: the OS file cache, V8's compile cache for the npm install
const status = { sea: [] as number[], npm: [] as number[] };
const versions = { sea: [] as number[], npm: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  status.sea.push(await timed(sea));
  status.npm.push(await timed(installed));
  versions.sea.push(version(sea));
  versions.npm.push(version(installed));
}
await sandbox.close();

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
const tarball = statSync(join(dir, packed)).size;
const report = [
  `single-file executable: ${mb(statSync(sea).size)} (built in ${(seaBuildMs / 1000).toFixed(1)} s); npm tarball ${mb(tarball)}, plus a Node.js install`,
  `status --samples 0, median of ${RUNS}: single file ${ms(status.sea)}, npm install ${ms(status.npm)} (ratio ${(median(status.sea) / median(status.npm)).toFixed(2)})`,
  `--version, median of ${RUNS}: single file ${ms(versions.sea)}, npm install ${ms(versions.npm)}`,
];
process.stdout.write(`${report.join("\n")}\n`);
rmSync(dir, { recursive: true, force: true });
