import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { kubectlFor } from "@kubectl-bookinfo/sandbox/testing";

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;

function run(args: string[]) {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve) => {
    const check = () => {
      if (stdout.includes("\n")) resolve(stdout.split("\n")[0] ?? "");
    };
    child.stdout.on("data", check);
    child.on("close", () => resolve(stdout));
  });
  return { child, exit, firstLine, output: () => ({ stdout, stderr }) };
}

test("sandbox writes its kubeconfig, says where in one line, serves kubectl, and stops on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "sandbox.kubeconfig");
  const sandbox = run(["sandbox", "--kubeconfig-out", file, "--speed", "10"]);
  const line = await sandbox.firstLine;
  assert.match(
    line,
    new RegExp(`^Sandbox cluster ready at https://127\\.0\\.0\\.1:\\d+; kubeconfig written to ${file}`),
  );
  assert.match(readFileSync(file, "utf8"), /current-context: bookinfo-sandbox/);
  const kubectl = kubectlFor(file);
  const got = await kubectl("get", "ns", "istio-system", "-o", "name");
  assert.equal(got.stdout.trim(), "namespace/istio-system", got.stderr);
  sandbox.child.kill("SIGTERM");
  assert.equal(await sandbox.exit, 0);
  assert.match(sandbox.output().stderr, /Sandbox stopped \(SIGTERM\)/);
  assert.ok(existsSync(file), "a kubeconfig the user asked for stays where they put it");
});

test("sandbox --gateway-api starts with the Gateway API CRDs installed and established", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "sandbox.kubeconfig");
  const sandbox = run(["sandbox", "--kubeconfig-out", file, "--gateway-api"]);
  try {
    await sandbox.firstLine;
    const kubectl = kubectlFor(file);
    const crd = await kubectl("get", "crd", "httproutes.gateway.networking.k8s.io", "-o", "name");
    assert.equal(
      crd.stdout.trim(),
      "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io",
    );
    const gateways = await kubectl("get", "gtw");
    assert.equal(gateways.code, 0, gateways.stderr);
    assert.match(gateways.stderr, /No resources found in default namespace/);
  } finally {
    sandbox.child.kill("SIGTERM");
    await sandbox.exit;
  }
});

test("sandbox --profile ambient installs what Istio's ambient profile does, and no ingress gateway", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "sandbox.kubeconfig");
  const sandbox = run(["sandbox", "--kubeconfig-out", file, "--profile", "ambient", "--speed", "10"]);
  try {
    await sandbox.firstLine;
    const kubectl = kubectlFor(file);
    const rollout = await kubectl("-n", "istio-system", "rollout", "status", "ds/ztunnel", "--timeout=30s");
    assert.match(rollout.stdout, /^daemon set "ztunnel" successfully rolled out$/m, rollout.stderr);
    const ds = await kubectl("get", "ds", "-n", "istio-system", "-o", "name");
    assert.equal(ds.stdout, "daemonset.apps/istio-cni-node\ndaemonset.apps/ztunnel\n", ds.stderr);
    const svc = await kubectl("get", "svc", "-n", "istio-system", "-o", "name");
    assert.equal(svc.stdout, "service/istiod\n", svc.stderr);
    const crd = await kubectl("get", "crd", "gateways.gateway.networking.k8s.io", "-o", "name");
    assert.equal(crd.code, 0, crd.stderr);
  } finally {
    sandbox.child.kill("SIGTERM");
    await sandbox.exit;
  }
});

test("an unknown profile, or --profile without --sandbox, is a usage error", async () => {
  const unknown = run(["sandbox", "--profile", "demo"]);
  assert.equal(await unknown.exit, 2);
  assert.match(
    unknown.output().stderr,
    /^error: invalid argument "demo" for "--profile" flag: it must be one of default, minimal, ambient\.$/m,
  );
  const tour = run(["tour", "--plain", "--profile", "ambient"]);
  assert.equal(await tour.exit, 2);
  assert.match(
    tour.output().stderr,
    /^error: --profile chooses how the sandbox is installed; use it with --sandbox\.$/m,
  );
});

test("sandbox refuses to overwrite a kubeconfig that is not its own", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "config");
  writeFileSync(file, "apiVersion: v1\nkind: Config\ncurrent-context: production\n");
  const sandbox = run(["sandbox", "--kubeconfig-out", file]);
  assert.equal(await sandbox.exit, 1);
  assert.match(
    sandbox.output().stderr,
    /already exists and is not a sandbox kubeconfig; choose another --kubeconfig-out/,
  );
  assert.match(readFileSync(file, "utf8"), /current-context: production/);
});

/** A sandbox kubeconfig as an earlier sandbox left it, its owner `pid`. */
function leftBehind(file: string, pid: number, mode: number) {
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\ncurrent-context: bookinfo-sandbox\nextensions:\n- name: kubectl-bookinfo-sandbox\n  extension:\n    pid: ${pid}\n`,
    { mode },
  );
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

test("sandbox writes its kubeconfig as a new 0600 file, whatever mode the old one had", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "sandbox.kubeconfig");
  leftBehind(file, deadPid(), 0o644);
  const sandbox = run(["sandbox", "--kubeconfig-out", file, "--speed", "10"]);
  assert.match(await sandbox.firstLine, /^Sandbox cluster ready at/);
  assert.equal(statSync(file).mode & 0o777, 0o600, "the admin token is readable by its owner only");
  assert.match(readFileSync(file, "utf8"), /token: /);
  sandbox.child.kill("SIGTERM");
  assert.equal(await sandbox.exit, 0);
});

test("sandbox refuses a symlink as --kubeconfig-out in one sentence and writes nothing through it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const target = join(dir, "elsewhere");
  const link = join(dir, "kubeconfig");
  symlinkSync(target, link);
  const sandbox = run(["sandbox", "--kubeconfig-out", link]);
  assert.equal(await sandbox.exit, 1);
  const { stderr } = sandbox.output();
  assert.match(stderr, new RegExp(`^error: ${link} is a symbolic link; [^\n]*.\n$`));
  assert.equal(existsSync(target), false, "nothing was written where the link points");
  assert.ok(lstatSync(link).isSymbolicLink());
});

test("without --kubeconfig-out the file is in a private directory nobody can guess, removed at the end", async () => {
  const sandbox = run(["sandbox", "--speed", "10"]);
  const line = await sandbox.firstLine;
  const path = /kubeconfig written to (\S+) \(/.exec(line)?.[1] ?? "";
  assert.notEqual(path, join(tmpdir(), `bookinfo-sandbox-${sandbox.child.pid}.kubeconfig`));
  assert.match(path, /\/bookinfo-sandbox-[A-Za-z0-9]{6}\/kubeconfig$/);
  assert.equal(statSync(join(path, "..")).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  sandbox.child.kill("SIGTERM");
  assert.equal(await sandbox.exit, 0);
  assert.equal(existsSync(join(path, "..")), false);
});

test("a second sandbox refuses a kubeconfig whose sandbox still runs, naming its pid; a stale one is taken over", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"));
  const file = join(dir, "shared.kubeconfig");
  const first = run(["sandbox", "--kubeconfig-out", file, "--speed", "10"]);
  await first.firstLine;
  const written = readFileSync(file, "utf8");
  assert.match(written, new RegExp(`pid: ${first.child.pid}\\b`), "the file records its owner");

  const second = run(["sandbox", "--kubeconfig-out", file, "--speed", "10"]);
  assert.equal(await second.exit, 1);
  assert.equal(
    second.output().stderr,
    `error: ${file} belongs to the sandbox running as process ${first.child.pid}; stop that one first (kill ${first.child.pid}) or choose another --kubeconfig-out.\n`,
  );
  assert.equal(readFileSync(file, "utf8"), written, "the first sandbox's file is untouched");
  const kubectl = kubectlFor(file);
  assert.equal((await kubectl("get", "ns", "default", "-o", "name")).stdout.trim(), "namespace/default");

  first.child.kill("SIGTERM");
  assert.equal(await first.exit, 0);
  const third = run(["sandbox", "--kubeconfig-out", file, "--speed", "10"]);
  assert.match(await third.firstLine, /^Sandbox cluster ready at/, "its owner is gone: taken over");
  assert.match(readFileSync(file, "utf8"), new RegExp(`pid: ${third.child.pid}\\b`));
  third.child.kill("SIGTERM");
  assert.equal(await third.exit, 0);
});

test("bad flags end in one line and exit 2, without a stack trace", async () => {
  for (const args of [["sandbox", "--speed", "fast"], ["sandbox", "--nope"], ["nosuchcommand"]]) {
    const cli = run(args);
    assert.equal(await cli.exit, 2, args.join(" "));
    const { stderr } = cli.output();
    assert.match(stderr, /^error: /);
    assert.doesNotMatch(stderr, /\n\s+at /);
  }
});

test("--version prints the package version", async () => {
  const cli = run(["--version"]);
  assert.equal(await cli.exit, 0);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.equal(cli.output().stdout.trim(), pkg.version);
});
