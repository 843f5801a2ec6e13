import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type RunEvent, type RunnerPort, TourRunner } from "../../source/engine/runner.ts";
import type { Snapshot } from "../../source/model/snapshot.ts";
import type { ClusterActions } from "../../source/tutorial/stage.ts";
import { bookinfo, DEPLOYMENTS, namespace, pod, snapshot } from "../unit/tutorial/fixtures.ts";

// The runner alone, on a scripted cluster: the test decides what every snapshot holds and when,
// and records what the runner asked the cluster to do. The event sequence is the contract both
// `run` and the tour's screen are built on.

class ScriptedCluster implements RunnerPort {
  calls: unknown[][] = [];
  #snapshot: Snapshot;
  #listeners = new Set<(s: Snapshot) => void>();
  /** Called for every action; returns the lines it reports. */
  onAction: (name: string, arg: unknown) => Promise<string[]> = async (name, arg) =>
    name === "labelNamespace" ? ["namespace/bookinfo labeled"] : [`${name} ${String(arg)}`];

  constructor(snap: Snapshot) {
    this.#snapshot = snap;
  }

  set(snap: Snapshot): void {
    this.#snapshot = snap;
    for (const listener of [...this.#listeners]) listener(snap);
  }

  snapshot(): Snapshot {
    return this.#snapshot;
  }

  subscribe(listener: (s: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  actions(progress: { onApplied: (line: string) => void; signal: AbortSignal }): ClusterActions {
    const act = (name: string) => async (arg: unknown) => {
      this.calls.push([name, arg]);
      const lines = await this.onAction(name, arg);
      for (const line of lines) progress.onApplied(line);
      return lines;
    };
    return {
      applyManifest: act("applyManifest"),
      labelNamespace: act("labelNamespace"),
      restartDeployments: act("restartDeployments"),
      applyWithIstioctl: act("applyWithIstioctl"),
    };
  }

  async burst(count: number, streams?: string[]): Promise<void> {
    this.calls.push(["burst", count, streams]);
  }
}

/** The events as short strings, easy to compare as a sequence. */
function recorder(runner: TourRunner): string[] {
  const seen: string[] = [];
  runner.on((event: RunEvent) => {
    switch (event.type) {
      case "line":
        return seen.push(`line ${event.text}`);
      case "progress":
        return seen.push(`progress ${event.check.detail}`);
      case "done":
        return seen.push(`done ${event.stage} by ${event.by}`);
      case "failed":
        return seen.push(`failed ${event.stage} (${event.why}): ${event.check.detail}`);
      case "cancelled":
        return seen.push(
          `cancelled ${event.stage}${event.midApply ? " mid-apply" : ""} after ${event.lines.length}`,
        );
      default:
        return seen.push(`${event.type} ${event.stage}`);
    }
  });
  return seen;
}

const labelled = () => namespace({ "istio-injection": "enabled" });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the tour runner", () => {
  test("success: started, what it applied, applied, progress while pods come up, done", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const outcome = runner.run("deploy");
    await tick();
    // Pods on their way: one progress line per change of where the stage stands.
    const starting = snapshot({
      namespaceObject: labelled(),
      deployments: bookinfo().deployments,
      pods: DEPLOYMENTS.map((d) => pod(d, { state: "init" })),
    });
    cluster.set(starting);
    cluster.set({ ...starting }); // nothing new: no second progress line
    cluster.set(snapshot({ namespaceObject: labelled(), ...bookinfo() }));
    const result = await outcome;
    assert.equal(result.state, "done");
    assert.deepEqual(events, [
      "started deploy",
      "line applyManifest bookinfo.yaml",
      "applied deploy",
      "progress 0 of 6 pods Ready (6 Init:0/1)",
      "done deploy by run",
    ]);
    assert.deepEqual(cluster.calls, [["applyManifest", "bookinfo.yaml"]]);
    assert.equal(runner.running, null);
  });

  test("a stage judged by traffic takes its samples once the watches show its routing change", async () => {
    const cluster = new ScriptedCluster(snapshot());
    const runner = new TourRunner(cluster, { timeoutMs: () => 300 });
    cluster.onAction = async (name, arg) => {
      // The watch shows the change a moment after the write, as a real one does.
      if (arg === "virtual-service-all-v1.yaml")
        setTimeout(() => cluster.set({ ...cluster.snapshot(), routingChangedAt: Date.now() }), 20);
      return [`${name} ${String(arg)}`];
    };
    const started = Date.now();
    const bursts: number[] = [];
    const burst = cluster.burst.bind(cluster);
    cluster.burst = async (count, streams) => {
      bursts.push(Date.now() - started);
      return burst(count, streams);
    };
    await runner.run("route-v1");
    assert.deepEqual(cluster.calls.at(-1), ["burst", 10, undefined]);
    assert.ok(bursts[0]! >= 20 && bursts[0]! < 250, `burst after ${bursts[0]} ms`);
  });

  test("a routing stage's samples come from both streams; without a routing change it bursts after 1 s", async () => {
    const cluster = new ScriptedCluster(snapshot());
    const runner = new TourRunner(cluster, { timeoutMs: () => 1_300 });
    const started = Date.now();
    let burstAt = 0;
    const burst = cluster.burst.bind(cluster);
    cluster.burst = async (count, streams) => {
      burstAt = Date.now() - started;
      return burst(count, streams);
    };
    await runner.run("route-jason");
    assert.deepEqual(cluster.calls.at(-1), ["burst", 10, ["anonymous", "jason"]]);
    assert.ok(burstAt >= 1_000, `burst after ${burstAt} ms`);
  });

  test("a stage already done is reported as such and not applied again (unless asked)", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const result = await runner.run("inject");
    assert.equal(result.already, true);
    assert.deepEqual(events, ["done inject by already"]);
    assert.deepEqual(cluster.calls, []);
  });

  test("failure: a failure that lasts past the grace period gives up with the cause and the fix", async () => {
    const crashing = snapshot({
      namespaceObject: labelled(),
      pods: bookinfo().pods.map((p) =>
        p.metadata.name?.startsWith("ratings") ? pod("ratings-v1", { state: "crashloop" }) : p,
      ),
      deployments: bookinfo().deployments,
    });
    const cluster = new ScriptedCluster(crashing);
    const runner = new TourRunner(cluster, { failedGraceMs: 60, recheckMs: 10 });
    const events = recorder(runner);
    const started = Date.now();
    const result = await runner.run("deploy");
    assert.ok(Date.now() - started >= 60, "gave up before the grace period ended");
    assert.equal(result.state, "failed");
    assert.match(result.check.detail, /ratings-v1-\S+ is CrashLoopBackOff/);
    assert.equal(result.check.fix?.lead, "see why it exits");
    // The failure is never reported as progress while it may still pass.
    assert.deepEqual(events, [
      "started deploy",
      "line applyManifest bookinfo.yaml",
      "applied deploy",
      `failed deploy (check): ${result.check.detail}`,
    ]);
  });

  test("a failure carries the mesh findings that explain it, and only those", async () => {
    // Bookinfo is up without sidecars in a labelled namespace, and restarting cannot help here.
    const lacking = snapshot({
      namespaceObject: labelled(),
      ...bookinfo({ sidecar: false }),
      destinationRules: [
        {
          apiVersion: "networking.istio.io/v1",
          kind: "DestinationRule",
          metadata: { name: "ratings", namespace: "bookinfo" },
          spec: { host: "ratings", subsets: [{ name: "v9", labels: { version: "v9" } }] },
        },
      ],
    });
    const cluster = new ScriptedCluster(lacking);
    const runner = new TourRunner(cluster, { failedGraceMs: 30, recheckMs: 10 });
    const failures: string[][] = [];
    runner.on((event) => {
      if (event.type === "failed") failures.push(event.findings.map((f) => `${f.code} ${f.object.name}`));
    });
    const result = await runner.run("inject");
    assert.equal(result.state, "failed");
    // Six pods without the proxy; the DestinationRule's unused subset v9 (IST0173) explains nothing.
    assert.deepEqual(failures, [
      bookinfo()
        .pods.map((p) => `IST0103 ${p.metadata.name}`)
        .sort(),
    ]);
  });

  test("a failure that passes within the grace period is not a failure", async () => {
    const crashing = snapshot({
      namespaceObject: labelled(),
      pods: bookinfo().pods.map((p) =>
        p.metadata.name?.startsWith("ratings") ? pod("ratings-v1", { state: "crashloop" }) : p,
      ),
      deployments: bookinfo().deployments,
    });
    const cluster = new ScriptedCluster(crashing);
    const runner = new TourRunner(cluster, { failedGraceMs: 5_000, recheckMs: 10 });
    const outcome = runner.run("deploy");
    await tick();
    cluster.set(snapshot({ namespaceObject: labelled(), ...bookinfo() }));
    assert.equal((await outcome).state, "done");
  });

  test("out of time: failed, saying how long it waited", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    const runner = new TourRunner(cluster, { timeoutMs: () => 40 });
    const events = recorder(runner);
    const result = await runner.run("deploy");
    assert.equal(result.state, "failed");
    assert.match(
      result.check.detail,
      /^Bookinfo is not deployed in namespace bookinfo \(gave up after 0 s\)$/,
    );
    assert.match(events.at(-1) ?? "", /^failed deploy \(timeout\)/);
  });

  test("the cluster refusing a change fails the stage with what it said", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    cluster.onAction = async () => {
      throw new Error("deployments.apps is forbidden");
    };
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const result = await runner.run("deploy");
    assert.equal(result.state, "failed");
    assert.equal(result.error?.message, "deployments.apps is forbidden");
    assert.deepEqual(events, ["started deploy", "failed deploy (apply): deployments.apps is forbidden"]);
  });

  test("cancel while waiting: at once, saying what was applied", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const cancel = new AbortController();
    const outcome = runner.run("deploy", { signal: cancel.signal });
    await tick();
    const asked = Date.now();
    cancel.abort();
    const result = await outcome;
    assert.ok(Date.now() - asked < 100, "the wait did not end at once");
    assert.equal(result.state, "cancelled");
    assert.deepEqual(events, [
      "started deploy",
      "line applyManifest bookinfo.yaml",
      "applied deploy",
      "cancelled deploy after 1",
    ]);
    assert.equal(runner.running, null);
  });

  test("cancel while applying: at once, even if the cluster has not answered", async () => {
    const cluster = new ScriptedCluster(snapshot());
    cluster.onAction = () => new Promise(() => {}); // an API server that never answers
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const cancel = new AbortController();
    const outcome = runner.run("inject", { signal: cancel.signal });
    await tick();
    cancel.abort();
    assert.equal((await outcome).state, "cancelled");
    assert.deepEqual(events, ["started inject", "cancelled inject mid-apply after 0"]);
  });

  test("runTo goes in tour order and stops at the first stage that is not done", async () => {
    const cluster = new ScriptedCluster(snapshot({ namespaceObject: labelled() }));
    const runner = new TourRunner(cluster, { timeoutMs: () => 30 });
    const outcomes = await runner.runTo("verify");
    assert.deepEqual(
      outcomes.map((o) => `${o.stage} ${o.state}`),
      ["inject done", "deploy failed"],
    );
  });

  test("watch reports a stage the cluster got done by itself, once", async () => {
    const cluster = new ScriptedCluster(snapshot());
    const runner = new TourRunner(cluster);
    const events = recorder(runner);
    const stop = runner.watch();
    cluster.set(snapshot({ namespaceObject: labelled() }));
    cluster.set(snapshot({ namespaceObject: labelled() }));
    stop();
    cluster.set(snapshot());
    cluster.set(snapshot({ namespaceObject: labelled() }));
    assert.deepEqual(events, ["done inject by cluster"]);
  });

  test("watch says nothing of the states a run passes through while it writes", async () => {
    const start = snapshot({ namespaceObject: labelled() });
    const cluster = new ScriptedCluster(start);
    const runner = new TourRunner(cluster, { timeoutMs: () => 50 });
    cluster.onAction = async (name, arg) => {
      // Between two of its writes, inject looks undone for a moment, then done again.
      cluster.set(snapshot());
      cluster.set(start);
      return [`${name} ${String(arg)}`];
    };
    const events = recorder(runner);
    const stop = runner.watch();
    await runner.run("deploy");
    cluster.set(start);
    stop();
    assert.ok(!events.includes("done inject by cluster"), events.join());
  });
});
