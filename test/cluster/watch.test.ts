import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { applyManifest, labelNamespace } from "../../source/cluster/apply.ts";
import { connect } from "../../source/cluster/connect.ts";
import { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { watchNamespace } from "../../source/cluster/watch.ts";
import type { SnapshotEvent, WatchedResource } from "../../source/model/snapshot.ts";
import { openSandbox, type TestSandbox } from "../support/sandbox.ts";
import { closedPort, clusterFor, freshNamespace, variantKubeconfig } from "./helpers.ts";

const ALL: WatchedResource[] = [
  "namespace",
  "pods",
  "deployments",
  "services",
  "gateways",
  "virtualservices",
  "destinationrules",
  "ingressPods",
  "ingressService",
];

let sandbox: TestSandbox;
before(async () => {
  sandbox = await openSandbox({ speed: 20 });
});
after(() => sandbox.close());

/** Resolves when `probe` holds for the events seen so far. */
function waitFor(
  events: SnapshotEvent[],
  probe: (events: SnapshotEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (probe(events)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`not seen within ${timeoutMs} ms`));
      setTimeout(check, 20);
    };
    check();
  });
}

const sockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TLSWrap").length;

test("watch: synced for every resource first, then live changes; stop leaves nothing behind", async () => {
  const namespace = freshNamespace();
  const cluster = clusterFor(sandbox, namespace);
  const baseline = sockets();
  const batches: SnapshotEvent[][] = [];
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(cluster, namespace, (batch) => {
    batches.push(batch);
    events.push(...batch);
  });
  try {
    await watch.ready;

    assert.equal(events[0]?.kind, "istio");
    const istio = events[0]?.kind === "istio" ? events[0].istio : undefined;
    assert.deepEqual(istio, { installed: true, version: "1.28.1", networkingVersion: "v1", ambient: false });
    const synced = events.filter((e) => e.kind === "synced");
    assert.deepEqual(synced.map((e) => e.resource).sort(), [...ALL].sort());
    const byResource = Object.fromEntries(synced.map((e) => [e.resource, e.objects]));
    assert.deepEqual(byResource.namespace, []);
    assert.deepEqual(byResource.pods, []);
    assert.equal(byResource.ingressPods?.length, 1);
    assert.equal(byResource.ingressService?.[0]?.metadata.name, "istio-ingressgateway");
    for (const resource of ALL) {
      const first = events.findIndex(
        (e) => (e.kind === "object" || e.kind === "synced") && e.resource === resource,
      );
      assert.equal(events[first]?.kind, "synced", `${resource}: its list comes before its changes`);
    }

    await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
    await applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" });
    await applyManifest(cluster, "bookinfo-gateway.yaml", { namespace, networkingVersion: "v1" });
    const seen = (resource: WatchedResource, type: string, name: string) => (list: SnapshotEvent[]) =>
      list.some(
        (e) =>
          e.kind === "object" &&
          e.resource === resource &&
          e.type === type &&
          e.object.metadata.name === name,
      );
    await waitFor(events, seen("namespace", "ADDED", namespace));
    await waitFor(events, seen("deployments", "ADDED", "productpage-v1"));
    await waitFor(events, seen("services", "ADDED", "reviews"));
    await waitFor(events, seen("gateways", "ADDED", "bookinfo-gateway"));
    await waitFor(events, seen("virtualservices", "ADDED", "bookinfo"));
    await waitFor(events, (list) =>
      list.some(
        (e) =>
          e.kind === "object" &&
          e.resource === "pods" &&
          e.object.metadata.name?.startsWith("productpage-v1-"),
      ),
    );
    // Objects from watch events are the plain JSON the API sent.
    const pod = events.find((e) => e.kind === "object" && e.resource === "pods");
    assert.equal(pod?.kind === "object" && typeof pod.object.metadata.creationTimestamp, "string");
    // A burst of changes reaches onEvents in batches, not one call per event.
    assert.ok(batches.some((batch) => batch.length > 1));
  } finally {
    await watch.stop();
    await cluster.close();
  }
  const count = events.length;
  const other = clusterFor(sandbox, namespace);
  await applyManifest(other, "destination-rule-all.yaml", { namespace, networkingVersion: "v1" });
  await other.close();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(events.length, count, "no events after stop()");
  await waitFor([], () => sockets() <= baseline, 3_000).catch(() => {
    assert.fail(
      `sockets still open after stop: ${sockets()} > ${baseline} (${process.getActiveResourcesInfo().join(", ")})`,
    );
  });
});

test("watch: an unreachable cluster rejects ready with the sentence and retries with backoff, never in a tight loop", async () => {
  const port = await closedPort();
  const kubeconfig = variantKubeconfig(sandbox, "watch-refused", (doc) => {
    for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  });
  const cluster = connect(resolveTarget({ kubeconfig, namespace: "bookinfo" }, {}));
  const errors: [WatchedResource, ClusterError][] = [];
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(cluster, "bookinfo", (batch) => events.push(...batch), {
    istio: { installed: true, version: "1.28.1", networkingVersion: "v1" },
    onError: (resource, error) => errors.push([resource, error]),
    backoff: { initialMs: 100, maxMs: 400 },
  });
  try {
    await assert.rejects(watch.ready, (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.equal(
        error.message,
        `cannot reach the cluster at https://127.0.0.1:${port}: connection refused. Is it running? (context bookinfo-sandbox)`,
      );
      return true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const pods = errors.filter(([resource]) => resource === "pods").length;
    // 100 + 200 + 400 + 400 ms of backoff fit in a second: a handful of attempts, not hundreds.
    assert.ok(pods >= 2 && pods <= 6, `pods list attempts in 1 s: ${pods}`);
    assert.deepEqual(
      events.filter((e) => e.kind !== "istio").map((e) => e.kind),
      [],
      "nothing but Istio's info from a dead cluster",
    );
  } finally {
    await watch.stop();
  }
  const after = errors.length;
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(errors.length, after, "no retries after stop()");
  await cluster.close();
});

test("watch: stop() before the first lists arrive ends ready quietly", async () => {
  const namespace = freshNamespace();
  const cluster = clusterFor(sandbox, namespace);
  const watch = watchNamespace(cluster, namespace, () => {});
  await watch.stop();
  await watch.ready;
  await cluster.close();
});
