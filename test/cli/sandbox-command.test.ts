import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { kubectlFor } from "@kubectl-bookinfo/sandbox/testing";

const launcher = new URL("../../bin/kubectl-bookinfo.js", import.meta.url).pathname;

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
    /option '--profile <name>' argument 'demo' is invalid\. Allowed choices are default, minimal, ambient\./,
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
