import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "./support.ts";

// status, run and reset on the sandbox, reached exactly like a real cluster: a kubeconfig file.

let env: TestSandbox;
let kubectl: Kubectl;
const manifest = (name: string) => new URL(`../../manifests/${name}`, import.meta.url).pathname;

before(async () => {
  env = await openSandbox({ speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env.close());

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

describe("the tour engine on a fresh namespace", () => {
  test("run does all five stages, status shows the mesh, reset removes only what the tour applied", async () => {
    const run = await bookinfo(env.kubeconfig, "run", "-n", "fresh");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\[5\/5\] route-v1/);
    assert.match(run.stdout, /All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+/);
    // Progress comes from what the watches saw after the stage's own writes, never before them.
    const inject = run.stdout.slice(run.stdout.indexOf("[1/5]"), run.stdout.indexOf("[2/5]"));
    assert.match(inject, /namespace\/fresh created/);
    assert.doesNotMatch(inject, /does not exist/);

    const status = await bookinfo(env.kubeconfig, "status", "-n", "fresh", "-o", "json", "--samples", "30");
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    assert.deepEqual(
      report.stages.slice(0, 5).map((s: { id: string; state: string }) => `${s.id}:${s.state}`),
      ["inject:done", "deploy:done", "gateway:done", "verify:done", "route-v1:done"],
    );
    assert.equal(report.pods.length, 6);
    for (const pod of report.pods) {
      assert.deepEqual([pod.ready, pod.status, pod.sidecar], ["2/2", "Running", true], pod.name);
    }
    assert.equal(report.gateway.source, "NodePort");
    assert.equal(report.istio.installed, true);
    assert.equal(report.samples.total, 30);
    assert.deepEqual(report.samples.codes, { "200": 30 });
    assert.deepEqual(report.samples.versions, { v1: 30, v2: 0, v3: 0, unknown: 0 });
    assert.equal(report.samples.streams.jason.total, 30, "the signed-in stream is sampled alike");
    assert.deepEqual(report.samples.streams.jason.split, { v1: 100, v2: 0, v3: 0, unavailable: 0 });

    await ok("-n", "fresh", "create", "configmap", "users-own", "--from-literal=keep=me");
    const reset = await bookinfo(env.kubeconfig, "reset", "-n", "fresh");
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^deployment\.apps\/productpage-v1 deleted$/m);
    assert.match(reset.stdout, /^virtualservice\.networking\.istio\.io\/reviews deleted$/m);
    assert.match(reset.stdout, /^namespace\/fresh unlabeled istio-injection$/m);
    assert.doesNotMatch(reset.stdout, /configmap\/users-own deleted/);
    // What stayed, and why: the namespace run created, and what the user made.
    assert.match(
      reset.stdout,
      /^Kept:\n {2}namespace\/fresh: created by the tour, kept with what is left in it \(kubectl delete namespace fresh deletes it and everything in it\)$/m,
    );
    assert.match(reset.stdout, /^ {2}configmap\/users-own: kubectl-create's, not applied by the tour$/m);
    assert.match(
      await ok("-n", "fresh", "get", "configmap", "users-own", "-o", "name"),
      /configmap\/users-own/,
    );
    assert.equal((await ok("-n", "fresh", "get", "deploy,svc,vs,dr,gw", "-o", "name")).trim(), "");

    const after = await bookinfo(env.kubeconfig, "status", "-n", "fresh", "-o", "json", "--samples", "0");
    const stages = JSON.parse(after.stdout).stages;
    assert.equal(stages.find((s: { id: string }) => s.id === "deploy").state, "pending");
    assert.equal(after.code, 3, "pending stages give exit 3");
  });

  test("run on Bookinfo applied by hand before the label restarts it into the mesh and says so", async () => {
    await ok("create", "namespace", "byhand");
    await ok("-n", "byhand", "apply", "-f", manifest("bookinfo.yaml"));
    await ok("-n", "byhand", "wait", "--for=condition=Available", "deployment", "--all", "--timeout=60s");
    const run = await bookinfo(env.kubeconfig, "run", "-n", "byhand", "--to", "deploy");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const name of [
      "details-v1",
      "ratings-v1",
      "reviews-v1",
      "reviews-v2",
      "reviews-v3",
      "productpage-v1",
    ]) {
      assert.match(run.stdout, new RegExp(`deployment\\.apps/${name} restarted`));
    }
    // Without a screen there are no keys to press, and a restart is not a failure to fix.
    assert.doesNotMatch(run.stdout, /\bpress\b/i);
    assert.doesNotMatch(run.stdout, /restart (it|them)$/m);
    const pods = (await ok("-n", "byhand", "get", "pods", "--no-headers")).trim().split("\n");
    const running = pods.filter((line) => / 2\/2 +Running /.test(line));
    assert.equal(running.length, 6, pods.join("\n"));
  });

  test("objects applied from Istio's older v1alpha3 sample files count like the tour's own", async () => {
    await ok("create", "namespace", "legacy");
    await ok("label", "namespace", "legacy", "istio-injection=enabled");
    await ok("-n", "legacy", "apply", "-f", manifest("bookinfo.yaml"));
    const old = join(env.dir, "legacy.yaml");
    const files = ["bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"];
    const { readFileSync } = await import("node:fs");
    writeFileSync(
      old,
      files
        .map((f) =>
          readFileSync(manifest(f), "utf8").replaceAll(
            "networking.istio.io/v1\n",
            "networking.istio.io/v1alpha3\n",
          ),
        )
        .join("\n---\n"),
    );
    await ok("-n", "legacy", "apply", "-f", old);
    await ok("-n", "legacy", "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
    const status = await bookinfo(env.kubeconfig, "status", "-n", "legacy", "-o", "json", "--samples", "20");
    const report = JSON.parse(status.stdout);
    assert.deepEqual(
      report.stages.slice(0, 5).map((s: { id: string; state: string }) => `${s.id}:${s.state}`),
      ["inject:done", "deploy:done", "gateway:done", "verify:done", "route-v1:done"],
      status.stdout,
    );
    // The first lesson is done; the traffic-management lesson is still ahead, not begun.
    assert.equal(report.stages[5].id, "route-jason");
    assert.equal(report.stages[5].lesson, "traffic-management");
    assert.equal(report.stages[5].state, "pending");
    assert.equal(status.code, 0);
  });

  test("pods that keep a sidecar from a label now gone: inject is not done, and says why", async () => {
    await ok("create", "namespace", "unlabelled");
    await ok("label", "namespace", "unlabelled", "istio-injection=enabled");
    await ok("-n", "unlabelled", "apply", "-f", manifest("bookinfo.yaml"));
    await ok("-n", "unlabelled", "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
    await ok("label", "namespace", "unlabelled", "istio-injection-");
    const status = await bookinfo(env.kubeconfig, "status", "-n", "unlabelled", "--samples", "0");
    assert.equal(status.code, 3, status.stdout + status.stderr);
    assert.match(
      status.stdout,
      /^inject +pending +namespace unlabelled is not labelled for injection: 6 Bookinfo pods keep the sidecar they started with, but new pods would start without one$/m,
    );
  });
});
