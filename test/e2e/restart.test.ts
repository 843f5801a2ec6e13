import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { Tmux } from "./tmux.ts";

// The tutorial's classic stumble, in a real terminal: Bookinfo applied before the namespace was
// labelled runs without sidecars. The tour says so, names the fix, and r does it.

const launcher = new URL("../../bin/kubectl-bookinfo.js", import.meta.url).pathname;
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
    const failed = await tmux.waitFor(/Fix: press r to restart them/);
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
});
