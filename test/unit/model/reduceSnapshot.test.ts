import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import { MAX_SAMPLES, objectKey, reduceAll, reduceSnapshot } from "../../../source/model/reduceSnapshot.ts";
import type { Sample, SnapshotEvent } from "../../../source/model/snapshot.ts";
import { deployment, ingressService, NS, namespace, pod, snapshot } from "../tutorial/fixtures.ts";

const added = (resource: "pods" | "deployments" | "ingressPods", object: KubeObject): SnapshotEvent => ({
  kind: "object",
  resource,
  type: "ADDED",
  object,
});
const sample = (i: number): Sample => ({ at: i, code: 200, latencyMs: i });

describe("reduceSnapshot", () => {
  test("ADDED appends, MODIFIED replaces in place by namespace and name, DELETED removes", () => {
    const a = pod("details-v1");
    const b = pod("ratings-v1");
    let s = reduceAll(snapshot(), [added("pods", a), added("pods", b)]);
    assert.deepEqual(
      s.pods.map((p) => p.metadata.name),
      [a.metadata.name, b.metadata.name],
    );

    const aReady = { ...a, metadata: { ...a.metadata, resourceVersion: "7" } };
    s = reduceSnapshot(s, { kind: "object", resource: "pods", type: "MODIFIED", object: aReady });
    assert.equal(s.pods.length, 2);
    assert.equal(s.pods[0], aReady, "replaced where it was, not appended");

    s = reduceSnapshot(s, { kind: "object", resource: "pods", type: "DELETED", object: a });
    assert.deepEqual(
      s.pods.map((p) => p.metadata.name),
      [b.metadata.name],
    );
  });

  test("MODIFIED for an object never seen adds it (a watch can start mid-stream)", () => {
    const d = deployment("reviews-v1");
    const s = reduceSnapshot(snapshot(), {
      kind: "object",
      resource: "deployments",
      type: "MODIFIED",
      object: d,
    });
    assert.deepEqual(s.deployments, [d]);
  });

  test("is immutable: the input snapshot and its lists are untouched", () => {
    const before = snapshot({ pods: [pod("details-v1")] });
    const podsBefore = before.pods;
    const after = reduceSnapshot(before, added("pods", pod("ratings-v1")));
    assert.notEqual(after, before);
    assert.equal(before.pods, podsBefore);
    assert.equal(before.pods.length, 1);
    assert.equal(after.pods.length, 2);
  });

  test("lists that did not change keep their identity", () => {
    const before = snapshot({ pods: [pod("details-v1")], deployments: [deployment("details-v1")] });
    const after = reduceSnapshot(before, added("pods", pod("ratings-v1")));
    assert.equal(after.deployments, before.deployments);
  });

  test("a DELETED for an unknown object returns the same snapshot", () => {
    const before = snapshot({ pods: [pod("details-v1")] });
    const after = reduceSnapshot(before, {
      kind: "object",
      resource: "pods",
      type: "DELETED",
      object: pod("ratings-v1"),
    });
    assert.equal(after, before);
  });

  test("a late DELETED of an earlier incarnation does not remove the re-created object", () => {
    const old = pod("details-v1");
    const recreated = { ...old, metadata: { ...old.metadata, uid: "new-uid" } };
    const s = reduceAll(snapshot(), [
      added("pods", recreated),
      { kind: "object", resource: "pods", type: "DELETED", object: old },
    ]);
    assert.deepEqual(s.pods, [recreated]);
  });

  test("ingress pods with the same name in different namespaces are different objects", () => {
    const one = pod("details-v1", { namespace: "istio-system" });
    const two = pod("details-v1", { namespace: "istio-ingress" });
    const s = reduceAll(snapshot(), [added("ingressPods", one), added("ingressPods", two)]);
    assert.equal(s.ingressPods.length, 2);
    assert.notEqual(objectKey(one), objectKey(two));
  });

  test("an object without a name is keyed by uid", () => {
    const anonymous: KubeObject = { metadata: { uid: "u-1" } };
    assert.equal(objectKey(anonymous), "uid:u-1");
  });

  test("synced replaces the whole list, dropping what the relist no longer has", () => {
    const before = snapshot({ pods: [pod("details-v1"), pod("ratings-v1")] });
    const fresh = pod("reviews-v1");
    const s = reduceSnapshot(before, { kind: "synced", resource: "pods", objects: [fresh] });
    assert.deepEqual(s.pods, [fresh]);
  });

  test("every watched list resource lands in its own field", () => {
    const objects = { metadata: { name: "x", namespace: NS } };
    const fields = {
      pods: "pods",
      deployments: "deployments",
      services: "services",
      gateways: "gateways",
      virtualservices: "virtualServices",
      destinationrules: "destinationRules",
      ingressPods: "ingressPods",
    } as const;
    for (const [resource, field] of Object.entries(fields)) {
      const s = reduceSnapshot(snapshot(), {
        kind: "synced",
        resource: resource as keyof typeof fields,
        objects: [objects],
      });
      assert.deepEqual(s[field], [objects], resource);
    }
  });

  test("namespace events set and clear namespaceObject; other namespaces are ignored", () => {
    const ns = namespace({ "istio-injection": "enabled" });
    let s = reduceSnapshot(snapshot(), { kind: "object", resource: "namespace", type: "ADDED", object: ns });
    assert.equal(s.namespaceObject, ns);

    const other: KubeObject = { metadata: { name: "default", uid: "other" } };
    const same = reduceSnapshot(s, {
      kind: "object",
      resource: "namespace",
      type: "MODIFIED",
      object: other,
    });
    assert.equal(same.namespaceObject, ns);

    s = reduceSnapshot(s, { kind: "object", resource: "namespace", type: "DELETED", object: ns });
    assert.equal(s.namespaceObject, null);
  });

  test("a namespace relist picks the tour's namespace, or null when it is gone", () => {
    const ns = namespace();
    let s = reduceSnapshot(snapshot(), { kind: "synced", resource: "namespace", objects: [ns] });
    assert.equal(s.namespaceObject, ns);
    s = reduceSnapshot(s, { kind: "synced", resource: "namespace", objects: [] });
    assert.equal(s.namespaceObject, null);
  });

  test("ingressService is set, replaced, and cleared", () => {
    const svc = ingressService();
    let s = reduceSnapshot(snapshot(), {
      kind: "object",
      resource: "ingressService",
      type: "ADDED",
      object: svc,
    });
    assert.equal(s.ingressService, svc);
    const lb = ingressService("LoadBalancer");
    s = reduceSnapshot(s, { kind: "object", resource: "ingressService", type: "MODIFIED", object: lb });
    assert.equal(s.ingressService, lb);
    s = reduceSnapshot(s, { kind: "object", resource: "ingressService", type: "DELETED", object: lb });
    assert.equal(s.ingressService, null);
    s = reduceSnapshot(s, { kind: "synced", resource: "ingressService", objects: [svc] });
    assert.equal(s.ingressService, svc);
  });

  test("istio, gateway and tick events set their fields", () => {
    const istio = { installed: true, version: "1.30.3", networkingVersion: "v1" as const };
    const gateway = { url: "http://127.0.0.1:31380", source: "NodePort" as const };
    const s = reduceAll(snapshot(), [
      { kind: "istio", istio },
      { kind: "gateway", gateway },
      { kind: "tick", now: 42 },
    ]);
    assert.equal(s.istio, istio);
    assert.equal(s.gateway, gateway);
    assert.equal(s.now, 42);
    assert.equal(reduceSnapshot(s, { kind: "gateway", gateway: null }).gateway, null);
  });

  test("samples are appended in order and bounded to the latest MAX_SAMPLES", () => {
    assert.equal(MAX_SAMPLES, 600);
    let s = snapshot();
    for (let i = 0; i < 450; i++) s = reduceSnapshot(s, { kind: "sample", sample: sample(i) });
    assert.equal(s.samples.length, 450);
    s = reduceAll(
      s,
      Array.from({ length: 1350 }, (_, i) => ({ kind: "sample" as const, sample: sample(450 + i) })),
    );
    assert.equal(s.samples.length, 600);
    assert.equal(s.samples[0]!.at, 1200);
    assert.equal(s.samples.at(-1)!.at, 1799);
  });

  test("routingChangedAt moves with a routing object's spec (generation), not with its metadata or a relist", () => {
    const vs = (generation: number, labels: Record<string, string> = {}) => ({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "reviews", namespace: "bookinfo", uid: "vs-1", generation, labels },
      spec: { hosts: ["reviews"] },
    });
    let s = reduceAll(snapshot(), [
      { kind: "synced", resource: "virtualservices", objects: [vs(1)] },
      { kind: "tick", now: 10 },
    ]);
    assert.equal(s.routingChangedAt, 0, "the first list is where the tour starts, not a change");
    s = reduceAll(s, [
      { kind: "object", resource: "virtualservices", type: "MODIFIED", object: vs(2) },
      { kind: "tick", now: 20 },
    ]);
    assert.equal(s.routingChangedAt, 20);
    s = reduceAll(s, [
      { kind: "object", resource: "virtualservices", type: "MODIFIED", object: vs(2, { team: "a" }) },
      { kind: "tick", now: 30 },
    ]);
    assert.equal(s.routingChangedAt, 20, "a label is not routing");
    s = reduceAll(s, [
      { kind: "synced", resource: "virtualservices", objects: [vs(2)] },
      { kind: "tick", now: 40 },
    ]);
    assert.equal(s.routingChangedAt, 20, "a relist of the same objects is not a change");
    s = reduceAll(s, [
      {
        kind: "object",
        resource: "destinationrules",
        type: "ADDED",
        object: {
          ...vs(1),
          kind: "DestinationRule",
          metadata: { name: "reviews", uid: "dr", generation: 1 },
        },
      },
      { kind: "tick", now: 50 },
    ]);
    assert.equal(s.routingChangedAt, 50);
    s = reduceAll(s, [
      { kind: "object", resource: "pods", type: "ADDED", object: { metadata: { name: "p" } } },
      { kind: "tick", now: 60 },
    ]);
    assert.equal(s.routingChangedAt, 50, "pods are not routing");
  });

  test("one-by-one and batched folding agree", () => {
    const events: SnapshotEvent[] = [
      added("pods", pod("details-v1")),
      added("pods", pod("ratings-v1")),
      { kind: "object", resource: "pods", type: "DELETED", object: pod("details-v1") },
      added("deployments", deployment("ratings-v1")),
      { kind: "sample", sample: sample(1) },
      { kind: "tick", now: 5 },
    ];
    const batched = reduceAll(snapshot(), events);
    const stepwise = events.reduce(reduceSnapshot, snapshot());
    assert.deepEqual(batched, stepwise);
  });

  test("an empty batch returns the same snapshot", () => {
    const s = snapshot();
    assert.equal(reduceAll(s, []), s);
  });
});

describe("what the user may not read", () => {
  test("is noted with its reason until a list of that resource succeeds", () => {
    const reason = "context c is not allowed to list namespaces (403 Forbidden)";
    const forbidden = reduceSnapshot(snapshot(), { kind: "unreadable", resource: "namespace", reason });
    assert.deepEqual(forbidden.unreadable, { namespace: reason });
    assert.equal(
      reduceSnapshot(forbidden, { kind: "unreadable", resource: "namespace", reason }),
      forbidden,
      "the same news twice changes nothing",
    );
    const pods = reduceSnapshot(forbidden, { kind: "synced", resource: "pods", objects: [] });
    assert.deepEqual(pods.unreadable, { namespace: reason }, "another resource's list leaves it");
    const granted = reduceSnapshot(pods, { kind: "synced", resource: "namespace", objects: [namespace()] });
    assert.deepEqual(granted.unreadable, {});
    assert.equal(granted.namespaceObject?.metadata.name, NS);
  });
});
