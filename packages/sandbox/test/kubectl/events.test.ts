import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Pod } from "../../src/kube.ts";
import { until } from "../../testing/sandbox.ts";
import { deployBookinfo, type Tutorial } from "../../testing/tutorial.ts";

// Events with the real kubectl: `get events` and `describe` read as on a cluster, with the
// scheduler's, kubelet's and controllers' reasons and messages.

let t: Tutorial;
let detailsPod: Pod;

before(async () => {
  t = await deployBookinfo("events-kubectl", true);
  detailsPod = ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[]).find(
    (p) => p.metadata.labels?.app === "details",
  )!;
});
after(async () => t?.close());

/** The Events table of `kubectl describe` as [type, reason, from, message] rows. */
function eventRows(describe: string): string[][] {
  const section = describe.slice(describe.indexOf("\nEvents:") + 1);
  // "Events:", the column names and their underlines come first.
  return section
    .split("\n")
    .slice(3)
    .filter((line) => line.trim())
    .map((line) => line.trim().split(/\s{2,}/))
    .map(([type, reason, , from, ...message]) => [type!, reason!, from!, message.join("  ")]);
}

describe("Events", () => {
  test("describe pod: scheduling, the image pulls and each container's start, in order", async () => {
    const name = detailsPod.metadata.name!;
    const rows = eventRows(await t.ok("-n", t.ns, "describe", "pod", name));
    assert.deepEqual(rows[0], [
      "Normal",
      "Scheduled",
      "default-scheduler",
      `Successfully assigned ${t.ns}/${name} to bookinfo-sandbox-control-plane`,
    ]);
    const image = detailsPod.spec!.containers.find((c) => c.name === "details")!.image!;
    const proxy = detailsPod.spec!.containers.find((c) => c.name === "istio-proxy")!.image!;
    const kubelet = rows.slice(1).map(([type, reason, from, message]) => {
      assert.equal(type, "Normal");
      assert.equal(from, "kubelet");
      return `${reason}: ${message}`;
    });
    assert.deepEqual(kubelet.slice(0, 3), [
      `Pulled: Container image "${proxy}" already present on machine`,
      "Created: Created container: istio-init",
      "Started: Started container istio-init",
    ]);
    assert.equal(kubelet[3], `Pulling: Pulling image "${image}"`);
    assert.match(
      kubelet[4]!,
      new RegExp(
        `^Pulled: Successfully pulled image "${image.replace(/\./g, "\\.")}" in [\\d.]+m?s \\([\\d.]+m?s including waiting\\)\\. Image size: \\d+ bytes\\.$`,
      ),
    );
    assert.deepEqual(kubelet.slice(5), [
      "Created: Created container: details",
      "Started: Started container details",
      `Pulled: Container image "${proxy}" already present on machine`,
      "Created: Created container: istio-proxy",
      "Started: Started container istio-proxy",
    ]);
  });

  test("get events: the table's columns, and the objects behind them", async () => {
    const table = await t.ok("-n", t.ns, "get", "events");
    assert.match(table, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
    assert.match(
      table,
      /\d+s\s+Normal\s+ScalingReplicaSet\s+deployment\/details-v1\s+Scaled up replica set details-v1-[a-z0-9]+ from 0 to 1/,
    );
    assert.match(
      table,
      /Normal\s+SuccessfulCreate\s+replicaset\/details-v1-[a-z0-9]+\s+Created pod: details-v1-/,
    );
    const json = JSON.parse(
      await t.ok(
        "-n",
        t.ns,
        "get",
        "events",
        "--field-selector",
        `involvedObject.name=${detailsPod.metadata.name},reason=Started`,
        "-o",
        "json",
      ),
    ) as { items: Record<string, any>[] };
    assert.equal(json.items.length, 3);
    const started = json.items.find((e) => e.involvedObject.fieldPath === "spec.containers{details}")!;
    assert.deepEqual(started.source, { component: "kubelet", host: "bookinfo-sandbox-control-plane" });
    assert.equal(started.involvedObject.uid, detailsPod.metadata.uid);
    assert.equal(started.count, 1);
    assert.match(started.firstTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const wide = await t.ok(
      "-n",
      t.ns,
      "get",
      "events",
      "-o",
      "wide",
      "--field-selector",
      "reason=Scheduled",
    );
    assert.match(wide, /default-scheduler, default-scheduler-bookinfo-sandbox-control-plane/);
  });

  test("scaling and deleting: ScalingReplicaSet, SuccessfulCreate/Delete, Killing; repeats are counted", async () => {
    const scaleTo = async (n: number) => {
      await t.ok("-n", t.ns, "scale", "deployment", "ratings-v1", `--replicas=${n}`);
      await until(
        t.env.sandbox,
        () => {
          const pods = ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[]).filter(
            (p) => p.metadata.labels?.app === "ratings",
          );
          return (
            pods.length === n &&
            pods.every((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)
          );
        },
        20_000,
      );
    };
    await scaleTo(2);
    await scaleTo(1);
    await scaleTo(2);
    await scaleTo(1);
    const rows = eventRows(await t.ok("-n", t.ns, "describe", "deployment", "ratings-v1"));
    const messages = rows.map((r) => r[3]);
    assert.ok(
      messages.some((m) => /^Scaled down replica set ratings-v1-[a-z0-9]+ from 2 to 1$/.test(m!)),
      messages.join("\n"),
    );
    const describe = await t.ok("-n", t.ns, "describe", "deployment", "ratings-v1");
    // The same event twice: one Event, counted, which describe shows as "(x2 over ...)".
    assert.match(
      describe,
      /Normal\s+ScalingReplicaSet\s+\S+ \(x2 over \S+\)\s+deployment-controller\s+Scaled up replica set ratings-v1-[a-z0-9]+ from 1 to 2/,
    );
    const events = await t.ok(
      "-n",
      t.ns,
      "get",
      "events",
      "--field-selector",
      "involvedObject.kind=ReplicaSet",
    );
    assert.match(events, /SuccessfulDelete\s+replicaset\/ratings-v1-[a-z0-9]+\s+Deleted pod: ratings-v1-/);
    const killing = await t.ok("-n", t.ns, "get", "events", "--field-selector", "reason=Killing");
    assert.match(
      killing,
      /Normal\s+Killing\s+pod\/ratings-v1-[a-z0-9]+-[a-z0-9]+\s+Stopping container ratings/,
    );
    assert.match(killing, /Stopping container istio-proxy/);
  });
});
