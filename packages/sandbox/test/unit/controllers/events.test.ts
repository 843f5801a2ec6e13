import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyDefaults } from "../../../src/api/defaults.ts";
import { ObjectService } from "../../../src/api/objects.ts";
import { findResource } from "../../../src/api/resources.ts";
import { EventRecorder } from "../../../src/controllers/events.ts";
import type { KubeObject } from "../../../src/kube.ts";
import { Store } from "../../../src/store/store.ts";

// The recorder on its own: the core/v1 shape a kubelet or controller writes, repeats counted
// on one object, the scheduler's events.k8s.io shape, and the API server's one-hour TTL.

const EVENTS = findResource("", "v1", "events")!;

function setup() {
  let now = new Date("2025-06-01T10:00:00.250Z");
  const store = new Store(() => now);
  const objects = new ObjectService(store, [applyDefaults], (_before, after) => after);
  objects.create(
    findResource("", "v1", "namespaces")!,
    undefined,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } },
    { manager: "test" },
  );
  const pod = objects.create(
    findResource("", "v1", "pods")!,
    "demo",
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1" },
      spec: { containers: [{ name: "web", image: "nginx" }] },
    },
    { manager: "test" },
  );
  const recorder = new EventRecorder(objects, () => now);
  return {
    objects,
    pod,
    recorder,
    events: () => objects.list(EVENTS, "demo").items as (KubeObject & Record<string, unknown>)[],
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe("the event recorder", () => {
  it("writes the core/v1 Event a kubelet writes, naming the object, its part and the source", () => {
    const t = setup();
    t.recorder.record(
      t.pod,
      {
        type: "Normal",
        reason: "Created",
        message: "Created container: web",
        fieldPath: "spec.containers{web}",
      },
      { component: "kubelet", host: "node-1" },
    );
    const [event] = t.events();
    assert.ok(event);
    assert.match(event.metadata.name!, /^web-1\.[0-9a-f]+$/);
    assert.deepEqual(event.involvedObject, {
      kind: "Pod",
      namespace: "demo",
      name: "web-1",
      uid: t.pod.metadata.uid,
      apiVersion: "v1",
      resourceVersion: t.pod.metadata.resourceVersion,
      fieldPath: "spec.containers{web}",
    });
    assert.deepEqual(event.source, { component: "kubelet", host: "node-1" });
    assert.equal(event.firstTimestamp, "2025-06-01T10:00:00Z");
    assert.equal(event.lastTimestamp, "2025-06-01T10:00:00Z");
    assert.equal(event.count, 1);
    assert.equal(event.type, "Normal");
    assert.equal(event.reportingComponent, "kubelet");
    assert.equal(event.reportingInstance, "node-1");
  });

  it("counts a repeat on the same Event, with a later lastTimestamp, instead of a new one", () => {
    const t = setup();
    const again = () =>
      t.recorder.record(
        t.pod,
        { type: "Normal", reason: "ScalingReplicaSet", message: "Scaled up replica set web from 1 to 2" },
        { component: "deployment-controller" },
      );
    again();
    t.advance(30_000);
    again();
    t.recorder.record(
      t.pod,
      { type: "Normal", reason: "ScalingReplicaSet", message: "Scaled down replica set web from 2 to 1" },
      { component: "deployment-controller" },
    );
    const events = t.events();
    assert.equal(events.length, 2);
    const up = events.find((e) => String(e.message).includes("up"))!;
    assert.equal(up.count, 2);
    assert.equal(up.firstTimestamp, "2025-06-01T10:00:00Z");
    assert.equal(up.lastTimestamp, "2025-06-01T10:00:30Z");
    assert.deepEqual(up.source, { component: "deployment-controller" });
  });

  it("writes the scheduler's events the way events.k8s.io events read through core/v1", () => {
    const t = setup();
    t.recorder.record(
      t.pod,
      { type: "Normal", reason: "Scheduled", message: "Successfully assigned demo/web-1 to node-1" },
      { component: "default-scheduler", newApi: { instance: "default-scheduler-node-1", action: "Binding" } },
    );
    const [event] = t.events();
    assert.equal(event?.firstTimestamp, null);
    assert.equal(event?.lastTimestamp, null);
    assert.equal(event?.eventTime, "2025-06-01T10:00:00.250000Z");
    assert.deepEqual(event?.source, {});
    assert.equal(event?.reportingComponent, "default-scheduler");
    assert.equal(event?.reportingInstance, "default-scheduler-node-1");
    assert.equal(event?.action, "Binding");
  });

  it("forgets events last seen more than an hour ago", () => {
    const t = setup();
    t.recorder.record(t.pod, { type: "Normal", reason: "Old", message: "old" }, { component: "kubelet" });
    t.advance(40 * 60_000);
    t.recorder.record(t.pod, { type: "Normal", reason: "Newer", message: "newer" }, { component: "kubelet" });
    t.advance(25 * 60_000);
    t.recorder.expire();
    assert.deepEqual(
      t.events().map((e) => e.reason),
      ["Newer"],
    );
    t.recorder.stop();
  });
});
