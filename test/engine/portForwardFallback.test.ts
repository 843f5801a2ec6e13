import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { TourRunner } from "../../source/engine/runner.ts";
import { TourSession } from "../../source/engine/tourSession.ts";

// A cluster whose ingress gateway has neither a LoadBalancer nor node ports (a ClusterIP
// Service, as on many managed clusters behind their own ingress): the tour forwards a port to
// the gateway pod itself and samples through it.

let env: TestSandbox;

before(async () => {
  env = await openSandbox({ speed: 50 });
  const kubectl = kubectlFor(env.kubeconfig);
  const removeNodePorts = [0, 1, 2].map((i) => ({ op: "remove", path: `/spec/ports/${i}/nodePort` }));
  const patched = await kubectl(
    "-n",
    "istio-system",
    "patch",
    "service",
    "istio-ingressgateway",
    "--type=json",
    "-p",
    JSON.stringify([{ op: "replace", path: "/spec/type", value: "ClusterIP" }, ...removeNodePorts]),
  );
  assert.equal(patched.code, 0, patched.stderr);
});
after(async () => env.close());

test("without a LoadBalancer or NodePort, GATEWAY_URL comes from a port-forward the tour opens", async () => {
  const session = await TourSession.open({
    kubeconfig: env.kubeconfig,
    namespace: "forwarded",
    sampleRate: 5,
  });
  try {
    await session.start();
    const runner = new TourRunner(session);
    const outcomes = await runner.runTo("gateway");
    assert.deepEqual(
      outcomes.map((o) => o.state),
      ["done", "done", "done"],
    );
    const forwarded = await session.waitFor((s) => s.gateway?.source === "port-forward", 30_000);
    assert.ok(forwarded, "no port-forward address appeared");
    assert.match(forwarded.gateway?.url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    const answered = await session.waitFor(
      (s) => s.samples.some((sample) => sample.code === 200 && sample.version),
      30_000,
    );
    assert.ok(
      answered,
      `no product page came through the forward: ${JSON.stringify(session.snapshot().samples.slice(-3))}`,
    );
  } finally {
    await session.stop();
  }
});
