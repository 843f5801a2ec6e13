import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import {
  deployment,
  ISTIO_VERSION,
  isReady,
  NODE,
  namespace,
  recordRows,
  resource,
  startCluster,
  type TestCluster,
} from "./cluster.ts";

const POD = resource("v1", "Pod");

const pod = (
  ns: string,
  name: string,
  spec: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels },
  spec: {
    containers: [{ name: "reviews", image: "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3" }],
    ...spec,
  },
});

describe("scheduler and kubelet", () => {
  let c: TestCluster;
  beforeEach(() => {
    c = startCluster();
    c.create(namespace("plain"));
    c.create(namespace("mesh", { "istio-injection": "enabled" }));
  });
  afterEach(() => c.stop());

  test("an injected pod shows Init:0/1, PodInitializing, then 0/2, 1/2, 2/2 Running", async () => {
    const events = recordRows(c.store, "mesh");
    c.create(pod("mesh", "reviews"));
    await c.waitFor("reviews ready", () => isReady(c.store.get("pods", "mesh", "reviews") as Pod));
    events.stop();
    // reviews (Java) gets ready well after its sidecar, hence the 1/2 step.
    assert.deepEqual(events.rows.get("reviews"), [
      "0/2 Pending",
      "0/2 Init:0/1",
      "0/2 PodInitializing",
      "0/2 Running",
      "1/2 Running",
      "2/2 Running",
    ]);
  });

  test("a pod without a sidecar shows ContainerCreating, then 0/1 and 1/1 Running", async () => {
    const events = recordRows(c.store, "plain");
    c.create(
      pod("plain", "details", {
        containers: [{ name: "details", image: "docker.io/istio/examples-bookinfo-details-v1:1.20.3" }],
      }),
    );
    await c.waitFor("details ready", () => isReady(c.store.get("pods", "plain", "details") as Pod));
    events.stop();
    assert.deepEqual(events.rows.get("details"), [
      "0/1 Pending",
      "0/1 ContainerCreating",
      "0/1 Running",
      "1/1 Running",
    ]);
  });

  test("a running pod's status carries what kubectl and the tour read", async () => {
    c.create(pod("mesh", "reviews"));
    c.create(pod("plain", "plain-reviews"));
    const p = await c.waitFor("reviews ready", () => {
      const found = c.store.get("pods", "mesh", "reviews") as Pod;
      return isReady(found) && found;
    });
    const other = await c.waitFor("plain ready", () => {
      const found = c.store.get("pods", "plain", "plain-reviews") as Pod;
      return isReady(found) && found;
    });
    const status = p.status ?? {};
    assert.equal(p.spec?.nodeName, NODE);
    assert.equal(status.phase, "Running");
    assert.equal(status.hostIP, "127.0.0.1");
    assert.deepEqual(status.hostIPs, [{ ip: "127.0.0.1" }]);
    assert.match(status.podIP ?? "", /^10\.244\.\d+\.\d+$/);
    assert.deepEqual(status.podIPs, [{ ip: status.podIP }]);
    assert.notEqual(other.status?.podIP, status.podIP);
    assert.match(String(status.startTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(status.qosClass, "Burstable", "the sidecar's requests make the pod Burstable");
    assert.equal(other.status?.qosClass, "BestEffort");

    assert.deepEqual(
      status.conditions?.map((x) => [x.type, x.status]),
      [
        ["PodReadyToStartContainers", "True"],
        ["Initialized", "True"],
        ["Ready", "True"],
        ["ContainersReady", "True"],
        ["PodScheduled", "True"],
      ],
    );
    for (const condition of status.conditions ?? []) assert.ok(condition.lastTransitionTime, condition.type);

    const [init] = status.initContainerStatuses ?? [];
    assert.equal(init?.name, "istio-init");
    assert.deepEqual(
      {
        exitCode: init?.state?.terminated?.exitCode,
        reason: init?.state?.terminated?.reason,
        ready: init?.ready,
      },
      { exitCode: 0, reason: "Completed", ready: true },
    );
    assert.deepEqual(
      status.containerStatuses?.map((s) => [
        s.name,
        s.ready,
        s.started,
        s.restartCount,
        Boolean(s.state?.running?.startedAt),
      ]),
      [
        ["reviews", true, true, 0, true],
        ["istio-proxy", true, true, 0, true],
      ],
    );
    const [app, proxy] = status.containerStatuses ?? [];
    assert.match(app?.containerID ?? "", /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(app?.image, "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3");
    assert.match(app?.imageID ?? "", /^docker\.io\/istio\/examples-bookinfo-reviews-v1@sha256:[0-9a-f]{64}$/);
    assert.equal(proxy?.image, `docker.io/istio/proxyv2:${ISTIO_VERSION}`);
    assert.equal(
      other.status?.containerStatuses?.[0]?.imageID,
      app?.imageID,
      "one image, one digest, whichever pod runs it",
    );
  });

  test("while waiting, containers report no container ID and an empty imageID", async () => {
    c.create(pod("plain", "waiting"));
    const p = await c.waitFor("the kubelet's first status", () => {
      const found = c.store.get("pods", "plain", "waiting") as Pod;
      return found.status?.containerStatuses && found;
    });
    const [s] = p.status?.containerStatuses ?? [];
    assert.deepEqual(s?.state, { waiting: { reason: "ContainerCreating" } });
    assert.equal(s?.imageID, "");
    assert.equal(s?.containerID, undefined);
    assert.equal(s?.image, "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3");
    const ready = p.status?.conditions?.find((x) => x.type === "Ready");
    assert.deepEqual(
      [ready?.status, ready?.reason, ready?.message],
      ["False", "ContainersNotReady", "containers with unready status: [reviews]"],
    );
  });

  test("deleting a pod stops its containers within the grace period, then removes it", async () => {
    c.create(pod("mesh", "reviews"));
    await c.waitFor("reviews ready", () => isReady(c.store.get("pods", "mesh", "reviews") as Pod));
    const events = recordRows(c.store, "mesh");
    let lastStatus: Pod | undefined;
    const unsubscribe = c.store.subscribe((e) => {
      if (e.resource === "pods" && e.type === "MODIFIED") lastStatus = e.object as Pod;
    });
    c.objects.delete(POD, "mesh", "reviews", {});
    await c.waitFor("reviews gone", () => !c.store.get("pods", "mesh", "reviews"));
    unsubscribe();
    events.stop();
    // The JVM exits 143 on SIGTERM, so kubectl briefly shows Error before the pod disappears.
    assert.deepEqual(events.rows.get("reviews"), ["2/2 Terminating", "0/2 Error", "<deleted>"]);
    assert.equal(lastStatus?.status?.phase, "Failed");
    assert.deepEqual(
      lastStatus?.status?.containerStatuses?.map((s) => [
        s.name,
        s.state?.terminated?.exitCode,
        s.state?.terminated?.reason,
      ]),
      [
        ["reviews", 143, "Error"],
        ["istio-proxy", 0, "Completed"],
      ],
    );
  });

  test("pods bound to another node are left exactly as the API leaves them", async () => {
    const pinned = c.create({
      ...pod("plain", "pinned", { nodeName: "elsewhere" }),
      status: { phase: "Running", podIP: "10.244.9.9" },
    });
    const unscheduled = c.create(pod("plain", "gated", { schedulingGates: [{ name: "example.com/hold" }] }));
    await c.controllers.settled();
    const after = c.store.get("pods", "plain", "pinned");
    assert.equal(after?.metadata.resourceVersion, pinned.metadata.resourceVersion);
    assert.deepEqual(after?.status, pinned.status);

    const gated = c.store.get("pods", "plain", "gated") as Pod;
    assert.equal(gated.spec?.nodeName, undefined);
    assert.notEqual(gated.metadata.resourceVersion, unscheduled.metadata.resourceVersion);
    const scheduled = gated.status?.conditions?.find((x) => x.type === "PodScheduled");
    assert.deepEqual([scheduled?.status, scheduled?.reason], ["False", "SchedulingGated"]);

    c.objects.delete(POD, "plain", "pinned", {});
    await c.controllers.settled();
    const terminating = c.store.get("pods", "plain", "pinned");
    assert.ok(terminating?.metadata.deletionTimestamp, "no kubelet of ours finishes another node's pod");
    assert.deepEqual(terminating.status, pinned.status);
  });

  test("host-network pods share the node's IP and never get a sidecar", async () => {
    c.create(pod("mesh", "host", { hostNetwork: true }));
    const p = await c.waitFor("ready", () => {
      const found = c.store.get("pods", "mesh", "host") as Pod;
      return isReady(found) && found;
    });
    assert.equal(p.status?.podIP, "127.0.0.1");
    assert.deepEqual(
      p.spec?.containers.map((x) => x.name),
      ["reviews"],
    );
  });

  test("the kubelet announces pods becoming ready and stopping, for the data plane", async () => {
    const seen: string[] = [];
    // istio-system's own pods start alongside; only this namespace is of interest.
    const onReady = (p: Pod) => p.metadata.namespace === "plain" && seen.push(`ready ${p.metadata.name}`);
    const onStopped = (p: Pod) => p.metadata.namespace === "plain" && seen.push(`stopped ${p.metadata.name}`);
    c.controllers.pods.on("ready", onReady);
    c.controllers.pods.on("stopped", onStopped);
    c.create(deployment("plain", "ratings-v1"));
    const p = await c.waitFor("a ready pod", () => c.pods("plain").find(isReady));
    assert.deepEqual(seen, [`ready ${p.metadata.name}`]);
    c.remove("apps/v1", "Deployment", "plain", "ratings-v1");
    await c.waitFor("the pod gone", () => c.pods("plain").length === 0);
    assert.deepEqual(seen, [`ready ${p.metadata.name}`, `stopped ${p.metadata.name}`]);
    c.controllers.pods.off("ready", onReady);
    c.controllers.pods.off("stopped", onStopped);
  });

  test("stop() leaves nothing pending: an idle cluster does no work", async () => {
    c.create(deployment("plain", "details-v1"));
    await c.controllers.settled();
    const revision = c.store.revision;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(c.store.revision, revision, "no writes once settled");
    c.create(pod("plain", "late"));
    c.stop();
    await c.controllers.settled();
    const late = c.store.get("pods", "plain", "late") as Pod;
    assert.equal(late.spec?.nodeName, undefined, "stopped controllers no longer react");
  });
});
