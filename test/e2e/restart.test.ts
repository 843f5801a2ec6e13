import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { Tmux } from "./tmux.ts";

// The tutorial's classic stumble, in a real terminal: Bookinfo applied before the namespace was
// labelled runs without sidecars. Labelled since, the tour says so and r restarts them; never
// labelled, the label comes first: n labels and restarts, and r refuses to claim a sidecar it
// would not bring.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const manifest = new URL("../../manifests/bookinfo.yaml", import.meta.url).pathname;

describe("pods that started before the label", () => {
  let env: TestSandbox;
  const tmux = new Tmux(120, 36);
  before(async () => {
    env = await openSandbox({ speed: 50 });
  });
  after(async () => {
    tmux.kill();
    await env.close();
  });

  test("the tour shows the cause and the fix, and r restarts them into the mesh", async () => {
    const kubectl = kubectlFor(env.kubeconfig);
    for (const args of [
      ["create", "namespace", "late"],
      ["-n", "late", "apply", "-f", manifest],
      ["-n", "late", "wait", "--for=condition=Available", "deployment", "--all", "--timeout=60s"],
      ["label", "namespace", "late", "istio-injection=enabled"],
    ]) {
      const result = await kubectl(...args);
      assert.equal(result.code, 0, result.stderr);
    }

    await tmux.start();
    await tmux.type(
      `env -u CI ${process.execPath} ${launcher} --kubeconfig ${env.kubeconfig} -n late; echo EXIT:$?`,
    );
    const failed = await tmux.waitFor(/Fix: press r to restart its 6 deployments/);
    assert.match(failed, /✗ 1 Enable sidecar injection/);
    assert.match(
      failed,
      /Cause: 6 pods have no sidecar: they started before the namespace was labelled; restart them/,
    );
    assert.match(failed, /^reviews-v1-\S+ +1\/1 +Running /m);

    await tmux.press("r");
    const restarted = await tmux.waitFor(
      (s) =>
        /✓ 1 Enable sidecar injection/.test(s) &&
        (s.match(/ 2\/2 +Running /g) ?? []).length === 6 &&
        !/ [01]\/1 /.test(s),
    );
    assert.match(restarted, /Restarted 6 deployments; the new pods start with the sidecar\./);

    await tmux.press("q");
    await tmux.waitFor(/^EXIT:0$/m);
  });

  test("not labelled yet: the detail says label first, r does not pretend, n labels and restarts", async () => {
    const kubectl = kubectlFor(env.kubeconfig);
    for (const args of [
      ["create", "namespace", "unlabelled"],
      ["-n", "unlabelled", "apply", "-f", manifest],
      ["-n", "unlabelled", "wait", "--for=condition=Available", "deployment", "--all", "--timeout=60s"],
    ]) {
      const result = await kubectl(...args);
      assert.equal(result.code, 0, result.stderr);
    }
    const tour = new Tmux(120, 36);
    try {
      await tour.start();
      await tour.type(
        `env -u CI ${process.execPath} ${launcher} --kubeconfig ${env.kubeconfig} -n unlabelled; echo EXIT:$?`,
      );
      const pending = await tour.waitFor(/Fix: press n to label namespace unlabelled and restart/);
      assert.match(
        pending,
        /Now: namespace unlabelled is not labelled for injection; 6 Bookinfo pods run without a sidecar/,
      );

      await tour.press("r");
      const refused = await tour.waitFor(/Not restarted: namespace unlabelled is not labelled for injection/);
      assert.doesNotMatch(refused, /the new pods start with the sidecar/);
      assert.equal((refused.match(/ 1\/1 +Running /g) ?? []).length, 6, "r must not have restarted anything");

      await tour.press("n");
      await tour.waitFor(
        (s) =>
          /✓ 1 Enable sidecar injection/.test(s) &&
          (s.match(/ 2\/2 +Running /g) ?? []).length === 6 &&
          !/ [01]\/1 /.test(s),
        { timeoutMs: 40_000 },
      );
      const labels = await kubectl("get", "namespace", "unlabelled", "-o", "jsonpath={.metadata.labels}");
      assert.match(labels.stdout, /"istio-injection":"enabled"/);

      await tour.press("q");
      await tour.waitFor(/^EXIT:0$/m);
    } finally {
      tour.kill();
    }
  });
});
