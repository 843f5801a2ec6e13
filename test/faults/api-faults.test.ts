import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { variantKubeconfig } from "../cluster/helpers.ts";
import { type FaultProxy, startFaultProxy } from "./tcpProxy.ts";
import { openViewProbe, type ViewProbe } from "./viewProbe.ts";

// The tour's live view through a connection that faults: cut, during rollouts; an API server
// killed and restarted on its port with its state; bursts of 500s. After each the view must be
// what the API has (no row lost, stale or twice), soon after the API answers again. The long
// runs with figures (20 cuts, a black hole, 410s, 429s) are `npm run bench:faults`.

const NAMESPACE = "faults";
let env: TestSandbox;
let kubectl: Kubectl;
let proxy: FaultProxy;
let probe: ViewProbe;

before(async () => {
  env = await openSandbox({ speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
  for (const args of [
    ["create", "namespace", NAMESPACE],
    ["-n", NAMESPACE, "create", "deployment", "web", "--image=nginx", "--replicas=3"],
    ["-n", NAMESPACE, "create", "service", "clusterip", "web", "--tcp=80:80"],
    ["-n", NAMESPACE, "rollout", "status", "deploy/web", "--timeout=60s"],
  ]) {
    const result = await kubectl(...args);
    assert.equal(result.code, 0, result.stderr);
  }
  proxy = await startFaultProxy(Number(new URL(env.sandbox.server).port));
  const throughProxy = variantKubeconfig(env, "through-proxy", (doc) => {
    for (const c of doc.clusters) c.cluster.server = proxy.url;
  });
  probe = await openViewProbe(env.sandbox, throughProxy, NAMESPACE);
});
after(async () => {
  await probe?.stop();
  await proxy?.close();
  await env.close();
});

async function settledAndCorrect(label: string): Promise<void> {
  const rolled = await kubectl("-n", NAMESPACE, "rollout", "status", "deploy/web", "--timeout=60s");
  assert.equal(rolled.code, 0, rolled.stderr);
  const ms = await probe.untilCorrect(10_000);
  assert.ok(ms !== undefined, `${label}: the view never matched the API: ${JSON.stringify(probe.compare())}`);
}

test("connections cut during rollouts: no row lost, stale or shown twice, and the view catches up each time", async () => {
  for (let cut = 0; cut < 5; cut++) {
    const restarted = await kubectl("-n", NAMESPACE, "rollout", "restart", "deploy/web");
    assert.equal(restarted.code, 0, restarted.stderr);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const lists = { ...probe.lists };
    assert.ok(proxy.cut() > 0, "the watches' connections were cut");
    const ms = await probe.untilRelistedAndCorrect(lists, 10_000);
    assert.ok(ms !== undefined, `cut ${cut + 1}: ${JSON.stringify(probe.compare())}`);
    // Every watch connected again before the next cut.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }
  await settledAndCorrect("after the cuts");
  assert.ok(probe.errors.length > 0, "the cuts were reported");
});

test("an API server killed and restarted on the same port keeps its state, and the view follows", async () => {
  const before = env.sandbox.store.list("deployments.apps", NAMESPACE).map((d) => d.metadata.uid);
  const lists = { ...probe.lists };
  await env.sandbox.faults.stopApi();
  // While it is down the cluster goes on: its controllers roll the deployment out again.
  const deployment = env.sandbox.store.get("deployments.apps", NAMESPACE, "web")!;
  const template = (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } })
    .template;
  template.metadata.annotations = { ...template.metadata.annotations, restartedWhileDown: "yes" };
  env.sandbox.store.update("deployments.apps", deployment);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await env.sandbox.faults.startApi();
  assert.deepEqual(
    env.sandbox.store.list("deployments.apps", NAMESPACE).map((d) => d.metadata.uid),
    before,
    "no state lost",
  );
  const ms = await probe.untilRelistedAndCorrect(lists, 10_000);
  assert.ok(ms !== undefined, JSON.stringify(probe.compare()));
  await settledAndCorrect("after the restart");
});

test("a burst of 500s answered to every request, connections cut at its start: the view recovers after it", async () => {
  const lists = { ...probe.lists };
  env.sandbox.faults.failRequests(500, 1_500);
  proxy.cut();
  await kubectl("-n", NAMESPACE, "scale", "deploy/web", "--replicas=4");
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  const scaled = await kubectl("-n", NAMESPACE, "scale", "deploy/web", "--replicas=4");
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.ok(
    (await probe.untilRelistedAndCorrect(lists, 10_000)) !== undefined,
    JSON.stringify(probe.compare()),
  );
  await settledAndCorrect("after the 500s");
});
