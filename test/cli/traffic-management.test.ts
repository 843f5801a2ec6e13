import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo, isOneSentence } from "./support.ts";

// The traffic-management lesson through `run` and `status`, on the sandbox reached like a real
// cluster: both show the same per-stream measured and configured splits, and objects the tour
// did not make are named with their owner before anything is changed.

let env: TestSandbox;
let kubectl: Kubectl;
const fixture = (name: string) => new URL(`../fixtures/istio-samples/${name}`, import.meta.url).pathname;

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

interface Splits {
  streams: Record<string, { total: number; split: Record<string, number> }>;
  configured: Record<string, Record<string, number | string>>;
}

describe("the traffic-management lesson from the command line", () => {
  test("run and status -o json show the same per-stream measured and configured splits", async () => {
    const first = await bookinfo(env.kubeconfig, "run", "-n", "lesson");
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /All 5 stages done\./);

    const run = await bookinfo(env.kubeconfig, "run", "-n", "lesson", "route-jason", "-o", "json");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const stage = JSON.parse(run.stdout).stages[0];
    assert.equal(stage.id, "route-jason");
    assert.equal(stage.state, "done");
    assert.match(stage.explain, /end-user: jason/);
    const ran: Splits = stage.samples;
    assert.deepEqual(ran.streams.anonymous!.split, { v1: 100, v2: 0, v3: 0, unavailable: 0 });
    assert.deepEqual(ran.streams.jason!.split, { v1: 0, v2: 100, v3: 0, unavailable: 0 });
    assert.ok(ran.streams.jason!.total >= 5);

    const status = await bookinfo(env.kubeconfig, "status", "-n", "lesson", "-o", "json", "--samples", "20");
    assert.equal(status.code, 3, "the lesson has begun and is not finished");
    const report = JSON.parse(status.stdout);
    const seen: Splits = report.samples;
    assert.deepEqual(seen.configured, ran.configured);
    assert.deepEqual(seen.configured.jason, {
      v1: 0,
      v2: 100,
      v3: 0,
      unavailable: 0,
      source: "VirtualService reviews rule 1 (end-user exact jason): v2 100%",
    });
    assert.equal(seen.configured.anonymous!.source, "VirtualService reviews rule 2: v1 100%");
    for (const stream of ["anonymous", "jason"]) {
      assert.deepEqual(seen.streams[stream]!.split, ran.streams[stream]!.split, stream);
      assert.equal(seen.streams[stream]!.total, 20, stream);
    }
    const states = Object.fromEntries(
      report.stages.map((s: { id: string; state: string }) => [s.id, s.state]),
    );
    assert.equal(states["route-v1"], "done");
    assert.equal(states["route-jason"], "done");
    assert.equal(states["fault-delay"], "pending");

    // The plain text says the same, a line per stream.
    const text = await bookinfo(env.kubeconfig, "status", "-n", "lesson", "--samples", "10");
    assert.match(
      text.stdout,
      /^ {2}anonymous: 10 requests, measured v1 100% \(configured v1 100%\); p50 \d+ ms/m,
    );
    assert.match(
      text.stdout,
      /^ {2}jason: 10 requests, measured v2 100% \(configured v2 100%\); p50 \d+ ms/m,
    );
  });

  test("--weights 90/10: the canary is judged against the weights given", async () => {
    const run = await bookinfo(env.kubeconfig, "run", "-n", "lesson", "canary-50", "--weights", "90/10");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /done: consistent with 90\/10 after 150 samples \(both streams\)/);
    assert.match(
      run.stdout,
      /anonymous: \d+ requests, measured v1 \d+%, v3 \d+% \(configured v1 90%, v3 10%\)/,
    );
    const weights = await ok(
      "-n",
      "lesson",
      "get",
      "virtualservice",
      "reviews",
      "-o",
      "jsonpath={.spec.http[0].route[*].weight}",
    );
    assert.equal(weights, "90 10");
  });

  test("Istio's own file applied by hand is recognised, and resumes the lesson from there", async () => {
    await ok("-n", "lesson", "apply", "-f", fixture("virtual-service-reviews-v3.yaml"));
    const status = await bookinfo(env.kubeconfig, "status", "-n", "lesson", "-o", "json", "--samples", "30");
    const report = JSON.parse(status.stdout);
    const states = Object.fromEntries(
      report.stages.map((s: { id: string; state: string }) => [s.id, s.state]),
    );
    assert.equal(states["canary-50"], "done", "passed");
    assert.equal(states["canary-100"], "done", JSON.stringify(report.stages));
    assert.equal(states.timeout, "pending");
    assert.deepEqual(report.samples.streams.jason.split, { v1: 0, v2: 0, v3: 100, unavailable: 0 });
  });

  test("usage: stage names, --to and --lesson do not mix; unknown stages and weights are one sentence", async () => {
    for (const args of [
      ["run", "--to", "route-v1", "--lesson", "traffic-management"],
      ["run", "route-jason", "--to", "canary-50"],
      ["run", "no-such-stage"],
      ["run", "canary-50", "--weights", "90-10"],
      ["run", "fault-delay", "--delay", "soon"],
    ]) {
      const result = await bookinfo(env.kubeconfig, ...args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.ok(result.stderr.trim().split("\n").length <= 2, result.stderr);
    }
  });
});

describe("objects the tour did not make", () => {
  test("run stops before a user's own deployment, naming it and its owner; --take-over takes it; reset leaves it", async () => {
    await ok("create", "namespace", "owned");
    await ok(
      "-n",
      "owned",
      "create",
      "deployment",
      "ratings-v1",
      "--image=docker.io/istio/examples-bookinfo-ratings-v1:1.20.3",
    );
    const run = await bookinfo(env.kubeconfig, "run", "-n", "owned", "--to", "deploy");
    assert.equal(run.code, 1, run.stdout);
    assert.ok(isOneSentence(run.stderr), run.stderr);
    assert.match(
      run.stderr,
      /^error: Deployment ratings-v1 in namespace owned exists and was not made by the tour \(it is kubectl-create's\), so it was left as it is and the stage stopped there; to replace it, run again with --take-over/,
    );
    assert.doesNotMatch(run.stderr, /fix the manifest/);
    assert.equal(
      await ok("-n", "owned", "get", "deployment", "ratings-v1", "-o", "jsonpath={.metadata.labels.app}"),
      "ratings-v1",
      "untouched: kubectl create's label, not bookinfo.yaml's",
    );

    const taken = await bookinfo(env.kubeconfig, "run", "-n", "owned", "--to", "deploy", "--take-over");
    assert.equal(taken.code, 0, taken.stdout + taken.stderr);
    assert.match(
      taken.stdout,
      /deployment\.apps\/ratings-v1 replaced \(taken over from kubectl-create; deleted and made again, as its spec\.selector cannot change in place\)/,
    );

    const reset = await bookinfo(env.kubeconfig, "reset", "-n", "owned");
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^deployment\.apps\/details-v1 deleted$/m);
    assert.match(
      reset.stdout,
      /^ {2}deployment\.apps\/ratings-v1: the tour took it over from kubectl-create; it did not make it$/m,
    );
    assert.match(
      await ok("-n", "owned", "get", "deployment", "-o", "name"),
      /^deployment\.apps\/ratings-v1$/m,
    );
  });

  test("a user's own VirtualService reviews stops route-jason, named with its owner", async () => {
    await ok("create", "namespace", "theirs");
    await ok("-n", "theirs", "apply", "-f", fixture("virtual-service-reviews-80-20.yaml"));
    const run = await bookinfo(env.kubeconfig, "run", "-n", "theirs", "route-jason");
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: VirtualService reviews in namespace theirs exists and was not made by the tour \(it is kubectl-client-side-apply's\)/,
    );
    assert.equal(
      await ok(
        "-n",
        "theirs",
        "get",
        "virtualservice",
        "reviews",
        "-o",
        "jsonpath={.spec.http[0].route[*].weight}",
      ),
      "80 20",
      "never overwritten without asking",
    );
  });
});
